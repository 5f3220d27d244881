// daemon/watcher/watcher.h
//
// Watcher: recursive inotify over the sync root. Reports changed relative paths (a created or
// moved-in directory is reported whole, since files may land in it before its watch exists)
// and queue overflows (IN_Q_OVERFLOW: the caller rescans everything). Directories get watches
// as they appear; the state dir (if inside root) and temp files and folder marker
// (scanner::Scanner::Ignored) are ignored. Memory: one map entry per watched directory; changed
// paths are reported in batches of at most a few thousand, so a burst of events never piles up
// here. The root itself is watched by identity: deleted, moved, unmounted or replaced (a folder
// made again, a disk mounted on it), its watches are dropped, and Run() looks every couple of
// seconds for a directory at the root's path; one found is watched afresh and reported as an
// overflow (rescan everything). Directories are listed through the Env (ListDirEntries, which never
// follows a final symlink); inotify itself and the eventfd that wakes Run() are raw system calls
// (the Env has no notification calls: a FaultEnv has nothing to inject there).
// Files kept open: a write through mmap (a SQLite database's -shm file, say) raises no inotify
// event at all, and a writer that never closes raises no IN_CLOSE_WRITE. So the watcher counts
// each file's opens (IN_OPEN) against its closes (IN_CLOSE_WRITE, IN_CLOSE_NOWRITE) and, every
// `open_recheck` while some are open, reports the files open now as changed: the scanner then
// looks at their stat again (hashing only when it moved; see docs/safety.md). inotify cannot
// tell opens for writing from opens for reading, so a file kept open for reading is looked at
// too (an lstat each time). Not tracked: files opened before their directory was watched (the
// daemon started, or a watch was added later), a file renamed or deleted while open (its
// count goes with the old name), and past kMaxOpenFiles at once; an overflow forgets every
// count. Those are seen at the periodic rescan, as before. Thread safety:
// Open() on any thread; Run() is the watcher thread's body; a stop request wakes it through an
// eventfd. The callbacks run on the watcher thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <stop_token>
#include <string>

#include "common/env.h"
#include "common/log.h"
#include "common/result.h"
#include "common/unique_fd.h"

namespace tessera::daemon::watcher {

// How often the files open now are reported again (see above).
inline constexpr std::chrono::milliseconds kOpenRecheckInterval{30'000};
// Files whose opens are counted at once; opens past it are not tracked.
inline constexpr size_t kMaxOpenFiles = 1024;

struct WatcherCallbacks {
  std::function<void(const std::set<std::string>&)> changed;  // relative paths
  std::function<void()> overflow;
};

class Watcher {
 public:
  // `root` and `skip_dir` absolute. Adds watches for the whole tree now. `env` and `log` must
  // outlive it.
  static common::Result<std::unique_ptr<Watcher>> Open(
      common::Env& env, std::string root, std::string skip_dir, common::Logger& log,
      WatcherCallbacks callbacks, std::chrono::milliseconds open_recheck = kOpenRecheckInterval);
  // Runs until `stop` is requested.
  void Run(std::stop_token stop);

 private:
  Watcher(common::Env& env, std::string root, std::string skip_dir, common::Logger& log,
          WatcherCallbacks cb, common::UniqueFd inotify, common::UniqueFd wake,
          std::chrono::milliseconds open_recheck)
      : env_(env),
        root_path_(std::move(root)),
        skip_dir_(std::move(skip_dir)),
        log_(log),
        callbacks_(std::move(cb)),
        inotify_(std::move(inotify)),
        wake_(std::move(wake)),
        open_recheck_(open_recheck) {}
  // Watches `rel` and every directory under it. Returns false if the kernel's watch limit
  // was hit (the periodic rescan still finds changes).
  bool AddTree(const std::string& rel);
  std::string Abs(const std::string& rel) const {
    return rel.empty() ? root_path_ : root_path_ + "/" + rel;
  }
  // Watches the directory at the root's path unless it is the one watched already; drops the
  // watches when none is there. `report`: a new one is reported as an overflow.
  void WatchRoot(bool report);
  void DropWatches();
  // Adds the paths `buf`'s events name to `changed`, reporting and clearing it each time it
  // reaches the batch bound; sets `overflow` when the kernel lost events.
  void HandleEvents(const char* buf, size_t len, std::set<std::string>& changed, bool& overflow);
  // Counts an open or close of the file `rel` (see above); false for other events.
  bool CountOpen(uint32_t mask, const std::string& rel);
  // The files open now that are still there (those gone are forgotten).
  std::set<std::string> OpenFiles();

  common::Env& env_;
  struct RootWatch {
    bool watched = false;
    uint64_t device = 0;
    uint64_t inode = 0;
  };
  const std::string root_path_;
  const std::string skip_dir_;
  common::Logger& log_;
  WatcherCallbacks callbacks_;
  common::UniqueFd inotify_;
  common::UniqueFd wake_;            // eventfd written by the stop callback
  std::map<int, std::string> dirs_;  // watch descriptor -> relative dir ("" is the root)
  RootWatch root_;                   // the directory watched as the root
  bool root_lost_ = false;           // an event said the root itself went
  const std::chrono::milliseconds open_recheck_;
  std::map<std::string, int> open_;  // relative file path -> opens not closed yet (> 0)
};

}  // namespace tessera::daemon::watcher
