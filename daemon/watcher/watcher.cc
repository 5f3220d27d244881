#include "daemon/watcher/watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include "daemon/scanner/scanner.h"

namespace tessera::daemon::watcher {

namespace {

// No IN_MODIFY: a file being written is looked at when it is closed (IN_CLOSE_WRITE), not on
// every write; files kept open are looked at every open_recheck (IN_OPEN, IN_CLOSE_NOWRITE
// count the opens; see watcher.h), the rest by the periodic rescan.
constexpr uint32_t kMask = IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                           IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_OPEN | IN_CLOSE_NOWRITE |
                           IN_DONT_FOLLOW | IN_ONLYDIR | IN_EXCL_UNLINK;
// Paths handed over at once: a tree being copied in keeps the inotify queue full, so the read
// loop below could otherwise gather an unbounded set before reporting.
constexpr size_t kMaxBatchPaths = 4096;
// How often Run() looks whether the root is still the directory it watches.
constexpr std::chrono::milliseconds kRootCheckInterval{2000};

}  // namespace

common::Result<std::unique_ptr<Watcher>> Watcher::Open(common::Env& env, std::string root,
                                                       std::string skip_dir, common::Logger& log,
                                                       WatcherCallbacks callbacks,
                                                       std::chrono::milliseconds open_recheck) {
  common::UniqueFd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd.valid()) return common::ErrnoStatus("inotify_init1", errno);
  common::UniqueFd wake(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake.valid()) return common::ErrnoStatus("eventfd", errno);
  auto w = std::unique_ptr<Watcher>(new Watcher(env, std::move(root), std::move(skip_dir), log,
                                                std::move(callbacks), std::move(fd),
                                                std::move(wake), open_recheck));
  w->WatchRoot(/*report=*/false);
  return w;
}

void Watcher::DropWatches() {
  for (const auto& [wd, dir] : dirs_) (void)::inotify_rm_watch(inotify_.get(), wd);
  dirs_.clear();  // their IN_IGNORED events then name no known watch
  root_ = RootWatch{};
  open_.clear();
}

void Watcher::WatchRoot(bool report) {
  auto st = env_.Lstat(common::PathAt(root_path_));
  const bool is_dir = st.ok() && st->type == common::FileType::kDir;
  if (is_dir && root_.watched && st->device == root_.device && st->inode == root_.inode) return;
  if (!is_dir) {
    if (root_.watched) {
      DropWatches();
      log_.Warn("watcher", "the folder " + root_path_ + " is gone: watching for it to come back");
    }
    return;
  }
  // A directory that is not (or no longer) the one watched: made again, remounted, a disk
  // mounted on it. Watched afresh, and rescanned whole (its events before now were not seen).
  if (root_.watched)
    log_.Info("watcher", "the folder " + root_path_ + " was replaced: watching it");
  DropWatches();
  root_ = RootWatch{true, st->device, st->inode};
  if (!AddTree("")) log_.Warn("watcher", "inotify watch limit reached; relying on rescans");
  if (report) callbacks_.overflow();
}

bool Watcher::AddTree(const std::string& rel) {
  std::vector<std::string> stack{rel};
  bool ok = true;
  while (!stack.empty()) {
    const std::string dir = std::move(stack.back());
    stack.pop_back();
    const std::string abs = Abs(dir);
    if (abs == skip_dir_) continue;
    const int wd = ::inotify_add_watch(inotify_.get(), abs.c_str(), kMask);
    if (wd < 0) {
      if (errno == ENOSPC) ok = false;
      continue;  // vanished or not a directory any more
    }
    dirs_[wd] = dir;
    auto entries = env_.ListDirEntries(common::PathAt(abs));
    if (!entries.ok()) continue;  // vanished or replaced meanwhile: its events tell
    for (const auto& e : *entries) {
      if (e.type != common::FileType::kDir) continue;
      stack.push_back(dir.empty() ? e.name : dir + "/" + e.name);
    }
  }
  return ok;
}

