// daemon/syncer/root_guard.h
//
// RootGuard: tells the folder this state dir synced from an empty folder in its place, so that
// a folder deleted, replaced, or on a disk that is not mounted is never taken for a folder whose
// files were all deleted (which would delete them on every desktop). Two marks:
//   - a marker file in the root, kFolderMarker, holding the folder's token (random, made on
//     first use), never synced;
//   - the token and the root's "device:inode", kept in the index's meta table.
// Check() passes when the root is a directory holding the marker with the token (a folder
// moved, restored from a backup, or on another disk is then the same folder: its new identity is
// recorded), or when it is the very directory recorded (same device and inode) and not empty:
// a marker deleted by hand is written again. It also passes on first use (no token yet: one is
// made and the marker written) unless the folder is empty while the index holds files synced
// from it. Anything else pauses sync: Check() returns why, saying what is wrong and what to
// do, and the syncer sends and applies nothing until it passes again (the real
// folder back, its disk mounted), or until the user starts over (StartOver: the folder as it is
// now becomes the synced one, and the journal is listed again so that what is missing here is
// fetched, never deleted elsewhere).
// Not thread-safe: the syncer thread's, like the Index.
#pragma once

#include <string>

#include "common/env.h"
#include "common/log.h"
#include "common/result.h"
#include "daemon/index/index.h"

namespace tessera::daemon::syncer {

class RootGuard {
 public:
  // `root` and `state_dir` are absolute; `ns` names the journal StartOver lists again;
  // `temp_tag` that of the temp file the marker is written through. `env`, `index` and `log`
  // must outlive the guard.
  RootGuard(common::Env& env, index::Index& index, common::Logger& log, std::string root,
            std::string state_dir, std::string ns, std::string temp_tag = {});

  // "" when the folder may be synced, else why not (what is wrong and what to do). IOError
  // from the index or when the marker cannot be written.
  common::Result<std::string> Check();
  // Takes the folder as it is now as the synced one: a new token in a new marker, the root's
  // identity, and Index::ResetJournal (nothing local is deleted, everything is listed again).
  // InvalidArgument when the folder is not there.
  common::Status StartOver();

 private:
  // The token in the root's marker ("" when there is none or it cannot be read).
  std::string ReadMarker(const common::RootDir& root);
  common::Status WriteMarker(const common::RootDir& root, const std::string& token);
  // Whether the root holds nothing but the marker, temp files and the state dir.
  common::Result<bool> Empty(const common::RootDir& root);
  common::Status Record(const std::string& token, const std::string& identity);

  common::Env& env_;
  index::Index& index_;
  common::Logger& log_;
  const std::string root_;
  const std::string state_dir_;
  const std::string ns_;
  const std::string temp_tag_;
};

}  // namespace tessera::daemon::syncer
