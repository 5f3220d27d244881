// daemon/reconcile/path_plan.h
//
// The step a sync pass takes for one path, decided from what the index holds for it: its row
// (base, local version, state) and its pending journal entry. Reconcile() gives the action;
// PlanPath() adds the rules around it: a pending entry at or below the base JID is already
// applied (dropped, and the path planned without it); an upload the server refused stays
// refused until the local version changes again or the journal has news; a download of another
// kind over the unchanged local version first takes that version out of the way. No I/O, no
// clock, no state. Thread-safe (pure).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "daemon/index/index.h"
#include "daemon/reconcile/reconcile.h"

namespace tessera::daemon {

enum class PathStep {
  kRecordBase,   // kNothing, kRecordSynced: record the remote version as the base, nothing moves
  kUpload,       // kUpload, kDeleteRemote: commit the local version (or its delete)
  kHold,         // kUpload, kDeleteRemote of a row in error with no pending entry: the server
                 // refused this version; it is tried again when it changes (the scanner clears
                 // the error) or when the journal has news for the path
  kWrite,        // kDownload: write the remote version here
  kMakeRoom,     // kDownload of another kind over the unchanged local version (file <-> dir <->
                 // symlink): take the local one out of the way first; the write is the next pass's
  kMoveAside,    // kConflict: the local version becomes a conflicted copy
  kDeleteLocal,  // kDeleteLocal: the local version goes to the trash (a directory: rmdir)
};

std::string_view PathStepName(PathStep step);

struct PathPlan {
  SyncAction action = SyncAction::kNothing;
  PathStep step = PathStep::kRecordBase;
  // The pending entry is at or below the row's base JID (typically this daemon's own commit
  // listed back): applied already. The planner removes it; `action` was decided without it.
  bool drop_pending = false;
  // The JID an upload names as its parent: the pending entry's when one is kept (the version
  // the commit replaces is then the journal's newest), else the base's; 0 when never synced.
  uint64_t parent_jid = 0;
};

// `row` and `pending` as the index holds them for one path (both nullopt: an unknown path).
PathPlan PlanPath(const std::optional<index::FileRow>& row,
                  const std::optional<index::PendingEntry>& pending);

// Whether a local delete of `row` (a kDeleteLocal step, or the kMakeRoom of a directory
// replaced remotely by a file or a symlink) waits for a later pass: a directory whose
// children's remote entries are still queued (`children_pending`; this pass's deletes, or a
// later page of the journal) would be found non-empty and kept (or moved aside).
bool LocalDeleteWaits(const index::FileRow& row, bool children_pending);

}  // namespace tessera::daemon
