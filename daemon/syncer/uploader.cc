#include "daemon/syncer/uploader.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <utility>

#include "daemon/syncer/commit_order.h"

namespace tessera::daemon::syncer {

using common::Status;
using common::wire::FileKind;

namespace {

constexpr size_t kMaxCommitItems = 500;
constexpr size_t kMaxCommitBlocks = 200'000;
// Bound on a commit request's encoded size, estimated before encoding (EstimatedBytes).
constexpr size_t kMaxCommitBytes = 4 << 20;
// need_blocks -> store -> commit again, plus one retry with the full list after a refused delta.
constexpr int kMaxCommitAttempts = 4;

// An upper bound of an item's share of the JSON body: ~100 bytes per block ref, plus the path
// (escaped at worst 6x) and the other fields.
size_t EstimatedBytes(const std::string& path, size_t blocks) {
  return 256 + 6 * path.size() + 100 * blocks;
}

// The delta from the parent's blocklist to `local`'s, when the parent is a file version this
// daemon knows (the index row's base, or the pending entry, at exactly `parent_jid`) and the
// delta is worth sending.
common::Result<std::optional<common::wire::BlocklistDelta>> DeltaFromParent(
    index::Index& index, const std::string& path, uint64_t parent_jid,
    const std::optional<FileVersion>& local) {
  using Out = std::optional<common::wire::BlocklistDelta>;
  if (parent_jid == 0 || !local || local->kind != FileKind::kFile) return Out();
  const std::vector<common::wire::BlockRef>* base = nullptr;
  TESSERA_ASSIGN_OR_RETURN(const auto row, index.Get(path));
  TESSERA_ASSIGN_OR_RETURN(const auto pending, index.GetPending(path));
  if (row && row->base_jid == parent_jid && row->base && row->base->kind == FileKind::kFile) {
    base = &row->base->blocks;
  } else if (pending && pending->jid == parent_jid && pending->version &&
             pending->version->kind == FileKind::kFile) {
    base = &pending->version->blocks;
  }
  if (base == nullptr) return Out();
  common::wire::BlocklistDelta delta = common::wire::ComputeBlocklistDelta(*base, local->blocks);
  if (!common::wire::DeltaPays(delta, local->blocks.size())) return Out();
  delta.base_jid = parent_jid;
  return Out(std::move(delta));
}

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

Status Uploader::Upload(std::vector<UploadItem> items, NextPass& next) {
  // Bounded batches: by item count, by block refs and by (estimated) request bytes. A batch is
  // committed while the blocks of the one before it are stored, and that one is committed
  // again after.
  sender_.Reset();
  // A directory's delete commits after the deletes of everything under it (commit_order.h).
  PutDeletesAfterChildren(items);
  std::optional<CommitRound> storing;
  auto start = [&](std::vector<UploadItem> batch) -> Status {
    // The batches before this one had their first commit: their deletes are recorded.
    TESSERA_ASSIGN_OR_RETURN(const auto held, HoldBackDirectoryDeletes(index_, batch));
    for (const auto& path : held) {
      log_.Debug("sync", path + ": its delete waits for the deletes under it");
    }
    CommitRound round;
    for (const auto& item : batch) {
      TESSERA_ASSIGN_OR_RETURN(auto delta,
                               DeltaFromParent(index_, item.path, item.parent_jid, item.local));
      if (delta) round.deltas.emplace(item.path, std::move(*delta));
    }
    round.items = std::move(batch);
    TESSERA_RETURN_IF_ERROR(StoreEditedBlocks(round, next));
    TESSERA_ASSIGN_OR_RETURN(round, CommitStep(std::move(round), next));
    if (storing) TESSERA_RETURN_IF_ERROR(FinishRound(std::move(*storing), next));
    storing = std::move(round);
    return Status::Ok();
  };
  const size_t max_items = std::clamp<size_t>(config_.commit_batch_items, 1, kMaxCommitItems);
  std::vector<UploadItem> batch;
  size_t blocks = 0;
  size_t bytes = 0;
  for (auto& item : items) {
    const size_t n = item.local ? item.local->blocks.size() : 0;
    const size_t b = EstimatedBytes(item.path, n);
    if (!batch.empty() && (batch.size() >= max_items || blocks + n > kMaxCommitBlocks ||
                           bytes + b > kMaxCommitBytes)) {
      TESSERA_RETURN_IF_ERROR(start(std::exchange(batch, {})));
      blocks = 0;
      bytes = 0;
    }
    blocks += n;
    bytes += b;
    batch.push_back(std::move(item));
  }
  if (!batch.empty()) TESSERA_RETURN_IF_ERROR(start(std::move(batch)));
  if (storing) TESSERA_RETURN_IF_ERROR(FinishRound(std::move(*storing), next));
  return Status::Ok();
}

Status Uploader::StoreEditedBlocks(CommitRound& round, NextPass& next) {
  std::vector<BlockNeed> needs;
  for (const auto& item : round.items) {
    auto it = round.deltas.find(item.path);
    if (it == round.deltas.end() || it->second.blocks.empty()) continue;
    std::vector<common::BlockId> ids;
    for (const auto& b : it->second.blocks) ids.push_back(b.id);
    needs.emplace_back(item, std::move(ids));
  }
  if (needs.empty()) return Status::Ok();
  std::set<std::string> failed;
  // One read transaction for the rows the sender looks up.
  TESSERA_RETURN_IF_ERROR(index_.InTransaction([&]() -> Status {
    TESSERA_ASSIGN_OR_RETURN(failed, sender_.Send(needs, next));
    return Status::Ok();
  }));
  TESSERA_RETURN_IF_ERROR(sender_.WaitStored(sender_.last_store()));
  // A file that changed since it was hashed is scanned next pass: its new version goes then.
  std::erase_if(round.items, [&](const UploadItem& item) { return failed.contains(item.path); });
  return Status::Ok();
}

Status Uploader::FinishRound(CommitRound round, NextPass& next) {
  for (;;) {
    TESSERA_RETURN_IF_ERROR(sender_.WaitStored(round.last_store));
    round.last_store = 0;
    if (round.items.empty() || round.attempts >= kMaxCommitAttempts) return Status::Ok();
    TESSERA_ASSIGN_OR_RETURN(round, CommitStep(std::move(round), next));
  }
}

common::Result<Uploader::CommitRound> Uploader::CommitStep(CommitRound round, NextPass& next) {
  ++round.attempts;
  std::vector<UploadItem>& items = round.items;
  common::wire::CommitBatchRequest request;
  request.device = config_.device;
  for (const auto& item : items) {
    common::wire::CommitItem& ci = request.items.emplace_back();
    ci.parent_jid = item.parent_jid;
    ci.meta = ToMeta(item.path, item.local, item.stat);
    if (auto it = round.deltas.find(item.path); it != round.deltas.end()) {
      ci.delta = it->second;
      ci.meta.blocks.clear();
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  TESSERA_ASSIGN_OR_RETURN(auto response, meta_.Commit(request));
  const auto t1 = std::chrono::steady_clock::now();
  std::vector<BlockNeed> needs;
  std::vector<UploadItem> again;  // refused deltas first, to send with the full list
  size_t committed = 0;
  // The outcomes are recorded in one index transaction (one commit of the database, not one
  // per file).
  TESSERA_RETURN_IF_ERROR(index_.InTransaction([&]() -> Status {
    for (size_t i = 0; i < items.size(); ++i) {
      const auto& result = response.results[i];
      UploadItem& item = items[i];
      if (result.outcome == common::wire::CommitOutcome::kInvalid && request.items[i].delta) {
        log_.Info("sync", item.path + ": the server refused the blocklist delta (" + result.error +
                              "); sending the full list");
        round.deltas.erase(item.path);
        again.push_back(std::move(item));
        continue;
      }
      switch (result.outcome) {
        case common::wire::CommitOutcome::kCommitted:
          TESSERA_RETURN_IF_ERROR(FinishUpload(item, result.jid));
          ++committed;
          break;
        case common::wire::CommitOutcome::kNeedBlocks:
          needs.emplace_back(std::move(item), result.need_blocks);
          break;
        case common::wire::CommitOutcome::kConflict:
          // The journal moved on: list, then reconcile this path again.
          log_.Info("sync", item.path + ": the server has a newer version (jid " +
                                std::to_string(result.latest_jid) + "); listing");
          next.NeedPull();
          break;
        case common::wire::CommitOutcome::kInvalid: {
          RecordError(log_, index_, "the server refused " + item.path + ": " + result.error);
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
    return SkipOwnEntries(response, committed);
  }));
  const auto t2 = std::chrono::steady_clock::now();
  if (!needs.empty()) {
    std::set<std::string> failed;
    TESSERA_RETURN_IF_ERROR(index_.InTransaction([&]() -> Status {
      TESSERA_ASSIGN_OR_RETURN(failed, sender_.Send(needs, next));
      return Status::Ok();
    }));
    round.last_store = sender_.last_store();
    for (auto& [item, ids] : needs) {
      if (!failed.contains(item.path)) again.push_back(std::move(item));
    }
  }
  const auto ms = [](auto a, auto b) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count());
  };
  log_.Debug("sync", "commit of " + std::to_string(items.size()) + " items: " + ms(t0, t1) +
                         " ms, recording " + std::to_string(committed) + ": " + ms(t1, t2) +
                         " ms, reading and queueing the blocks of " + std::to_string(needs.size()) +
                         ": " + ms(t2, std::chrono::steady_clock::now()) + " ms");
  round.items = std::move(again);
  return round;
}

Status Uploader::SkipOwnEntries(const common::wire::CommitBatchResponse& response,
                                size_t committed) {
  // The batch's committed items got exactly the JIDs head_before + 1 .. head. When the cursor
  // stood at head_before, every entry up to head is one of ours, already recorded as a base by
  // FinishUpload: nothing foreign can be skipped. Anything else (another commit in between,
  // another epoch, an old server saying nothing) leaves the cursor for the Puller to move.
  if (committed == 0 || response.epoch.empty() ||
      response.head - response.head_before != committed) {
    return Status::Ok();
  }
  TESSERA_ASSIGN_OR_RETURN(const auto ns, index_.GetNs(config_.ns));
  if (ns.epoch != response.epoch || ns.cursor != response.head_before) return Status::Ok();
  return index_.StorePage(config_.ns, {}, response.head, ns.epoch);
}

Status Uploader::FinishUpload(const UploadItem& item, uint64_t jid) {
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
