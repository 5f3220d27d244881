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
// (the Env has no notification calls: a FaultEnv has nothing to inject there). Thread safety:
// Open() on any thread; Run() is the watcher thread's body; a stop request wakes it through an
// eventfd. The callbacks run on the watcher thread.
#pragma once

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

struct WatcherCallbacks {
  std::function<void(const std::set<std::string>&)> changed;  // relative paths
  std::function<void()> overflow;
};

class Watcher {
 public:
  // `root` and `skip_dir` absolute. Adds watches for the whole tree now. `env` and `log` must
  // outlive it.
  static common::Result<std::unique_ptr<Watcher>> Open(common::Env& env, std::string root,
                                                       std::string skip_dir, common::Logger& log,
                                                       WatcherCallbacks callbacks);
  // Runs until `stop` is requested.
  void Run(std::stop_token stop);

 private:
  Watcher(common::Env& env, std::string root, std::string skip_dir, common::Logger& log,
          WatcherCallbacks cb, common::UniqueFd inotify, common::UniqueFd wake)
      : env_(env),
        root_path_(std::move(root)),
        skip_dir_(std::move(skip_dir)),
        log_(log),
        callbacks_(std::move(cb)),
        inotify_(std::move(inotify)),
        wake_(std::move(wake)) {}
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
};

}  // namespace tessera::daemon::watcher
