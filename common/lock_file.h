// common/lock_file.h
//
// LockFile: "one process per directory", as an flock(2) on a lock file in it that holds the
// process's pid. The daemon takes one on its state dir, each server on its data dir, so that a
// second instance on the same data is refused instead of corrupting it. The kernel drops the
// lock when the process dies (even by kill -9), so a stale file never blocks a restart;
// IsLocked() lets a tool ask whether a process runs there.
// Written with raw system calls, not through common::Env: the lock belongs to the open
// descriptor (flock(2)) and the Env has no lock call. Nothing is synced: the file says who holds
// the lock only while the lock is held.
// Not thread-safe; owned by the program's main thread for the process's life.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "common/unique_fd.h"

namespace tessera::common {

class LockFile {
 public:
  // Takes the lock on `dir`/`name` (created if missing) or fails with Conflict, whose message
  // is "another <who> already uses <dir>" (what to do is the caller's to say).
  static Result<std::unique_ptr<LockFile>> Acquire(const std::string& dir, const std::string& name,
                                                   const std::string& who);
  // Takes the lock on directory `dir` itself (flock(2) on the directory: nothing is created
  // in it), or fails with Conflict as above. The daemon takes one on its sync root.
  static Result<std::unique_ptr<LockFile>> AcquireDir(const std::string& dir,
                                                      const std::string& who);
  // True when some process holds the lock of `dir`/`name`.
  static bool IsLocked(const std::string& dir, const std::string& name);

 private:
  explicit LockFile(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace tessera::common
