// daemon/syncer/local_remover.h
//
// LocalRemover: takes the local version of a path out of the way, never losing it.
// - MoveAside (a conflict): the local version is renamed to a conflicted copy next to it
//   ("NAME (conflicted copy from DEVICE DATE).EXT", " 2", " 3"... when taken). The next pass
//   scans both names and then downloads the remote version and uploads the copy.
// - MakeRoom (the remote version is of another kind than the unchanged local one): a file or
//   symlink goes to the trash, an empty directory is removed, a non-empty one is moved aside as
//   a conflicted copy. The next pass scans the path and writes the remote version.
// - DeleteLocal (a remote delete): a file or symlink goes to <state>/trash/DATE/<path>; a
//   directory is removed when empty, else kept (dirty: what is inside goes up again). The remote
//   delete is then the row's base.
// Each first checks that the target is still what the index recorded (CheckTarget); when it is
// not, the path is marked for a rescan (NextPass) and the step fails with Conflict. Everything
// goes through the Env beneath the sync root's RootDir. Each rename or removal is made durable
// (the directories it touched fsynced: the path's, the trash folder's) before anything is
// recorded; when that fsync fails the step fails (the next pass looks again).
// Owns its counts. Not thread-safe: the syncer thread's.
#pragma once

#include "common/env.h"
#include "common/log.h"
#include "common/status.h"
#include "daemon/index/index.h"
#include "daemon/syncer/next_pass.h"
#include "daemon/syncer/sync_types.h"

namespace tessera::daemon::syncer {

class LocalRemover {
 public:
  // Everything passed by reference must outlive the LocalRemover. `env` gives the date of the
  // trash folder and of conflicted copies; `root` is the sync root's directory, (re)opened by
  // the engine before each pass.
  LocalRemover(common::Env& env, const common::RootDir& root, index::Index& index,
               common::Logger& log, const SyncConfig& config)
      : env_(env), root_(root), index_(index), log_(log), config_(config) {}

  // A kMoveAside step. A refused path drops the pending entry.
  common::Status MoveAside(const Plan& plan, NextPass& next);
  // A kMakeRoom step. A refused path drops the pending entry.
  common::Status MakeRoom(const Plan& plan, NextPass& next);
  // A kDeleteLocal step (the caller has checked LocalDeleteWaits).
  common::Status DeleteLocal(const Plan& plan, NextPass& next);

  // Conflicted copies made (conflicts), paths deleted here (deleted_local), and paths refused.
  const RoundStats& stats() const { return stats_; }

 private:
  common::Env& env_;
  const common::RootDir& root_;
  index::Index& index_;
  common::Logger& log_;
  const SyncConfig& config_;
  RoundStats stats_;
};

}  // namespace tessera::daemon::syncer
