// daemon/cli/pid_lock.h
//
// PidLock: "one daemon per state dir", as an flock(2) on <state>/daemon.lock that holds the
// daemon's pid. The kernel drops the lock when the process dies (even by kill -9), so a stale
// file never blocks a restart. IsLocked() lets `tessera status` ask whether a daemon runs.
// The one file of the daemon not written through common::Env: the lock belongs to the open
// descriptor (flock(2)), and the Env has no lock call, so the lock file is opened, locked and
// written (its pid) with raw system calls. Nothing is synced there: the file says who holds the
// lock only while the lock is held, and no crash can leave a stale lock.
// Not thread-safe; owned by main.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "common/unique_fd.h"

namespace tessera::daemon::cli {

class PidLock {
 public:
  // Takes the lock or fails with Conflict ("another daemon runs on this state dir").
  static common::Result<std::unique_ptr<PidLock>> Acquire(const std::string& state_dir);
  // True when some process holds the lock of `state_dir`.
  static bool IsLocked(const std::string& state_dir);

 private:
  explicit PidLock(common::UniqueFd fd) : fd_(std::move(fd)) {}
  common::UniqueFd fd_;
};

}  // namespace tessera::daemon::cli
