// daemon/syncer/local_fs.h
//
// File-system steps the syncer takes in the sync root, each safe to repeat: checking that a
// target is still what the index recorded, creating parent directories without following
// symlinks, moving a file to the trash, renaming without replacing, reading one block of a local
// file (verified against its id). Free functions; thread-safe (no shared state).
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/block_id.h"
#include "common/result.h"
#include "daemon/index/index.h"

namespace tessera::daemon::syncer {

// OK when the thing at `abs` is what `row` says is there locally: absent when row has no local
// version; otherwise the same kind, and for files the same size, mtime and inode (for symlinks
// the same target). Conflict when it differs (a local change the index has not seen yet).
common::Status CheckTarget(const std::string& abs, const index::FileRow* row);

// Creates the missing directories between `root` and the parent of `rel` (mode 0755).
// Refuses (InvalidArgument) an existing component that is not a directory or is a symlink.
common::Status MakeParents(const std::string& root, const std::string& rel);

// rename(2) that fails with Conflict instead of replacing an existing `to`.
common::Status RenameNoReplace(const std::string& from, const std::string& to);

// Moves `abs` (a file or symlink) to trash_dir/<date>/<rel>, adding " N" when that exists (and
// using the day folder "<date> N" when a trashed file holds a name on rel's way), across file
// systems by copy + unlink. Returns where it went.
common::Result<std::string> MoveToTrash(const std::string& abs, const std::string& trash_dir,
                                        const std::string& date, const std::string& rel);

// Reads `size` bytes at `offset` of the regular file `abs` (O_NOFOLLOW) and checks they hash to
// `id`; Conflict when they do not (the file changed), NotFound/IOError otherwise.
common::Result<std::string> ReadVerifiedBlock(const std::string& abs, uint64_t offset,
                                              uint32_t size, const common::BlockId& id);

// fsync of a directory.
common::Status SyncDirectory(const std::string& dir);

std::string ParentOf(const std::string& abs);

// "YYYY-MM-DD" in local time.
std::string DateString(std::chrono::system_clock::time_point t);

// A fresh "<dir>/.tessera-tmp-<random>" name.
std::string TempPathIn(const std::string& dir);

// Writes all of `data` to `fd` (retrying short writes and EINTR); `path` names it in errors.
common::Status WriteAll(int fd, std::string_view data, const std::string& path);

}  // namespace tessera::daemon::syncer
