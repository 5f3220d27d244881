#include "daemon/syncer/move_applier.h"

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "daemon/reconcile/move_rules.h"
#include "daemon/syncer/covered_entries.h"
#include "daemon/syncer/local_fs.h"
#include "daemon/syncer/safe_target.h"

namespace tessera::daemon::syncer {

using common::Result;
using common::Status;

namespace {

constexpr size_t kMovesPerRound = 64;
constexpr size_t kRowPage = 512;

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

// A path's row once the move took it away: its tombstone at `jid`.
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

Status MoveApplier::ProcessMoves(NextPass& next) {
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
    TESSERA_ASSIGN_OR_RETURN(const bool sent, TrySendMove(to, next));
    if (sent) moved.push_back(to);
  }
  return Status::Ok();
}

Result<bool> MoveApplier::TrySendMove(const std::string& to, NextPass& next) {
  // Each stage reads only what its rule needs; the first "no" stops (move_rules.h).
  TESSERA_ASSIGN_OR_RETURN(auto to_row, index_.Get(to));
  if (!to_row) return false;
  TESSERA_ASSIGN_OR_RETURN(const auto to_pending, index_.GetPending(to));
  if (!MayBeMoveTarget(*to_row, to_pending.has_value())) return false;
  TESSERA_ASSIGN_OR_RETURN(const auto vanished, index_.VanishedDirs(to_row->stat.inode));
  const std::optional<std::string> source = MoveSource(to, vanished);
  if (!source) return false;
  const std::string& from = *source;
  TESSERA_ASSIGN_OR_RETURN(auto from_row, index_.Get(from));
  if (!from_row) return false;
  TESSERA_ASSIGN_OR_RETURN(const auto from_pending, index_.GetPending(from));
  TESSERA_ASSIGN_OR_RETURN(const bool pending_under, index_.HasPendingUnder(from));
  if (!MayBeMoveSource(*from_row, from_pending.has_value() || pending_under)) return false;

  bool live_under_to = false;  // the server would refuse: something lives under `to`
  TESSERA_RETURN_IF_ERROR(ForEachRowUnder(index_, to, [&](const index::FileRow& row) {
    live_under_to = Live(row);
    return !live_under_to;
  }));
  if (live_under_to) return false;
  SourceTally tally;
  common::wire::SubtreeDigest subtree;  // what this side knows; the server moves only that
  TESSERA_RETURN_IF_ERROR(
      ForEachRowUnder(index_, from, [&](const index::FileRow& row) -> Result<bool> {
        std::optional<index::FileRow> moved;
        const bool counts = !row.local && Live(row);
        if (counts) {
          TESSERA_ASSIGN_OR_RETURN(moved, index_.Get(to + row.path.substr(from.size())));
        }
        tally.Add(row, moved);
        if (tally.settled()) return false;
        if (counts) subtree.Add(row.path, row.base_jid);
        return true;
      }));
  if (!SendAsOneMove(tally, live_under_to)) return false;
  const uint64_t n = tally.live_paths;

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
  switch (AfterMoveAnswer(answer->outcome, answer->covers, n)) {
    case MoveAnswerStep::kPerPath:
      log_.Info("sync", "the server did not take the move " + from + " -> " + to + " (" +
                            (answer->outcome == common::wire::MoveOutcome::kConflict
                                 ? "conflict, latest " + std::to_string(answer->latest_jid)
                                 : answer->error) +
                            "); committing its paths one by one");
      if (answer->outcome == common::wire::MoveOutcome::kConflict) next.NeedPull();
      return false;
    case MoveAnswerStep::kExpand:
      // The server knew other paths under `from` (changes not listed here yet): take its
      // entries one by one instead of deriving them.
      log_.Warn("sync", "move " + from + " -> " + to + " covers " + std::to_string(answer->covers) +
                            " entries, " + std::to_string(MoveJids{0, n}.covers()) +
                            " expected; listing them");
      TESSERA_RETURN_IF_ERROR(ExpandMove(answer->jid - 1, answer->covers + 1, to));
      return true;
    case MoveAnswerStep::kDeriveRows:
      break;
  }
  const MoveJids jids{answer->jid, n};
  TESSERA_RETURN_IF_ERROR(index_.InTransaction([&]() -> Status {
    index::FileRow moved_dir = *to_row;
    moved_dir.base = from_row->base;
    moved_dir.base_jid = jids.move;
    moved_dir.state = index::SyncState::kSynced;
    moved_dir.error.clear();
    TESSERA_RETURN_IF_ERROR(index_.Put(moved_dir));
    TESSERA_RETURN_IF_ERROR(index_.Put(Buried(*from_row, jids.SourceTombstone())));
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
          row.base_jid = jids.Copy(i);
          const bool same_content = row.local.has_value() && row.local->SameContent(*old.base);
          row.state = same_content ? index::SyncState::kSynced : index::SyncState::kDirty;
          row.error.clear();
          TESSERA_RETURN_IF_ERROR(index_.Put(row));
          TESSERA_RETURN_IF_ERROR(index_.Put(Buried(old, jids.Tombstone(i))));
          ++i;
          return true;
        }));
    if (i != n) return common::Corruption("move " + from + ": its rows changed while moving");
    return Status::Ok();
  }));
  log_.Info("sync", "moved " + from + " -> " + to + " on the server (" + std::to_string(n) +
                        " paths, jid " + std::to_string(jids.move) + ")");
  return true;
}

