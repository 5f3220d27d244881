// Uploading the blocks the server asked for: read from the file, verified against the hash the
// commit named, sent in bounded store_batch requests.
#include <map>
#include <unordered_set>

#include "daemon/syncer/local_fs.h"
#include "daemon/syncer/sync_engine.h"

namespace tessera::daemon::syncer {

using common::Status;
using common::wire::FileKind;

Status SyncEngine::StoreNeededBlocks(
    const std::vector<std::pair<UploadItem, std::vector<common::BlockId>>>& needs,
    std::set<std::string>& failed_paths) {
  common::wire::BlockBatch batch;
  uint64_t batch_bytes = 0;
  auto flush = [&]() -> Status {
    if (batch.blocks.empty()) return Status::Ok();
    TESSERA_RETURN_IF_ERROR(blocks_.StoreBatch(batch));
    batch.blocks.clear();
    batch_bytes = 0;
    return Status::Ok();
  };
  std::unordered_set<common::BlockId> queued;
  for (const auto& [item, ids] : needs) {
    if (!item.local || item.local->kind != FileKind::kFile) continue;
    // Where each block of this version sits in the file.
    std::map<common::BlockId, std::pair<uint64_t, uint32_t>> where;
    uint64_t offset = 0;
    for (const auto& b : item.local->blocks) {
      where.emplace(b.id, std::make_pair(offset, b.size));
      offset += b.size;
    }
    const std::string abs = config_.root + "/" + item.path;
    for (const auto& id : ids) {
      if (queued.contains(id)) continue;
      auto it = where.find(id);
      if (it == where.end()) {
        RecordError("the server asked for a block " + item.path + " does not have");
        failed_paths.insert(item.path);
        break;
      }
      auto data = ReadVerifiedBlock(abs, it->second.first, it->second.second, id);
      if (!data.ok()) {
        // The file changed since it was hashed: look at it again, upload the new version.
        log_.Info("sync",
                  item.path + " changed before its blocks went up: " + data.status().ToString());
        failed_paths.insert(item.path);
        TESSERA_RETURN_IF_ERROR(scanner_.ScanPaths({item.path}).status());
        break;
      }
      queued.insert(id);
      batch_bytes += data->size();
      batch.blocks.push_back(common::wire::Block{id, std::move(*data)});
      if (batch_bytes >= remote::kMaxBatchBytes || batch.blocks.size() >= remote::kMaxBatchBlocks) {
        TESSERA_RETURN_IF_ERROR(flush());
      }
    }
  }
  return flush();
}

}  // namespace tessera::daemon::syncer
