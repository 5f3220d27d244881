#include "daemon/reconcile/move_rules.h"

#include "common/path.h"

namespace tessera::daemon {

using common::wire::FileKind;

bool Live(const index::FileRow& row) { return row.base_jid > 0 && row.base.has_value(); }

bool MayBeMoveTarget(const index::FileRow& to_row, bool to_pending) {
  return to_row.local && to_row.local->kind == FileKind::kDir && !Live(to_row) &&
         to_row.stat.inode != 0 && !to_pending;
}

std::optional<std::string> MoveSource(const std::string& to,
                                      const std::vector<std::string>& vanished) {
  if (vanished.size() != 1) return std::nullopt;
  const std::string& from = vanished[0];
  if (to.starts_with(from + "/") || from.starts_with(to + "/")) return std::nullopt;
  return from;
}

bool MayBeMoveSource(const index::FileRow& from_row, bool news) {
  return !from_row.local && Live(from_row) && from_row.base->kind == FileKind::kDir && !news;
}

void SourceTally::Add(const index::FileRow& row, const std::optional<index::FileRow>& moved) {
  if (row.local) {
    still_there = true;
    return;
  }
  if (!Live(row)) return;
  if (++live_paths > common::wire::kMaxMovePaths) {
    too_many = true;
    return;
  }
  if (moved && moved->local && moved->local->SameContent(*row.base)) ++same_content;
}

bool SendAsOneMove(const SourceTally& from, bool live_under_to) {
  return !live_under_to && !from.still_there && !from.too_many &&
         from.same_content * 2 >= from.live_paths;
}

MoveAnswerStep AfterMoveAnswer(common::wire::MoveOutcome outcome, uint64_t covers,
                               uint64_t live_paths) {
  if (outcome != common::wire::MoveOutcome::kCommitted) return MoveAnswerStep::kPerPath;
  return covers == MoveJids{0, live_paths}.covers() ? MoveAnswerStep::kDeriveRows
                                                    : MoveAnswerStep::kExpand;
}

std::optional<std::string> RemoteMoveRefusal(const index::PendingEntry& move) {
  const std::string& to = move.path;
  const std::string& from = move.moved_from;
  if (!move.version || move.version->kind != FileKind::kDir ||
      !common::ValidateRelativePath(from).ok() || from == to || to.starts_with(from + "/")) {
    return "not a directory move";
  }
  return std::nullopt;
}

std::optional<std::string> SourceRowRefusal(const std::optional<index::FileRow>& from_row,
                                            uint64_t move_jid, bool news) {
  if (!from_row || !Live(*from_row) || from_row->base->kind != FileKind::kDir ||
      from_row->base_jid >= move_jid || !from_row->local ||
      from_row->local->kind != FileKind::kDir || from_row->state != index::SyncState::kSynced) {
    return "the old directory here is not the synced one";
  }
  if (news) return "remote changes under it are waiting";
  return std::nullopt;
}

std::optional<std::string> RowUnderSourceRefusal(const index::FileRow& row) {
  if (row.local) {
    if (!Live(row) || row.state != index::SyncState::kSynced ||
        !row.local->SameContent(*row.base)) {
      return "local changes under it: " + row.path;
    }
  } else if (Live(row)) {
    return "a local delete under it: " + row.path;
  }
  return std::nullopt;
}

std::optional<std::string> CoverageRefusal(uint64_t covers, uint64_t live_paths) {
  const uint64_t known = MoveJids{0, live_paths}.covers();
  if (covers == known) return std::nullopt;
  return "it covers " + std::to_string(covers) + " entries, " + std::to_string(known) +
         " known here";
}

bool TargetTaken(const index::FileRow& row) { return row.local.has_value(); }

}  // namespace tessera::daemon