Status MoveApplier::ApplyRemoteMove(const index::PendingEntry& move) {
  const std::string& to = move.path;
  const std::string& from = move.moved_from;
  const uint64_t m = move.jid;
  auto fall_back = [&](const std::string& why) -> Status {
    log_.Info("sync", "move " + from + " -> " + to + " (jid " + std::to_string(m) +
                          ") applied path by path: " + why);
    return ExpandMove(m, move.covers, to);
  };
  if (auto why = RemoteMoveRefusal(move)) return fall_back(*why);
  const auto from_at = SafeTarget(env_, root_, config_, log_, index_, from, stats_.refused);
  const auto to_at = SafeTarget(env_, root_, config_, log_, index_, to, stats_.refused);
  if (!from_at || !to_at) return fall_back("unsafe path");

  TESSERA_ASSIGN_OR_RETURN(auto from_row, index_.Get(from));
  bool news = false;
  if (from_row) {
    TESSERA_ASSIGN_OR_RETURN(const auto from_pending, index_.GetPending(from));
    TESSERA_ASSIGN_OR_RETURN(const bool pending_under, index_.HasPendingUnder(from));
    news = from_pending.has_value() || pending_under;
  }
  if (auto why = SourceRowRefusal(from_row, m, news)) return fall_back(*why);
  uint64_t n = 0;  // live paths under `from`
  std::optional<std::string> why;
  TESSERA_RETURN_IF_ERROR(ForEachRowUnder(index_, from, [&](const index::FileRow& row) {
    why = RowUnderSourceRefusal(row);
    if (why) return false;
    if (Live(row)) ++n;
    return true;
  }));
  if (why) return fall_back(*why);
  if (auto coverage = CoverageRefusal(move.covers, n)) return fall_back(*coverage);
  TESSERA_ASSIGN_OR_RETURN(auto to_row, index_.Get(to));
  bool to_taken = to_row && TargetTaken(*to_row);
  if (!to_taken) {
    TESSERA_RETURN_IF_ERROR(ForEachRowUnder(index_, to, [&](const index::FileRow& row) {
      to_taken = TargetTaken(row);
      return !to_taken;
    }));
  }
  if (to_taken) return fall_back("the new name exists here");
  if (const auto st = env_.Lstat(*to_at);
      st.ok() || st.status().code() != common::Code::kNotFound) {
    return fall_back("the new name exists on disk");
  }
  if (!CheckTarget(env_, *from_at, &*from_row).ok()) return fall_back("the old directory changed");
  if (const Status s = MakeParents(env_, root_, to); !s.ok()) return fall_back(s.ToString());
  if (const Status s = env_.RenameAt(*from_at, *to_at, common::RenameMode::kNoReplace); !s.ok()) {
    return fall_back(s.ToString());
  }
  // Both directories durable before any row names the move: a crash that undid the rename
  // would otherwise leave rows for a tree that is not there.
  TESSERA_RETURN_IF_ERROR(env_.SyncDirAt(common::PathAt(root_, ParentOf(from))));
  if (ParentOf(to) != ParentOf(from)) {
    TESSERA_RETURN_IF_ERROR(env_.SyncDirAt(common::PathAt(root_, ParentOf(to))));
  }

  const MoveJids jids{m, n};
  TESSERA_RETURN_IF_ERROR(index_.InTransaction([&]() -> Status {
    index::FileRow dir = *from_row;
    dir.path = to;
    dir.base = move.version;
    dir.base_jid = jids.move;
    dir.state = index::SyncState::kSynced;
    TESSERA_RETURN_IF_ERROR(index_.Put(dir));
    TESSERA_RETURN_IF_ERROR(index_.Put(Buried(*from_row, jids.SourceTombstone())));
    uint64_t i = 0;
    TESSERA_RETURN_IF_ERROR(
        ForEachRowUnder(index_, from, [&](const index::FileRow& old) -> Result<bool> {
          if (!Live(old)) return true;
          index::FileRow row = old;
          row.path = to + old.path.substr(from.size());
          row.base_jid = jids.Copy(i);
          TESSERA_RETURN_IF_ERROR(index_.Put(row));
          TESSERA_RETURN_IF_ERROR(index_.Put(Buried(old, jids.Tombstone(i))));
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

Status MoveApplier::ExpandMove(uint64_t move_jid, uint64_t covers, const std::string& to) {
  TESSERA_RETURN_IF_ERROR(StoreCoveredEntries(meta_, index_, log_, move_jid, covers));
  return index_.ClearPendingMove(to);
}

}  // namespace tessera::daemon::syncer
