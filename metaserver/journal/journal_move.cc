// Journal::Move: a subtree move in one write transaction, by the rules of move_rules.h.
#include <memory>
#include <optional>
#include <vector>

#include "metaserver/journal/commit_validation.h"
#include "metaserver/journal/journal.h"
#include "metaserver/journal/move_rules.h"

namespace tessera::metaserver::journal {

using common::Result;
using common::wire::MoveOutcome;
using common::wire::MoveRequest;

Result<MoveOutput> Journal::Move(uint64_t nsid, const MoveRequest& request) {
  TESSERA_RETURN_IF_ERROR(ValidateDevice(request.device));
  const Authorship by{request.device, NowMs()};
  TESSERA_ASSIGN_OR_RETURN(std::unique_ptr<JournalWrite> txn, store_.BeginWrite(nsid));
  MoveOutput out;
  out.head = txn->head();
  // Each refusal writes nothing: the transaction is dropped uncommitted.
  auto refuse = [&](common::wire::MoveResponse response) {
    out.response = std::move(response);
    return std::move(out);
  };
  if (auto refused = CheckMovePaths(request)) return refuse(std::move(*refused));

  TESSERA_ASSIGN_OR_RETURN(const std::optional<PathState> from, txn->Latest(request.from));
  TESSERA_ASSIGN_OR_RETURN(const std::optional<PathState> to, txn->Latest(request.to));
  if (auto refused = CheckMoveEnds(request, from, to)) return refuse(std::move(*refused));

  TESSERA_ASSIGN_OR_RETURN(const std::vector<LivePath> under_to, txn->LiveUnder(request.to, 1));
  // Every live path under from/, bytewise (the fixed order clients derive the JIDs from); one
  // more than allowed tells "too many".
  std::vector<LivePath> moved;
  if (under_to.empty()) {
    TESSERA_ASSIGN_OR_RETURN(moved, txn->LiveUnder(request.from, common::wire::kMaxMovePaths + 1));
  }
  if (auto refused = CheckMoveSubtree(request, !under_to.empty(), moved, txn->head())) {
    return refuse(std::move(*refused));
  }

  const MovePlan plan = PlanMove(request, from->jid, moved, txn->head());
  for (const MovePlan::Copy& copy : plan.copies) {
    TESSERA_RETURN_IF_ERROR(
        txn->AppendCopy(copy.source_jid, copy.jid, copy.path, by, copy.moved_from, copy.covers));
  }
  for (const MovePlan::Tombstone& tomb : plan.tombstones) {
    FileMeta meta;
    meta.path = tomb.path;
    meta.kind = FileKind::kDeleted;
    meta.mode = 0;
    TESSERA_RETURN_IF_ERROR(txn->Append(tomb.jid, meta, StoredForm{}, by));
  }
  TESSERA_RETURN_IF_ERROR(txn->SetHead(plan.head));
  TESSERA_RETURN_IF_ERROR(txn->Commit());
  out.response.outcome = MoveOutcome::kCommitted;
  out.response.jid = plan.move_jid;
  out.response.covers = plan.covers;
  out.head = plan.head;
  log_.Info("journal", "moved " + request.from + " -> " + request.to + " (" +
                           std::to_string(plan.copies.size() - 1) + " paths, jids " +
                           std::to_string(plan.move_jid) + ".." + std::to_string(plan.head) + ")");
  return out;
}

}  // namespace tessera::metaserver::journal
