// daemon/syncer/local_fs.h
//
// File-system steps the syncer takes in the sync root, each safe to repeat and each through the
// daemon's common::Env (beneath a common::RootDir of the sync root: nothing is ever resolved
// through a symlink or out of the root): checking that a target is still what the index
// recorded, creating parent directories durably, moving a file to the trash durably, reading
// one block of a local file (verified against its id). Free functions; thread-safe (no shared
// state; the Env is thread-safe).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/block_id.h"
#include "common/env.h"
#include "common/result.h"
#include "daemon/index/index.h"

namespace tessera::daemon::syncer {

// OK when the thing at `path` is what `row` says is there locally: absent when row has no local
// version; otherwise the same kind, and for files the same size, mtime and inode, and ctime
// when the row has one (for symlinks the same target). Conflict when it differs (a local change the
// index has not seen yet).
common::Status CheckTarget(common::Env& env, const common::PathAt& path, const index::FileRow* row);

// Creates the missing directories between `root` and the parent of `rel` (mode 0755), each made
// durable (its parent fsynced) before the next. Refuses (InvalidArgument) an existing component
// that is not a directory or is a symlink; other errors are the file system's.
common::Status MakeParents(common::Env& env, const common::RootDir& root, const std::string& rel);

// Moves `from` (a file or symlink) to trash_dir/<date>/<rel>, adding " N" when that exists (and
// using the day folder "<date> N" when a trashed file holds a name on rel's way), across file
// systems by copy + unlink. Returns where it went (a path under trash_dir). When it returns OK
// the move is durable: the trash folder it landed in and `from`'s directory are fsynced.
common::Result<std::string> MoveToTrash(common::Env& env, const common::PathAt& from,
                                        const std::string& trash_dir, const std::string& date,
                                        const std::string& rel);

// Reads `size` bytes at `offset` of the regular file `path` (never through a symlink) and
// checks they hash to `id`; Conflict when they do not (the file changed), NotFound/IOError
// otherwise.
common::Result<std::string> ReadVerifiedBlock(common::Env& env, const common::PathAt& path,
                                              uint64_t offset, uint32_t size,
                                              const common::BlockId& id);

// The directory part of a relative path ("" for a top-level name: the root itself).
std::string ParentOf(const std::string& rel);

// "YYYY-MM-DD" in local time.
std::string DateString(std::chrono::system_clock::time_point t);

}  // namespace tessera::daemon::syncer
