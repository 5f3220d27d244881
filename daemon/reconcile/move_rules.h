// daemon/reconcile/move_rules.h
//
// The decisions about subtree moves (docs/sync.md, "Renamed directories"), as pure functions
// over the index rows and facts the MoveApplier gathers (daemon/syncer/move_applier.h), so
// that everything unusual falls back to the per-path flow, which is always correct:
// - sending: whether a new local directory is the new name of a vanished one, and whether its
//   subtree goes up as ONE move (MayBeMoveTarget, MoveSource, MayBeMoveSource, SourceTally,
//   SendAsOneMove), then what the server's answer leaves to do (AfterMoveAnswer);
// - receiving: whether a listed remote move is applied as one rename or expanded into the
//   entries it covers (RemoteMoveRefusal, SourceRowRefusal, RowUnderSourceRefusal,
//   CoverageRefusal, TargetTaken);
// - the JIDs the server's fixed rule gives every path of a move (MoveJids), on both sides.
// The gathering walks rows a page at a time and stops as soon as a per-row rule says no; the
// stages are separate functions so it never reads more than the decision needs.
// No I/O, no clock, no state. Thread-safe (pure).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/wire/move_messages.h"
#include "daemon/index/index.h"

namespace tessera::daemon {

// A row whose base is a live (not tombstoned) synced version.
bool Live(const index::FileRow& row);

// The server's fixed rule for a move at JID `move` of `live_paths` live paths under `from`:
// the move entry (to) is `move`, the copy of the i-th live path (bytewise path order) is
// move + 1 + i, from's tombstone move + N + 1, the i-th path's tombstone move + N + 2 + i;
// covers = 2N + 1.
struct MoveJids {
  uint64_t move = 0;
  uint64_t live_paths = 0;

  uint64_t Copy(uint64_t i) const { return move + 1 + i; }
  uint64_t SourceTombstone() const { return move + live_paths + 1; }
  uint64_t Tombstone(uint64_t i) const { return move + live_paths + 2 + i; }
  uint64_t covers() const { return 2 * live_paths + 1; }
};

// ---- Sending a directory renamed here ----

// Whether `to_row` (a dirty new local directory) may be the new name of a renamed directory:
// a local directory with a known inode and no live base, and no news from the journal about it
// (`to_pending`: reconciled first, path by path).
bool MayBeMoveTarget(const index::FileRow& to_row, bool to_pending);

// The directory `to` was renamed from, given the vanished directories that had its inode:
// exactly one, neither inside the other. nullopt: not a rename.
std::optional<std::string> MoveSource(const std::string& to,
                                      const std::vector<std::string>& vanished);

// Whether `from_row` is a directory synced here and gone locally, with no remote change at or
// under it waiting (`news`: those are reconciled path by path).
bool MayBeMoveSource(const index::FileRow& from_row, bool news);

// What the rows under the source say, gathered one row at a time (Add) in path order.
struct SourceTally {
  uint64_t live_paths = 0;    // live rows under from (the paths the server moves)
  uint64_t same_content = 0;  // of those, found under `to` with the same content
  bool still_there = false;   // a row under from is present locally: not (only) a rename
  bool too_many = false;      // more than kMaxMovePaths live paths

  // Adds one row under from; `moved` is the row at its new name under `to`, if any.
  void Add(const index::FileRow& row, const std::optional<index::FileRow>& moved);
  // Whether the walk can stop: the answer is no whatever comes next.
  bool settled() const { return still_there || too_many; }
};

// Whether the subtree goes up as ONE move: nothing left under from, not too many paths, at
// least half of them found with the same content under `to`, and nothing live under `to` that
// the server would refuse to move over (`live_under_to`).
bool SendAsOneMove(const SourceTally& from, bool live_under_to);

enum class MoveAnswerStep {
  kDeriveRows,  // committed as expected: every row gets its JID by the MoveJids rule
  kExpand,      // committed, but the server knew other paths under from: list its entries
  kPerPath,     // not taken: the paths go one by one
};
// What a committed or refused move leaves to do; `covers` is the server's count.
MoveAnswerStep AfterMoveAnswer(common::wire::MoveOutcome outcome, uint64_t covers,
                               uint64_t live_paths);

// ---- Applying a listed remote move ----

// Why the move entry itself cannot be applied as a rename (not a directory move, a bad source
// path, a move into itself), or nullopt.
std::optional<std::string> RemoteMoveRefusal(const index::PendingEntry& move);

// Why `from_row` (nullopt: no row) is not the synced directory the move `move_jid` renames,
// or `news` (remote changes at or under it waiting), or nullopt.
std::optional<std::string> SourceRowRefusal(const std::optional<index::FileRow>& from_row,
                                            uint64_t move_jid, bool news);

// Why one row under the source stops the rename: a local edit, or a local delete, under it.
std::optional<std::string> RowUnderSourceRefusal(const index::FileRow& row);

// Why the move's `covers` does not match the live paths known here under the source.
std::optional<std::string> CoverageRefusal(uint64_t covers, uint64_t live_paths);

// Whether a row at or under the new name holds a local version (the name is taken here).
bool TargetTaken(const index::FileRow& row);

}  // namespace tessera::daemon
