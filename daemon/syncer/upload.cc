// The upload half of SyncEngine: commit -> need_blocks -> store_batch -> commit again.
#include <fcntl.h>
#include <sys/stat.h>

#include <map>
#include <unordered_set>

#include "daemon/syncer/local_fs.h"
#include "daemon/syncer/sync_engine.h"

namespace tessera::daemon::syncer {

using common::Status;
using common::wire::FileKind;

namespace {

constexpr size_t kMaxCommitItems = 500;
constexpr size_t kMaxCommitBlocks = 200'000;
constexpr int kMaxCommitAttempts = 3;

common::wire::FileMeta ToMeta(const std::string& path, const std::optional<FileVersion>& v,
                              const index::LocalStat& stat) {
  common::wire::FileMeta m;
  m.path = path;
  if (!v) {
    m.kind = FileKind::kDeleted;
    m.mode = 0;
    return m;
  }
  m.kind = v->kind;
  m.size = v->kind == FileKind::kFile ? v->size : 0;
  m.mtime_ns = v->mtime_ns;
  m.mode = v->kind == FileKind::kDir ? 0755 : (v->executable ? 0755 : 0644);
  if (v->kind == FileKind::kFile) m.mode = (stat.mode & 0777) | (v->executable ? 0100 : 0);
  m.symlink_target = v->symlink_target;
  m.blocks = v->blocks;
  return m;
}

}  // namespace

Status SyncEngine::Upload(std::vector<UploadItem> items) {
  // Bounded batches: by item count and by block refs.
  std::vector<UploadItem> batch;
  size_t blocks = 0;
  for (auto& item : items) {
    const size_t n = item.local ? item.local->blocks.size() : 0;
    if (!batch.empty() && (batch.size() >= kMaxCommitItems || blocks + n > kMaxCommitBlocks)) {
      TESSERA_RETURN_IF_ERROR(CommitBatch(batch));
      batch.clear();
      blocks = 0;
    }
    blocks += n;
    batch.push_back(std::move(item));
  }
  if (!batch.empty()) TESSERA_RETURN_IF_ERROR(CommitBatch(batch));
  return Status::Ok();
}

Status SyncEngine::CommitBatch(std::vector<UploadItem>& items) {
  for (int attempt = 0; attempt < kMaxCommitAttempts && !items.empty(); ++attempt) {
    common::wire::CommitBatchRequest request;
    request.device = config_.device;
    for (const auto& item : items) {
      request.items.push_back(
          common::wire::CommitItem{item.parent_jid, ToMeta(item.path, item.local, item.stat)});
    }
    TESSERA_ASSIGN_OR_RETURN(auto response, meta_.Commit(request));
    std::vector<std::pair<UploadItem, std::vector<common::BlockId>>> needs;
    for (size_t i = 0; i < items.size(); ++i) {
      const auto& result = response.results[i];
      const UploadItem& item = items[i];
      switch (result.outcome) {
        case common::wire::CommitOutcome::kCommitted:
          TESSERA_RETURN_IF_ERROR(FinishUpload(item, result.jid));
          break;
        case common::wire::CommitOutcome::kNeedBlocks:
          needs.emplace_back(item, result.need_blocks);
          break;
        case common::wire::CommitOutcome::kConflict:
          // The journal moved on: list, then reconcile this path again.
          log_.Info("sync", item.path + ": the server has a newer version (jid " +
                                std::to_string(result.latest_jid) + "); listing");
          pull_needed_ = true;
          break;
        case common::wire::CommitOutcome::kInvalid: {
          RecordError("the server refused " + item.path + ": " + result.error);
          TESSERA_ASSIGN_OR_RETURN(auto row, index_.Get(item.path));
          if (row) {
            row->state = index::SyncState::kError;
            row->error = result.error;
            TESSERA_RETURN_IF_ERROR(index_.Put(*row));
          }
          break;
        }
      }
    }
    if (needs.empty()) return Status::Ok();
    std::set<std::string> failed;
    TESSERA_RETURN_IF_ERROR(StoreNeededBlocks(needs, failed));
    std::vector<UploadItem> again;
    for (auto& [item, ids] : needs) {
      if (!failed.contains(item.path)) again.push_back(std::move(item));
    }
    items = std::move(again);
  }
  return Status::Ok();
}

Status SyncEngine::FinishUpload(const UploadItem& item, uint64_t jid) {
  TESSERA_ASSIGN_OR_RETURN(auto existing, index_.Get(item.path));
  index::FileRow row;
  if (existing) row = std::move(*existing);
  row.path = item.path;
  row.base_jid = jid;
  row.base = item.local;
  const bool same = row.local.has_value() == item.local.has_value() &&
                    (!item.local || row.local->SameContent(*item.local));
  row.state = same ? index::SyncState::kSynced : index::SyncState::kDirty;
  row.error.clear();
  if (item.local) {
    ++stats_.uploaded;
    log_.Info("sync", "uploaded " + item.path + " (jid " + std::to_string(jid) + ")");
  } else {
    ++stats_.deleted_remote;
    log_.Info("sync", "deleted " + item.path + " on the server (jid " + std::to_string(jid) + ")");
  }
  return index_.InTransaction([&]() -> Status {
    TESSERA_RETURN_IF_ERROR(index_.Put(row));
    TESSERA_ASSIGN_OR_RETURN(auto pending, index_.GetPending(item.path));
    if (pending && pending->jid <= jid) TESSERA_RETURN_IF_ERROR(index_.RemovePending(item.path));
    return Status::Ok();
  });
}

}  // namespace tessera::daemon::syncer
