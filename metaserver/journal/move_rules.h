// metaserver/journal/move_rules.h
//
// The rules of a subtree move (docs/protocol.md, "Subtree moves") as pure functions over what a
// JournalStore returns; Journal::Move (journal_move.cc) applies them in this order, in ONE
// write transaction, and writes nothing unless every one passes:
//
//   CheckMovePaths    from and to are valid relative paths, to is not from or inside it
//                                                                          else kInvalid
//   CheckMoveEnds     from is a live directory whose latest JID is from_jid; to is absent, or
//                     a tombstone whose latest JID is to_parent_jid or 0    else kConflict
//                     (latest_jid = the path that differs), kInvalid when from is not a dir
//   CheckMoveSubtree  nothing live under to/; at most wire::kMaxMovePaths live paths under
//                     from/ (else kInvalid); their SubtreeDigest is request.subtree (else
//                     kConflict, latest_jid = the head); no moved path grows past
//                     common::kMaxPathBytes (else kInvalid)
//   PlanMove          the entries to write, with consecutive JIDs from head + 1 (M):
//                       M           the move entry: a copy of from's row as `to`, moved_from =
//                                   from, covers = K = 2N + 1
//                       M + 1 + i   a copy of the i-th live path from/s as to/s (bytewise order)
//                       M + N + 1   a tombstone for from
//                       M + N + 2 + i  a tombstone for the i-th path from/s
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/wire/move_messages.h"
#include "metaserver/journal/types.h"

namespace tessera::metaserver::journal {

// Each returns the refusal to answer (outcome, latest_jid, error), or nullopt to go on.
std::optional<common::wire::MoveResponse> CheckMovePaths(const common::wire::MoveRequest& request);
std::optional<common::wire::MoveResponse> CheckMoveEnds(const common::wire::MoveRequest& request,
                                                        const std::optional<PathState>& from,
                                                        const std::optional<PathState>& to);
// `live_under_to`: whether anything is live under to/. `moved`: the live paths under from/ in
// bytewise order (at most kMaxMovePaths + 1 are needed to tell "too many"). `head`: the
// namespace's head.
std::optional<common::wire::MoveResponse> CheckMoveSubtree(const common::wire::MoveRequest& request,
                                                           bool live_under_to,
                                                           const std::vector<LivePath>& moved,
                                                           uint64_t head);

struct MovePlan {
  struct Copy {
    uint64_t source_jid = 0;  // the entry whose content is copied
    uint64_t jid = 0;
    std::string path;
    std::string moved_from;  // the move entry only
    uint64_t covers = 0;     // the move entry only
  };
  struct Tombstone {
    uint64_t jid = 0;
    std::string path;
  };
  std::vector<Copy> copies;  // copies[0] is the move entry
  std::vector<Tombstone> tombstones;
  uint64_t move_jid = 0;  // M
  uint64_t covers = 0;    // K
  uint64_t head = 0;      // the head afterwards: M + K
};

// The entries of the move of `request.from` (latest JID `from_jid`) over `moved` (as checked
// above), after `head`. REQUIRES: every Check above passed.
MovePlan PlanMove(const common::wire::MoveRequest& request, uint64_t from_jid,
                  const std::vector<LivePath>& moved, uint64_t head);

}  // namespace tessera::metaserver::journal
