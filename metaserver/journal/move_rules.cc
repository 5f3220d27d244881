#include "metaserver/journal/move_rules.h"

#include <utility>

#include "common/path.h"
#include "common/status.h"

namespace tessera::metaserver::journal {

using common::Status;
using common::wire::MoveOutcome;
using common::wire::MoveRequest;
using common::wire::MoveResponse;

namespace {

MoveResponse Invalid(std::string why) {
  MoveResponse out;
  out.outcome = MoveOutcome::kInvalid;
  out.error = std::move(why);
  return out;
}

MoveResponse Conflict(uint64_t latest_jid) {
  MoveResponse out;
  out.outcome = MoveOutcome::kConflict;
  out.latest_jid = latest_jid;
  return out;
}

}  // namespace

std::optional<MoveResponse> CheckMovePaths(const MoveRequest& request) {
  const std::string& from = request.from;
  const std::string& to = request.to;
  if (const Status s = common::ValidateRelativePath(from); !s.ok()) {
    return Invalid("from: " + s.message());
  }
  if (const Status t = common::ValidateRelativePath(to); !t.ok()) {
    return Invalid("to: " + t.message());
  }
  if (to == from || to.starts_with(from + "/"))
    return Invalid("cannot move a directory into itself");
  return std::nullopt;
}

std::optional<MoveResponse> CheckMoveEnds(const MoveRequest& request,
                                          const std::optional<PathState>& from,
                                          const std::optional<PathState>& to) {
  // The source: a live directory at exactly the JID the client based the move on.
  if (!from.has_value() || from->jid != request.from_jid) return Conflict(from ? from->jid : 0);
  if (from->kind != FileKind::kDir) return Invalid("from is not a directory");
  // The destination: absent or deleted, as the client believes.
  const uint64_t to_jid = to ? to->jid : 0;
  const bool to_gone = !to.has_value() || to->kind == FileKind::kDeleted;
  if (!to_gone || (request.to_parent_jid != to_jid && request.to_parent_jid != 0)) {
    return Conflict(to_jid);
  }
  return std::nullopt;
}

std::optional<MoveResponse> CheckMoveSubtree(const MoveRequest& request, bool live_under_to,
                                             const std::vector<LivePath>& moved, uint64_t head) {
  if (live_under_to) return Invalid("the destination has live paths under it");
  if (moved.size() > common::wire::kMaxMovePaths) {
    return Invalid("more than " + std::to_string(common::wire::kMaxMovePaths) +
                   " paths under from: commit them one by one");
  }
  // The subtree as the client knows it: anything changed under from/ since it last listed (a
  // path added, edited or deleted elsewhere) would otherwise be carried along unseen.
  common::wire::SubtreeDigest digest;
  for (const LivePath& p : moved) digest.Add(p.path, p.jid);
  if (request.subtree.empty() || digest.Finish() != request.subtree) return Conflict(head);
  for (const LivePath& p : moved) {
    if (request.to.size() + (p.path.size() - request.from.size()) > common::kMaxPathBytes) {
      return Invalid("a moved path would be longer than " + std::to_string(common::kMaxPathBytes) +
                     " bytes: " + p.path);
    }
  }
  return std::nullopt;
}

MovePlan PlanMove(const MoveRequest& request, uint64_t from_jid, const std::vector<LivePath>& moved,
                  uint64_t head) {
  MovePlan plan;
  const uint64_t n = moved.size();
  plan.move_jid = head + 1;
  plan.covers = 2 * n + 1;
  plan.head = plan.move_jid + plan.covers;
  plan.copies.reserve(n + 1);
  plan.copies.push_back(
      MovePlan::Copy{from_jid, plan.move_jid, request.to, request.from, plan.covers});
  for (uint64_t i = 0; i < n; ++i) {
    plan.copies.push_back(MovePlan::Copy{moved[i].jid, plan.move_jid + 1 + i,
                                         request.to + moved[i].path.substr(request.from.size()), "",
                                         0});
  }
  plan.tombstones.reserve(n + 1);
  plan.tombstones.push_back(MovePlan::Tombstone{plan.move_jid + n + 1, request.from});
  for (uint64_t i = 0; i < n; ++i) {
    plan.tombstones.push_back(MovePlan::Tombstone{plan.move_jid + n + 2 + i, moved[i].path});
  }
  return plan;
}

}  // namespace tessera::metaserver::journal
