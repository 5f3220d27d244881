// Getting the blocks of a version being downloaded: from the chunk cache, from local files that
// hold them, else from the blockserver in bounded retrieve_batch requests.
#include <unistd.h>

#include <cerrno>
#include <unordered_map>
#include <unordered_set>

#include "daemon/syncer/local_fs.h"
#include "daemon/syncer/sync_engine.h"

namespace tessera::daemon::syncer {

using common::Status;
using common::wire::BlockRef;

Status SyncEngine::WriteBlocks(int fd, const std::string& tmp,
                               const std::vector<BlockRef>& blocks) {
  // Walks the file in windows of bounded bytes: blocks already on disk (the chunk cache, or any
  // local file holding them, e.g. the old version or the source of a rename) are read and
  // verified; the rest of the window is retrieved in one batch. Memory: one window.
  size_t i = 0;
  while (i < blocks.size()) {
    const size_t begin = i;
    uint64_t bytes = 0;
    std::vector<common::BlockId> fetch;
    std::unordered_set<common::BlockId> in_window;
    while (i < blocks.size() && i - begin < remote::kMaxBatchBlocks &&
           (i == begin || bytes + blocks[i].size <= remote::kMaxBatchBytes)) {
      const BlockRef& b = blocks[i++];
      bytes += b.size;
      if (!in_window.insert(b.id).second || cache_->Has(b.id)) continue;
      TESSERA_ASSIGN_OR_RETURN(auto places, index_.FindBlock(b.id, 1));
      if (places.empty()) fetch.push_back(b.id);
    }
    std::unordered_map<common::BlockId, std::string> got;
    if (!fetch.empty()) {
      size_t refused = 0;
      TESSERA_ASSIGN_OR_RETURN(auto batch, blocks_.RetrieveBatch(fetch, &refused));
      stats_.refused += refused;
      for (auto& b : batch) {
        if (!b.data) {
          return common::NotFound("the blockserver has no valid copy of block " +
                                  b.id.ToHex().substr(0, 16));
        }
        got.emplace(b.id, std::move(*b.data));
      }
    }
    for (size_t k = begin; k < i; ++k) {
      auto it = got.find(blocks[k].id);
      if (it != got.end()) {
        TESSERA_RETURN_IF_ERROR(WriteAll(fd, it->second, tmp));
        continue;
      }
      TESSERA_ASSIGN_OR_RETURN(auto data, BlockBytes(blocks[k]));
      TESSERA_RETURN_IF_ERROR(WriteAll(fd, data, tmp));
    }
  }
  return Status::Ok();
}

common::Result<std::string> SyncEngine::BlockBytes(const BlockRef& ref) {
  if (cache_->Has(ref.id)) {
    auto data = cache_->Get(ref.id);
    if (data.ok()) return data;
    log_.Warn("sync", "chunk cache: " + data.status().ToString());
  }
  TESSERA_ASSIGN_OR_RETURN(auto places, index_.FindBlock(ref.id, 8));
  // The target's old version is a fine source: it is replaced only at the very end.
  for (const auto& p : places) {
    auto data = ReadVerifiedBlock(config_.root + "/" + p.path, p.offset, p.size, ref.id);
    if (data.ok()) return data;
  }
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
