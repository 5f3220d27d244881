// Getting the blocks of a version being downloaded: from the chunk cache, from local files that
// hold them, else from the blockserver in bounded retrieve_batch requests (as rsync deltas
// against the blocks they replace locally, when the server finds that smaller). The blocks of
// text files go into the chunk cache, to be delta bases once the file is overwritten.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "daemon/syncer/local_fs.h"
#include "daemon/syncer/old_version.h"
#include "daemon/syncer/sync_engine.h"

namespace tessera::daemon::syncer {

using common::Status;
using common::wire::BlockRef;

namespace {

// Text files up to this size keep their blocks in the chunk cache (as delta bases for later).
constexpr uint64_t kMaxCachedFileBytes = 64ull << 20;
// Smaller files are not cached on download: one cache file per block is too dear for a tree of
// small files (their later edits are sent whole or against the server's copy instead).
constexpr uint64_t kMinCachedFileBytes = 1ull << 20;
constexpr uint64_t kCacheBudgetBytes = 256ull << 20;
constexpr uint64_t kTrimEveryBytes = 32ull << 20;
constexpr size_t kWriteBytes = 1 << 20;  // at most this much is gathered for one write
// How far from a block to fetch DeltaBases looks for a neighbour held locally.
constexpr size_t kNeighbourLookups = 4;
// How many places of a neighbour block DeltaBases reads, looking for the file's own.
constexpr size_t kPlacesLooked = 8;

bool LooksLikeText(std::string_view data) {
  return data.substr(0, 8000).find('\0') == std::string_view::npos;
}

}  // namespace

Status SyncEngine::WriteBlocks(int fd, const std::string& tmp, const std::string& rel,
                               const std::vector<BlockRef>& blocks, const OldVersion& own) {
  // Walks the file in windows of bounded bytes: blocks already on disk (the chunk cache, or any
  // local file holding them, e.g. the old version or the source of a rename) are read and
  // verified; the rest of the window is retrieved in one batch, naming for each the block it
  // replaces locally so the server can answer a delta. Memory: one window.
  uint64_t total = 0;
  for (const auto& b : blocks) total += b.size;
  std::optional<bool> cache_blocks;  // decided on the first block: a text file, not too big
  size_t i = 0;
  while (i < blocks.size()) {
    const size_t begin = i;
    uint64_t bytes = 0;
    std::vector<common::BlockId> fetch;
    std::vector<size_t> fetch_at;
    std::unordered_set<common::BlockId> in_window;
    while (i < blocks.size() && i - begin < common::client::kMaxBatchBlocks &&
           (i == begin || bytes + blocks[i].size <= common::client::kMaxBatchBytes)) {
      const BlockRef& b = blocks[i++];
      bytes += b.size;
      if (!in_window.insert(b.id).second || prefetched_.contains(b.id) || own.Holds(b.id) ||
          cache_->Has(b.id)) {
        continue;
      }
      TESSERA_ASSIGN_OR_RETURN(auto places, index_.FindBlock(b.id, 1));
      if (places.empty()) {
        fetch.push_back(b.id);
        fetch_at.push_back(i - 1);
      }
    }
    std::unordered_map<common::BlockId, std::string> got;
    if (!fetch.empty()) {
      size_t refused = 0;
      TESSERA_ASSIGN_OR_RETURN(
          auto batch, blocks_.RetrieveBatch(
                          fetch, DeltaBases(rel, blocks, fetch_at),
                          [this](const common::BlockId& id) { return LocalBlock(id); }, &refused));
      stats_.refused += refused;
      for (auto& b : batch) {
        if (!b.data) {
          return common::NotFound("the blockserver has no valid copy of block " +
                                  b.id.ToHex().substr(0, 16));
        }
        got.emplace(b.id, std::move(*b.data));
      }
    }
    // Blocks go out in writes of up to kWriteBytes (a source tree's ~1 KiB blocks would
    // otherwise cost a system call each).
    std::string out;
    out.reserve(std::min<uint64_t>(bytes, kWriteBytes));
    for (size_t k = begin; k < i; ++k) {
      std::string local;
      std::string_view data;
      auto it = got.find(blocks[k].id);
      auto pre = prefetched_.find(blocks[k].id);
      if (it != got.end()) {
        data = it->second;
      } else if (pre != prefetched_.end()) {
        data = pre->second;  // retrieved for the whole download group
      } else if (auto old = own.Read(blocks[k].id)) {
        local = std::move(*old);
        data = local;
      } else {
        TESSERA_ASSIGN_OR_RETURN(local, BlockBytes(blocks[k]));
        data = local;
      }
      if (out.size() + data.size() > kWriteBytes && !out.empty()) {
        TESSERA_RETURN_IF_ERROR(WriteAll(fd, out, tmp));
        out.clear();
      }
      out.append(data);
      if (!cache_blocks) {
        cache_blocks = total <= kMaxCachedFileBytes && total >= kMinCachedFileBytes &&
                       LooksLikeText(data);
      }
      if (*cache_blocks) CacheBlock(blocks[k].id, data);
    }
    TESSERA_RETURN_IF_ERROR(WriteAll(fd, out, tmp));
  }
  return Status::Ok();
}

std::vector<std::optional<common::BlockId>> SyncEngine::DeltaBases(
    const std::string& rel, const std::vector<BlockRef>& blocks,
    const std::vector<size_t>& fetch_at) {
  // The old version of the file sits around the blocks we already hold: a neighbour of the
  // block to fetch found in a local file at index n means the block at n +/- distance there is
  // the one it replaced (a one-line edit changes one block between unchanged ones).
  std::unordered_map<std::string, std::vector<BlockRef>> versions;  // path -> its local blocks
  auto locate = [&](size_t j) -> std::pair<const std::vector<BlockRef>*, size_t> {
    // The file's own old version first: another file sharing the neighbour (a copy, common
    // boilerplate) holds some other block next to it.
    auto places = index_.FindBlock(blocks[j].id, kPlacesLooked);
    if (!places.ok() || places->empty()) return {nullptr, 0};
    const index::BlockLocation* own = nullptr;
    for (const auto& p : *places) {
      if (p.path == rel && own == nullptr) own = &p;
    }
    const index::BlockLocation& where = own != nullptr ? *own : places->front();
    auto [it, inserted] = versions.try_emplace(where.path);
    if (inserted) {
      auto row = index_.Get(where.path);
      if (row.ok() && *row && (*row)->local) it->second = (*row)->local->blocks;
    }
    uint64_t offset = 0;
    for (size_t n = 0; n < it->second.size(); ++n) {
      if (offset == where.offset && it->second[n].id == blocks[j].id) return {&it->second, n};
      offset += it->second[n].size;
    }
    return {nullptr, 0};
  };
  // Neighbours being fetched themselves are not local: no lookups for them (a first download
  // of a file costs no queries here).
  auto fetching = [&](size_t j) { return std::binary_search(fetch_at.begin(), fetch_at.end(), j); };
  std::vector<std::optional<common::BlockId>> bases(fetch_at.size());
  for (size_t f = 0; f < fetch_at.size(); ++f) {
    const size_t at = fetch_at[f];
    for (size_t d = 1; d <= kNeighbourLookups && d <= at && !bases[f]; ++d) {
      if (fetching(at - d)) continue;
      auto [old, n] = locate(at - d);
      if (old != nullptr && n + d < old->size()) bases[f] = (*old)[n + d].id;
    }
    for (size_t d = 1; d <= kNeighbourLookups && at + d < blocks.size() && !bases[f]; ++d) {
      if (fetching(at + d)) continue;
      auto [old, n] = locate(at + d);
      if (old != nullptr && n >= d) bases[f] = (*old)[n - d].id;
    }
  }
  return bases;
}

common::Result<std::string> SyncEngine::LocalBlock(const common::BlockId& id) {
  if (cache_->Has(id)) {
    auto data = cache_->Get(id);
    if (data.ok()) return data;
    log_.Warn("sync", "chunk cache: " + data.status().ToString());
  }
  TESSERA_ASSIGN_OR_RETURN(auto places, index_.FindBlock(id, 8));
  // The target's old version is a fine source: it is replaced only at the very end.
  for (const auto& p : places) {
    auto data = ReadVerifiedBlock(config_.root + "/" + p.path, p.offset, p.size, id);
    if (data.ok()) return data;
  }
  return common::NotFound("no valid local copy of block " + id.ToHex().substr(0, 16));
}

void SyncEngine::CacheBlock(const common::BlockId& id, std::string_view data) {
  if (cache_->Has(id)) return;
  const Status s = cache_->Put(id, data, common::chunker::ChunkCache::Durability::kUnsynced);
  if (!s.ok()) {
    log_.Warn("sync", "chunk cache: " + s.ToString());
    return;
  }
  cache_bytes_since_trim_ += data.size();
  if (cache_bytes_since_trim_ < kTrimEveryBytes) return;
  cache_bytes_since_trim_ = 0;
  auto usage = cache_->TrimTo(kCacheBudgetBytes, nullptr);
  if (!usage.ok()) log_.Warn("sync", "chunk cache trim: " + usage.status().ToString());
}

common::Result<std::string> SyncEngine::BlockBytes(const BlockRef& ref) {
  auto local = LocalBlock(ref.id);
  if (local.ok() || local.status().code() != common::Code::kNotFound) return local;
  // The local copies changed under us: fetch this one block.
  size_t refused = 0;
  TESSERA_ASSIGN_OR_RETURN(auto got, blocks_.RetrieveBatch({ref.id}, &refused));
  stats_.refused += refused;
  if (got.empty() || !got[0].data) {
    return common::NotFound("no valid copy of block " + ref.id.ToHex().substr(0, 16));
  }
  return std::move(*got[0].data);
}

}  // namespace tessera::daemon::syncer
