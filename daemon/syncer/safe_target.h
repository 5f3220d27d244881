// daemon/syncer/safe_target.h
//
// SafeTarget: where a relative path from the journal lands in the sync root (beneath `root`, a
// common::RootDir of it), or nothing when it must not be written there. A path that is unsafe
// (invalid, through a symlink) or names the daemon's own files (the state dir, a temp file) is
// refused: counted in `refused`, logged and kept as last_error. A path a local file blocks (a
// file where it needs a directory: a file/directory clash being resolved) is skipped with a log
// line only. The Env's calls beneath the root refuse symlinks on the way again when the path is
// written (this check is a snapshot that decides what is logged and counted).
// Thread: the syncer thread (it lstat()s the path's directories and writes the index).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "common/env.h"
#include "common/log.h"
#include "daemon/index/index.h"
#include "daemon/syncer/sync_types.h"

namespace tessera::daemon::syncer {

// `root` must outlive the PathAt returned.
std::optional<common::PathAt> SafeTarget(common::Env& env, const common::RootDir& root,
                                         const SyncConfig& config, common::Logger& log,
                                         index::Index& index, const std::string& rel,
                                         size_t& refused);

}  // namespace tessera::daemon::syncer
