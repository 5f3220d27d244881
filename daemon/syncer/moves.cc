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
// Memory: the rows of a moved subtree are read a page at a time (kRowPage), twice (to check,
// then to re-key), never all at once: a renamed directory may hold the whole tree.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <functional>
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
constexpr size_t kRowPage = 512;

bool Live(const index::FileRow& row) { return row.base_jid > 0 && row.base.has_value(); }

// Calls `fn` with each row under "dir/" (not dir itself), sorted bytewise by path as the server
// orders them, until it returns false. Reads a page of paths at a time; `fn` may write rows
// (under `dir`: only the row it was given), the paging by path keeps its place.
Status ForEachRowUnder(index::Index& index, const std::string& dir,
                       const std::function<Result<bool>(const index::FileRow&)>& fn) {
  std::string after;
  for (;;) {
    TESSERA_ASSIGN_OR_RETURN(auto paths, index.PathsUnderPage(dir, after, kRowPage));
    for (const auto& path : paths) {
      TESSERA_ASSIGN_OR_RETURN(auto row, index.Get(path));
      if (!row) continue;
      TESSERA_ASSIGN_OR_RETURN(const bool more, fn(*row));
      if (!more) return Status::Ok();
    }
    if (paths.size() < kRowPage) return Status::Ok();
    after = std::move(paths.back());
  }
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

  bool live_under_to = false;  // the server would refuse: something lives under `to`
  TESSERA_RETURN_IF_ERROR(ForEachRowUnder(index_, to, [&](const index::FileRow& row) {
    live_under_to = Live(row);
    return !live_under_to;
  }));
  if (live_under_to) return false;
  uint64_t n = 0;  // live paths under `from`
  size_t same = 0;
  bool still_there = false;  // not (only) a rename, or not scanned yet
  common::wire::SubtreeDigest subtree;  // what this side knows; the server moves only that
  TESSERA_RETURN_IF_ERROR(
      ForEachRowUnder(index_, from, [&](const index::FileRow& row) -> Result<bool> {
        if (row.local) {
          still_there = true;
          return false;
        }
        if (!Live(row)) return true;
        if (++n > common::wire::kMaxMovePaths) return false;
        subtree.Add(row.path, row.base_jid);
        TESSERA_ASSIGN_OR_RETURN(const auto moved, index_.Get(to + row.path.substr(from.size())));
        if (moved && moved->local && moved->local->SameContent(*row.base)) ++same;
        return true;
      }));
  if (still_there || n > common::wire::kMaxMovePaths || same * 2 < n) return false;

  common::wire::MoveRequest request;
  request.device = config_.device;
  request.from = from;
  request.from_jid = from_row->base_jid;
  request.to = to;
  request.to_parent_jid = to_row->base_jid;
  request.subtree = subtree.Finish();
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
    // The i-th live path in path order, as counted above (nothing else wrote meanwhile).
    uint64_t i = 0;
    TESSERA_RETURN_IF_ERROR(
        ForEachRowUnder(index_, from, [&](const index::FileRow& old) -> Result<bool> {
          if (!Live(old)) return true;
          const std::string path = to + old.path.substr(from.size());
          TESSERA_ASSIGN_OR_RETURN(auto moved, index_.Get(path));
          index::FileRow row = moved ? std::move(*moved) : index::FileRow{};
          row.path = path;
          row.base = old.base;
          row.base_jid = m + 1 + i;
          const bool same_content = row.local.has_value() && row.local->SameContent(*old.base);
          row.state = same_content ? index::SyncState::kSynced : index::SyncState::kDirty;
          row.error.clear();
          TESSERA_RETURN_IF_ERROR(index_.Put(row));
          TESSERA_RETURN_IF_ERROR(index_.Put(Buried(old, m + n + 2 + i)));
          ++i;
          return true;
        }));
    if (i != n) return common::Corruption("move " + from + ": its rows changed while moving");
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
  uint64_t n = 0;  // live paths under `from`
  std::string why;
  TESSERA_RETURN_IF_ERROR(ForEachRowUnder(index_, from, [&](const index::FileRow& row) {
    if (row.local) {
      if (!Live(row) || row.state != index::SyncState::kSynced ||
          !row.local->SameContent(*row.base)) {
        why = "local changes under it: " + row.path;
        return false;
      }
    } else if (Live(row)) {
      why = "a local delete under it: " + row.path;
      return false;
    }
    if (Live(row)) ++n;
    return true;
  }));
  if (!why.empty()) return fall_back(why);
  if (move.covers != 2 * n + 1) {
    return fall_back("it covers " + std::to_string(move.covers) + " entries, " +
                     std::to_string(2 * n + 1) + " known here");
  }
  TESSERA_ASSIGN_OR_RETURN(auto to_row, index_.Get(to));
  if (to_row && to_row->local) return fall_back("the new name exists here");
  bool to_taken = false;
  TESSERA_RETURN_IF_ERROR(ForEachRowUnder(index_, to, [&](const index::FileRow& row) {
    to_taken = row.local.has_value();
    return !to_taken;
  }));
  if (to_taken) return fall_back("the new name exists here");
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
    uint64_t i = 0;
    TESSERA_RETURN_IF_ERROR(
        ForEachRowUnder(index_, from, [&](const index::FileRow& old) -> Result<bool> {
          if (!Live(old)) return true;
          index::FileRow row = old;
          row.path = to + old.path.substr(from.size());
          row.base_jid = m + 1 + i;
          TESSERA_RETURN_IF_ERROR(index_.Put(row));
          TESSERA_RETURN_IF_ERROR(index_.Put(Buried(old, m + n + 2 + i)));
          ++i;
          return true;
        }));
    if (i != n) return common::Corruption("move " + from + ": its rows changed while moving");
    return index_.RemovePending(to);
  }));
  ++stats_.downloaded;
  log_.Info("sync", "moved " + from + " -> " + to + " (jid " + std::to_string(m) + ", " +
                        std::to_string(n) + " paths, nothing downloaded)");
  return Status::Ok();
}

Status SyncEngine::ExpandMove(uint64_t move_jid, uint64_t covers, const std::string& to) {
  TESSERA_RETURN_IF_ERROR(StoreCoveredEntries(move_jid, covers));
  return index_.ClearPendingMove(to);
}

Status SyncEngine::StoreCoveredEntries(uint64_t move_jid, uint64_t covers) {
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
  return Status::Ok();
}

}  // namespace tessera::daemon::syncer
