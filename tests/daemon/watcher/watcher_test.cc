#include "daemon/watcher/watcher.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "tests/daemon/test_cluster.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::daemon::watcher {
namespace {

struct Seen {
  std::mutex mutex;
  std::condition_variable cv;
  std::set<std::string> paths;
  int overflows = 0;

  // Waits (with a deadline) until `path` was reported.
  bool WaitFor(const std::string& path) {
    std::unique_lock<std::mutex> lock(mutex);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] { return paths.contains(path); });
  }
};

TEST_CASE("watcher: a new file in a new subdirectory is reported, temp files are not") {
  testutil::TempDir root;
  common::Logger log{common::LogLevel::kWarn};
  common::PosixEnv env;
  Seen seen;
  auto w = Watcher::Open(env, root.path(), root.Sub("state"), log,
                         WatcherCallbacks{[&](const std::set<std::string>& p) {
                                            std::lock_guard<std::mutex> lock(seen.mutex);
                                            seen.paths.insert(p.begin(), p.end());
                                            seen.cv.notify_all();
                                          },
                                          [&] {
                                            std::lock_guard<std::mutex> lock(seen.mutex);
                                            ++seen.overflows;
                                            seen.cv.notify_all();
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
  std::lock_guard<std::mutex> lock(seen.mutex);
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
  common::PosixEnv env;
  std::mutex mutex;
  std::condition_variable cv;
  bool blocked = false, release = false;
  size_t batches = 0, largest = 0;
  int overflows = 0;
  std::set<std::string> paths;
  auto w = Watcher::Open(env, root.path(), "", log,
                         WatcherCallbacks{[&](const std::set<std::string>& p) {
                                            std::unique_lock<std::mutex> lock(mutex);
                                            ++batches;
                                            largest = std::max(largest, p.size());
                                            paths.insert(p.begin(), p.end());
                                            blocked = true;
                                            cv.notify_all();
                                            // The first report holds the watcher while the backlog
                                            // builds up.
                                            cv.wait_for(lock, std::chrono::seconds(20),
                                                        [&] { return release; });
                                          },
                                          [&] {
                                            std::lock_guard<std::mutex> lock(mutex);
                                            ++overflows;
                                            cv.notify_all();
                                          }});
  REQUIRE(w.ok());
  std::jthread thread([&](std::stop_token st) { (*w)->Run(st); });
  testing::WriteFile(root.Sub("first"), "1");
  {
    std::unique_lock<std::mutex> lock(mutex);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return blocked; }));
  }
  // Two events a file (create, close): 10,000 queued, below the kernel's default 16,384.
  constexpr int kFiles = 5000;
  for (int i = 0; i < kFiles; ++i) testing::WriteFile(root.Sub("f" + std::to_string(i)), "x");
  {
    std::unique_lock<std::mutex> lock(mutex);
    release = true;
    cv.notify_all();
    CHECK(cv.wait_for(lock, std::chrono::seconds(20), [&] {
      return overflows > 0 || paths.size() == static_cast<size_t>(kFiles) + 1;
    }));
    CHECK(overflows == 0);
    CHECK(paths.size() == static_cast<size_t>(kFiles) + 1);
    CHECK(largest <= 4096);
    CHECK(batches >= 3);  // "first", then the backlog in more than one batch
  }
}

}  // namespace
}  // namespace tessera::daemon::watcher
