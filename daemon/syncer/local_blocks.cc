#include "daemon/syncer/local_blocks.h"

#include "daemon/syncer/local_fs.h"

namespace tessera::daemon::syncer {

namespace {

constexpr uint64_t kCacheBudgetBytes = 256ull << 20;
constexpr uint64_t kTrimEveryBytes = 32ull << 20;
// How many local places of a block Get tries.
constexpr size_t kPlacesTried = 8;

}  // namespace

common::Result<std::unique_ptr<LocalBlocks>> LocalBlocks::Open(common::Env& env,
                                                               index::Index& index,
                                                               common::Logger& log,
                                                               std::string root,
                                                               std::string cache_dir) {
  TESSERA_ASSIGN_OR_RETURN(auto cache,
                           common::chunker::ChunkCache::Open(env, std::move(cache_dir)));
  return std::unique_ptr<LocalBlocks>(
      new LocalBlocks(env, index, log, std::move(root), std::move(cache)));
}

common::Result<std::string> LocalBlocks::Get(const common::BlockId& id) {
  if (cache_->Has(id)) {
    auto data = cache_->Get(id);
    if (data.ok()) return data;
    log_.Warn("sync", "chunk cache: " + data.status().ToString());
  }
  TESSERA_ASSIGN_OR_RETURN(auto places, index_.FindBlock(id, kPlacesTried));
  // A download's target (its old version) is a fine source: it is replaced only at the very end.
  for (const auto& p : places) {
    auto data = ReadVerifiedBlock(env_, root_ + "/" + p.path, p.offset, p.size, id);
    if (data.ok()) return data;
  }
  return common::NotFound("no valid local copy of block " + id.ToHex().substr(0, 16));
}

void LocalBlocks::Keep(const common::BlockId& id, std::string_view data) {
  if (cache_->Has(id)) return;
  const common::Status s =
      cache_->Put(id, data, common::chunker::ChunkCache::Durability::kUnsynced);
  if (!s.ok()) {
    log_.Warn("sync", "chunk cache: " + s.ToString());
    return;
  }
  bytes_since_trim_ += data.size();
  if (bytes_since_trim_ < kTrimEveryBytes) return;
  bytes_since_trim_ = 0;
  auto usage = cache_->TrimTo(kCacheBudgetBytes, nullptr);
  if (!usage.ok()) log_.Warn("sync", "chunk cache trim: " + usage.status().ToString());
}

}  // namespace tessera::daemon::syncer