void Watcher::HandleEvents(const char* buf, size_t len, std::set<std::string>& changed,
                           bool& overflow) {
  for (size_t pos = 0; pos + sizeof(inotify_event) <= len;) {
    inotify_event ev;
    std::memcpy(&ev, buf + pos, sizeof ev);
    const char* name_ptr = buf + pos + sizeof(inotify_event);
    pos += sizeof(inotify_event) + ev.len;
    if (ev.mask & IN_Q_OVERFLOW) {
      overflow = true;
      continue;
    }
    auto it = dirs_.find(ev.wd);
    if (it == dirs_.end()) continue;
    if (ev.mask & IN_IGNORED) {
      dirs_.erase(it);
      continue;
    }
    const std::string dir = it->second;
    if (ev.mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
      if (!dir.empty()) {
        changed.insert(dir);
      } else {
        root_lost_ = true;  // the root itself: Run() looks at what is there now
      }
      continue;
    }
    if (ev.len == 0) continue;
    const std::string name(name_ptr, strnlen(name_ptr, ev.len));
    if (scanner::Scanner::Ignored(name)) continue;
    const std::string rel = dir.empty() ? name : dir + "/" + name;
    if (Abs(rel) == skip_dir_) continue;
    if (CountOpen(ev.mask, rel)) continue;  // an open or a read's close: nothing changed
    changed.insert(rel);
    if (!overflow && changed.size() >= kMaxBatchPaths) {
      callbacks_.changed(changed);  // bounded: never more than kMaxBatchPaths at once
      changed.clear();
    }
    if ((ev.mask & IN_ISDIR) && (ev.mask & (IN_CREATE | IN_MOVED_TO))) {
      if (!AddTree(rel)) log_.Warn("watcher", "inotify watch limit reached; relying on rescans");
    }
  }
}

bool Watcher::CountOpen(uint32_t mask, const std::string& rel) {
  if (mask & IN_ISDIR) return (mask & (IN_OPEN | IN_CLOSE_NOWRITE)) != 0;  // a listing
  if (mask & (IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE)) {
    auto it = open_.find(rel);
    if (mask & IN_OPEN) {
      if (it != open_.end()) {
        ++it->second;
      } else if (open_.size() < kMaxOpenFiles) {
        open_.emplace(rel, 1);
      }
    }
    if ((mask & (IN_CLOSE_WRITE | IN_CLOSE_NOWRITE)) && it != open_.end() && --it->second <= 0) {
      open_.erase(it);  // a close without a counted open (opened before the watch) is ignored
    }
    return (mask & IN_CLOSE_WRITE) == 0;  // a close after writing is a change
  }
  if (mask & (IN_DELETE | IN_MOVED_FROM)) open_.erase(rel);  // its opens went with the name
  return false;
}

std::set<std::string> Watcher::OpenFiles() {
  std::set<std::string> out;
  for (auto it = open_.begin(); it != open_.end();) {
    const auto st = env_.Lstat(common::PathAt(Abs(it->first)));
    if (!st.ok() || st->type != common::FileType::kFile) {
      it = open_.erase(it);  // gone (deleted or renamed while open; IN_EXCL_UNLINK: no close)
      continue;
    }
    out.insert(it->first);
    ++it;
  }
  return out;
}

void Watcher::Run(std::stop_token stop) {
  std::stop_callback wake(stop, [this] {
    const uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
  });
  alignas(inotify_event) char buf[64 * 1024];
  auto next_open_report = std::chrono::steady_clock::now() + open_recheck_;
  while (!stop.stop_requested()) {
    pollfd fds[2] = {{inotify_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    auto timeout = kRootCheckInterval;
    if (!open_.empty()) {
      const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(
          next_open_report - std::chrono::steady_clock::now());
      timeout = std::clamp(until, std::chrono::milliseconds(0), timeout);
    }
    const int ready = ::poll(fds, 2, static_cast<int>(timeout.count()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      log_.Error("watcher", std::string("poll: ") + strerror(errno));
      return;
    }
    if (stop.stop_requested()) return;
    std::set<std::string> changed;
    bool overflow = false;
    const bool none_open = open_.empty();
    for (;;) {
      const ssize_t n = ::read(inotify_.get(), buf, sizeof buf);
      if (n <= 0) break;
      HandleEvents(buf, static_cast<size_t>(n), changed, overflow);
      if (overflow) changed.clear();  // everything is rescanned anyway
    }
    if (overflow) {
      open_.clear();  // the opens and closes lost are unknown
      log_.Warn("watcher", "inotify queue overflowed; rescanning everything");
      callbacks_.overflow();
    } else if (!changed.empty()) {
      callbacks_.changed(changed);
    }
    // Files kept open (written through mmap, or by a writer that does not close): looked at
    // again every open_recheck_.
    const auto now = std::chrono::steady_clock::now();
    if (none_open) next_open_report = now + open_recheck_;  // the first opens: a full interval
    if (now >= next_open_report) {
      next_open_report = now + open_recheck_;
      if (!open_.empty()) {
        if (auto open = OpenFiles(); !open.empty()) callbacks_.changed(open);
      }
    }
    // The root deleted, moved, unmounted or replaced: watched again once a directory is there.
    if (ready == 0 || root_lost_) {
      root_lost_ = false;
      WatchRoot(/*report=*/true);
    }
  }
}

}  // namespace tessera::daemon::watcher
