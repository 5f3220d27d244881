// Subtree moves in SyncEngine (docs/sync.md, "Renamed directories"; wire in docs/protocol.md).
//
// Sending: a directory renamed here shows in the index as a vanished directory (its rows absent,
// the old inode kept in gone_inode) and a new local directory with that inode. When the new
// subtree holds the old one's paths (mostly the same content), one POST move replaces the
// per-path deletes and adds; the index rows are then re-keyed to the JIDs the server assigned
// by its fixed rule:
//   M = the move entry (to), M+1+i = the copy of the i-th live path under from/ (bytewise),
//   M+N+1 = from's tombstone, M+N+2+i = the i-th path's tombstone; covers K = 2N + 1.
// Receiving: a listed move entry (list?moves=1) is applied as one rename(2) when the old
// directory here is exactly what the index says; the same rule gives every row its JID.
// Otherwise its K entries are listed and handled one by one, as without moves.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <utility>
#include <vector>

#include "common/path.h"
#include "daemon/syncer/local_fs.h"
#include "daemon/syncer/sync_engine.h"

namespace tessera::daemon::syncer {

using common::Result;
using common::Status;
using common::wire::FileKind;

namespace {

constexpr size_t kMovesPerRound = 64;
constexpr size_t kExpandPage = 1000;

bool Live(const index::FileRow& row) { return row.base_jid > 0 && row.base.has_value(); }

// Rows under "dir/" (not dir itself), sorted bytewise by path, as the server orders them.
Result<std::vector<index::FileRow>> RowsUnder(index::Index& index, const std::string& dir) {
  TESSERA_ASSIGN_OR_RETURN(auto paths, index.PathsUnder(dir));
  std::vector<index::FileRow> rows;
  for (const auto& path : paths) {
    if (path == dir) continue;
    TESSERA_ASSIGN_OR_RETURN(auto row, index.Get(path));
    if (row) rows.push_back(std::move(*row));
  }
  return rows;
}

index::FileRow Buried(index::FileRow row, uint64_t jid) {
  row.base_jid = jid;
  row.base.reset();
  row.local.reset();
  row.stat = index::LocalStat{};
  row.state = index::SyncState::kSynced;
  row.error.clear();
  return row;
}

}  // namespace

Status SyncEngine::ProcessMoves() {
  TESSERA_ASSIGN_OR_RETURN(const auto pending, index_.PendingMovePaths(kMovesPerRound));
  for (const auto& path : pending) {
    TESSERA_ASSIGN_OR_RETURN(const auto move, index_.GetPending(path));
    if (move && move->covers > 0) TESSERA_RETURN_IF_ERROR(ApplyRemoteMove(*move));
  }
  TESSERA_ASSIGN_OR_RETURN(const auto dirs, index_.NewLocalDirs(kMovesPerRound));
  std::vector<std::string> moved;
  for (const auto& to : dirs) {
    bool inside = false;
    for (const auto& m : moved) inside = inside || to.starts_with(m + "/");
    if (inside) continue;
    TESSERA_ASSIGN_OR_RETURN(const bool sent, TrySendMove(to));
    if (sent) moved.push_back(to);
  }
  return Status::Ok();
}

Result<bool> SyncEngine::TrySendMove(const std::string& to) {
  TESSERA_ASSIGN_OR_RETURN(auto to_row, index_.Get(to));
  if (!to_row || !to_row->local || to_row->local->kind != FileKind::kDir || Live(*to_row) ||
      to_row->stat.inode == 0) {
    return false;
  }
  TESSERA_ASSIGN_OR_RETURN(const auto to_pending, index_.GetPending(to));
  if (to_pending) return false;  // the journal has news about `to`: reconcile it first
  TESSERA_ASSIGN_OR_RETURN(const auto vanished, index_.VanishedDirs(to_row->stat.inode));
  if (vanished.size() != 1) return false;
  const std::string from = vanished[0];
  if (to.starts_with(from + "/") || from.starts_with(to + "/")) return false;
  TESSERA_ASSIGN_OR_RETURN(auto from_row, index_.Get(from));
  if (!from_row || from_row->local || !Live(*from_row) || from_row->base->kind != FileKind::kDir) {
    return false;
  }
  // Remote changes waiting under either name: the per-path flow reconciles them.
  TESSERA_ASSIGN_OR_RETURN(const auto from_pending, index_.GetPending(from));
  TESSERA_ASSIGN_OR_RETURN(const bool pending_under, index_.HasPendingUnder(from));
  if (from_pending || pending_under) return false;

  TESSERA_ASSIGN_OR_RETURN(const auto old_rows, RowsUnder(index_, from));
  TESSERA_ASSIGN_OR_RETURN(const auto new_rows, RowsUnder(index_, to));
  std::map<std::string, const index::FileRow*> new_by_suffix;
  for (const auto& row : new_rows) {
    if (Live(row)) return false;  // the server would refuse: something lives under `to`
    new_by_suffix.emplace(row.path.substr(to.size()), &row);
  }
  std::vector<const index::FileRow*> live;
  size_t same = 0;
  for (const auto& row : old_rows) {
    if (row.local) return false;  // still there: not (only) a rename, or not scanned yet
    if (!Live(row)) continue;
    live.push_back(&row);
    const auto it = new_by_suffix.find(row.path.substr(from.size()));
    if (it != new_by_suffix.end() && it->second->local &&
        it->second->local->SameContent(*row.base)) {
      ++same;
    }
  }
  if (live.size() > common::wire::kMaxMovePaths || same * 2 < live.size()) return false;

  common::wire::MoveRequest request;
  request.device = config_.device;
  request.from = from;
  request.from_jid = from_row->base_jid;
  request.to = to;
  request.to_parent_jid = to_row->base_jid;
  auto answer = meta_.Move(request);
  if (!answer.ok()) {
    if (answer.status().code() == common::Code::kUnavailable) return answer.status();
    log_.Warn("sync", "move " + from + " -> " + to + " failed (" + answer.status().ToString() +
                          "); committing its paths one by one");
    return false;
  }
  if (answer->outcome != common::wire::MoveOutcome::kCommitted) {
    log_.Info("sync", "the server did not take the move " + from + " -> " + to + " (" +
                          (answer->outcome == common::wire::MoveOutcome::kConflict
                               ? "conflict, latest " + std::to_string(answer->latest_jid)
                               : answer->error) +
                          "); committing its paths one by one");
    if (answer->outcome == common::wire::MoveOutcome::kConflict) pull_needed_ = true;
    return false;
  }
  const uint64_t m = answer->jid;
  const uint64_t n = live.size();
  if (answer->covers != 2 * n + 1) {
    // The server knew other paths under `from` (changes not listed here yet): take its entries
    // one by one instead of deriving them.
    log_.Warn("sync", "move " + from + " -> " + to + " covers " + std::to_string(answer->covers) +
                          " entries, " + std::to_string(2 * n + 1) + " expected; listing them");
    TESSERA_RETURN_IF_ERROR(ExpandMove(m - 1, answer->covers + 1, to));
    return true;
  }
  TESSERA_RETURN_IF_ERROR(index_.InTransaction([&]() -> Status {
    index::FileRow moved_dir = *to_row;
    moved_dir.base = from_row->base;
    moved_dir.base_jid = m;
    moved_dir.state = index::SyncState::kSynced;
    moved_dir.error.clear();
    TESSERA_RETURN_IF_ERROR(index_.Put(moved_dir));
    TESSERA_RETURN_IF_ERROR(index_.Put(Buried(*from_row, m + n + 1)));
    for (uint64_t i = 0; i < n; ++i) {
      const index::FileRow& old = *live[i];
      const std::string path = to + old.path.substr(from.size());
      const auto it = new_by_suffix.find(old.path.substr(from.size()));
      index::FileRow row;
      if (it != new_by_suffix.end()) row = *it->second;
      row.path = path;
      row.base = old.base;
      row.base_jid = m + 1 + i;
      const bool same_content = row.local.has_value() && row.local->SameContent(*old.base);
      row.state = same_content ? index::SyncState::kSynced : index::SyncState::kDirty;
      row.error.clear();
      TESSERA_RETURN_IF_ERROR(index_.Put(row));
      TESSERA_RETURN_IF_ERROR(index_.Put(Buried(old, m + n + 2 + i)));
    }
    return Status::Ok();
  }));
  log_.Info("sync", "moved " + from + " -> " + to + " on the server (" + std::to_string(n) +
                        " paths, jid " + std::to_string(m) + ")");
  return true;
}

Status SyncEngine::ApplyRemoteMove(const index::PendingEntry& move) {
  const std::string& to = move.path;
  const std::string& from = move.moved_from;
  const uint64_t m = move.jid;
  auto fall_back = [&](const std::string& why) -> Status {
    log_.Info("sync", "move " + from + " -> " + to + " (jid " + std::to_string(m) +
                          ") applied path by path: " + why);
    return ExpandMove(m, move.covers, to);
  };
  if (!move.version || move.version->kind != FileKind::kDir ||
      !common::ValidateRelativePath(from).ok() || from == to || to.starts_with(from + "/")) {
    return fall_back("not a directory move");
  }
  const auto from_abs = SafePath(from);
  const auto to_abs = SafePath(to);
  if (!from_abs || !to_abs) return fall_back("unsafe path");

  TESSERA_ASSIGN_OR_RETURN(auto from_row, index_.Get(from));
  if (!from_row || !Live(*from_row) || from_row->base->kind != FileKind::kDir ||
      from_row->base_jid >= m || !from_row->local || from_row->local->kind != FileKind::kDir ||
      from_row->state != index::SyncState::kSynced) {
    return fall_back("the old directory here is not the synced one");
  }
  TESSERA_ASSIGN_OR_RETURN(const auto from_pending, index_.GetPending(from));
  TESSERA_ASSIGN_OR_RETURN(const bool pending_under, index_.HasPendingUnder(from));
  if (from_pending || pending_under) return fall_back("remote changes under it are waiting");
  TESSERA_ASSIGN_OR_RETURN(const auto old_rows, RowsUnder(index_, from));
  std::vector<const index::FileRow*> live;
  for (const auto& row : old_rows) {
    if (row.local) {
      if (!Live(row) || row.state != index::SyncState::kSynced ||
          !row.local->SameContent(*row.base)) {
        return fall_back("local changes under it: " + row.path);
      }
    } else if (Live(row)) {
      return fall_back("a local delete under it: " + row.path);
    }
    if (Live(row)) live.push_back(&row);
  }
  const uint64_t n = live.size();
  if (move.covers != 2 * n + 1) {
    return fall_back("it covers " + std::to_string(move.covers) + " entries, " +
                     std::to_string(2 * n + 1) + " known here");
  }
  TESSERA_ASSIGN_OR_RETURN(auto to_row, index_.Get(to));
  if (to_row && to_row->local) return fall_back("the new name exists here");
  TESSERA_ASSIGN_OR_RETURN(const auto to_rows, RowsUnder(index_, to));
  for (const auto& row : to_rows) {
    if (row.local) return fall_back("the new name exists here");
  }
  struct stat st {};
  if (::lstat(to_abs->c_str(), &st) == 0 || errno != ENOENT) {
    return fall_back("the new name exists on disk");
  }
  if (!CheckTarget(*from_abs, &*from_row).ok()) return fall_back("the old directory changed");
  if (const Status s = MakeParents(config_.root, to); !s.ok()) return fall_back(s.ToString());
  if (const Status s = RenameNoReplace(*from_abs, *to_abs); !s.ok()) {
    return fall_back(s.ToString());
  }
  (void)SyncDirectory(ParentOf(*from_abs));
  (void)SyncDirectory(ParentOf(*to_abs));

  TESSERA_RETURN_IF_ERROR(index_.InTransaction([&]() -> Status {
    index::FileRow dir = *from_row;
    dir.path = to;
    dir.base = move.version;
    dir.base_jid = m;
    dir.state = index::SyncState::kSynced;
    TESSERA_RETURN_IF_ERROR(index_.Put(dir));
    TESSERA_RETURN_IF_ERROR(index_.Put(Buried(*from_row, m + n + 1)));
    for (uint64_t i = 0; i < n; ++i) {
      index::FileRow row = *live[i];
      row.path = to + live[i]->path.substr(from.size());
      row.base_jid = m + 1 + i;
      TESSERA_RETURN_IF_ERROR(index_.Put(row));
      TESSERA_RETURN_IF_ERROR(index_.Put(Buried(*live[i], m + n + 2 + i)));
    }
    return index_.RemovePending(to);
  }));
  ++stats_.downloaded;
  log_.Info("sync", "moved " + from + " -> " + to + " (jid " + std::to_string(m) + ", " +
                        std::to_string(n) + " paths, nothing downloaded)");
  return Status::Ok();
}

Status SyncEngine::ExpandMove(uint64_t move_jid, uint64_t covers, const std::string& to) {
  const uint64_t last = move_jid + covers;
  uint64_t cursor = move_jid;
  while (cursor < last) {
    TESSERA_ASSIGN_OR_RETURN(auto page, meta_.List(cursor, kExpandPage));
    std::vector<index::PendingEntry> entries;
    for (const auto& e : page.entries) {
      if (e.jid > last) break;
      if (const Status ok = common::ValidateRelativePath(e.meta.path); !ok.ok()) {
        RecordError("refused journal entry " + std::to_string(e.jid) + ": " + ok.ToString());
        continue;
      }
      index::PendingEntry p;
      p.path = e.meta.path;
      p.jid = e.jid;
      p.version = FileVersion::FromMeta(e.meta);
      p.mode = e.meta.mode;
      p.device = e.device;
      entries.push_back(std::move(p));  // moved_from/covers stay empty: ordinary entries
    }
    TESSERA_RETURN_IF_ERROR(index_.StoreListedEntries(entries));
    if (page.entries.empty() || !page.has_more) break;
    cursor = std::max(cursor + 1, page.cursor);
  }
  return index_.ClearPendingMove(to);
}

}  // namespace tessera::daemon::syncer
