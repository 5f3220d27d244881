#include "daemon/watcher/watcher.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/mutex.h"
#include "tests/daemon/test_cluster.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::daemon::watcher {
namespace {

struct Seen {
  common::Mutex mutex;
  common::CondVar cv;
  std::set<std::string> paths TESSERA_GUARDED_BY(mutex);
  int overflows TESSERA_GUARDED_BY(mutex) = 0;

  // Waits (with a deadline) until `path` was reported.
  bool WaitFor(const std::string& path) {
    common::MutexLock lock(mutex);
    return cv.WaitFor(mutex, std::chrono::seconds(10),
                      [&]() TESSERA_REQUIRES(mutex) { return paths.contains(path); });
  }
};

// What the backlog test's callbacks saw, and the switch that holds the first one.
struct Backlog {
  common::Mutex mutex;
  common::CondVar cv;
  bool blocked TESSERA_GUARDED_BY(mutex) = false;
  bool release TESSERA_GUARDED_BY(mutex) = false;
  size_t batches TESSERA_GUARDED_BY(mutex) = 0;
  size_t largest TESSERA_GUARDED_BY(mutex) = 0;
  int overflows TESSERA_GUARDED_BY(mutex) = 0;
  std::set<std::string> paths TESSERA_GUARDED_BY(mutex);
};

TEST_CASE("watcher: a new file in a new subdirectory is reported, temp files are not") {
  testutil::TempDir root;
  common::Logger log{common::LogLevel::kWarn};
  common::PosixEnv env;
  Seen seen;
  auto w = Watcher::Open(env, root.path(), root.Sub("state"), log,
                         WatcherCallbacks{[&](const std::set<std::string>& p) {
                                            common::MutexLock lock(seen.mutex);
                                            seen.paths.insert(p.begin(), p.end());
                                            seen.cv.NotifyAll();
                                          },
                                          [&] {
                                            common::MutexLock lock(seen.mutex);
                                            ++seen.overflows;
                                            seen.cv.NotifyAll();
                                          }});
  REQUIRE(w.ok());
  std::jthread thread([&](std::stop_token st) { (*w)->Run(st); });
  REQUIRE(::mkdir(root.Sub("new").c_str(), 0755) == 0);
  CHECK(seen.WaitFor("new"));
  // Files created right away may land before the watch: the directory itself was reported,
  // and the syncer scans it whole. Once watched, files inside are reported by name.
  REQUIRE(::mkdir(root.Sub("new/deeper").c_str(), 0755) == 0);
  CHECK(seen.WaitFor("new/deeper"));
  testing::WriteFile(root.Sub("new/deeper/.tessera-tmp-1"), "tmp");
  testing::WriteFile(root.Sub("new/deeper/file.txt"), "hello");
  CHECK(seen.WaitFor("new/deeper/file.txt"));
  common::MutexLock lock(seen.mutex);
  CHECK(!seen.paths.contains("new/deeper/.tessera-tmp-1"));
}

TEST_CASE("watcher: the stop request wakes a watcher that sees no events") {
  testutil::TempDir root;
  common::Logger log{common::LogLevel::kWarn};
  common::PosixEnv env;
  auto w = Watcher::Open(env, root.path(), "", log, WatcherCallbacks{[](auto&) {}, [] {}});
  REQUIRE(w.ok());
  std::atomic<bool> returned{false};
  {
    std::jthread thread([&](std::stop_token st) {
      (*w)->Run(st);
      returned = true;
    });
  }  // request_stop + join: would hang forever if poll() were not woken
  CHECK(returned);
}

TEST_CASE("watcher: a backlog of events is reported in bounded batches, none lost") {
  testutil::TempDir root;
  common::Logger log{common::LogLevel::kWarn};
  Backlog b;
  common::PosixEnv env;
  auto w = Watcher::Open(
      env, root.path(), "", log,
      WatcherCallbacks{[&](const std::set<std::string>& p) {
                         common::MutexLock lock(b.mutex);
                         ++b.batches;
                         b.largest = std::max(b.largest, p.size());
                         b.paths.insert(p.begin(), p.end());
                         b.blocked = true;
                         b.cv.NotifyAll();
                         // The first report holds the watcher while the backlog
                         // builds up.
                         b.cv.WaitFor(b.mutex, std::chrono::seconds(20),
                                      [&]() TESSERA_REQUIRES(b.mutex) { return b.release; });
                       },
                       [&] {
                         common::MutexLock lock(b.mutex);
                         ++b.overflows;
                         b.cv.NotifyAll();
                       }});
  REQUIRE(w.ok());
  std::jthread thread([&](std::stop_token st) { (*w)->Run(st); });
  testing::WriteFile(root.Sub("first"), "1");
  {
    common::MutexLock lock(b.mutex);
    REQUIRE(b.cv.WaitFor(b.mutex, std::chrono::seconds(10),
                         [&]() TESSERA_REQUIRES(b.mutex) { return b.blocked; }));
  }
  // Two events a file (create, close): 10,000 queued, below the kernel's default 16,384.
  constexpr int kFiles = 5000;
  for (int i = 0; i < kFiles; ++i) testing::WriteFile(root.Sub("f" + std::to_string(i)), "x");
  {
    common::MutexLock lock(b.mutex);
    b.release = true;
    b.cv.NotifyAll();
    CHECK(b.cv.WaitFor(b.mutex, std::chrono::seconds(20), [&]() TESSERA_REQUIRES(b.mutex) {
      return b.overflows > 0 || b.paths.size() == static_cast<size_t>(kFiles) + 1;
    }));
    CHECK(b.overflows == 0);
    CHECK(b.paths.size() == static_cast<size_t>(kFiles) + 1);
    CHECK(b.largest <= 4096);
    CHECK(b.batches >= 3);  // "first", then the backlog in more than one batch
  }
}

// Reports into `seen`, with open files looked at again every 100 ms.
common::Result<std::unique_ptr<Watcher>> OpenReporting(common::Env& env, testutil::TempDir& root,
                                                       common::Logger& log, Seen& seen) {
  return Watcher::Open(env, root.path(), "", log,
                       WatcherCallbacks{[&](const std::set<std::string>& p) {
                                          common::MutexLock lock(seen.mutex);
                                          seen.paths.insert(p.begin(), p.end());
                                          seen.cv.NotifyAll();
                                        },
                                        [] {}},
                       std::chrono::milliseconds(100));
}

TEST_CASE("watcher: a file kept open and written through mmap is reported again") {
  testutil::TempDir root;
  common::Logger log{common::LogLevel::kWarn};
  common::PosixEnv env;
  Seen seen;
  testing::WriteFile(root.Sub("db-shm"), std::string(4096, 'a'));
  auto w = OpenReporting(env, root, log, seen);
  REQUIRE(w.ok());
  std::jthread thread([&](std::stop_token st) { (*w)->Run(st); });
  const int fd = ::open(root.Sub("db-shm").c_str(), O_RDWR);
  REQUIRE(fd >= 0);
  void* map = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  REQUIRE(map != MAP_FAILED);
  static_cast<char*>(map)[0] = 'b';  // no write(2), no close: no event says it changed
  CHECK(seen.WaitFor("db-shm"));
  {
    common::MutexLock lock(seen.mutex);
    seen.paths.clear();
  }
  CHECK(seen.WaitFor("db-shm"));  // and again while it stays open
  ::munmap(map, 4096);
  ::close(fd);  // IN_CLOSE_WRITE: reported as a change, then no longer open
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  {
    common::MutexLock lock(seen.mutex);
    seen.paths.clear();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  common::MutexLock lock(seen.mutex);
  CHECK(seen.paths.empty());
}

TEST_CASE("watcher: a file opened and closed for reading is not reported") {
  testutil::TempDir root;
  common::Logger log{common::LogLevel::kWarn};
  common::PosixEnv env;
  Seen seen;
  testing::WriteFile(root.Sub("read-me"), "hello");
  auto w = OpenReporting(env, root, log, seen);
  REQUIRE(w.ok());
  std::jthread thread([&](std::stop_token st) { (*w)->Run(st); });
  for (int i = 0; i < 3; ++i) CHECK(testing::ReadFile(root.Sub("read-me")) == "hello");
  testing::WriteFile(root.Sub("marker"), "x");  // events are in order: once it is seen...
  CHECK(seen.WaitFor("marker"));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // ...and a few intervals more
  common::MutexLock lock(seen.mutex);
  CHECK(!seen.paths.contains("read-me"));
}

}  // namespace
}  // namespace tessera::daemon::watcher
