#include "daemon/syncer/syncer.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <thread>

#include "common/clock.h"
#include "daemon/syncer/local_fs.h"
#include "daemon/syncer/notify_loop.h"
#include "tests/daemon/test_cluster.h"

namespace tessera::daemon::syncer {
namespace {

using testing::TestPeer;
using testing::TestServers;
using testing::WriteFile;

// Whether `path` was committed, read through a second (read-only) connection: the syncer
// thread owns the peer's own Index.
bool Committed(const TestPeer& peer, const std::string& path) {
  auto idx = index::Index::OpenReadOnly(peer.state() + "/index.db");
  if (!idx.ok()) return false;
  auto row = (*idx)->Get(path);
  return row.ok() && row->has_value() && (*row)->base_jid > 0;
}

// Waits (deadline `limit`) until `cond` holds, checking after each syncer round.
template <typename Cond>
bool WaitUntil(const Syncer& syncer, Cond cond,
               std::chrono::seconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    const uint64_t round = syncer.rounds();
    if (cond()) return true;
    // The condition is checked again after each completed round.
    syncer.WaitForRoundAfter(round, deadline);
  }
  return cond();
}

TEST_CASE("syncer: a change nobody reported is found by the rescan an overflow asks for") {
  TestServers servers;
  TestPeer a(servers, "A");
  SyncerOptions options;
  options.pull_interval = std::chrono::seconds(3600);
  common::RealClock clock;
  Syncer syncer(a.engine(), a.scanner(), a.index(), a.log(), options, clock);
  std::jthread thread([&](std::stop_token st) { syncer.Run(st); });
  REQUIRE(WaitUntil(syncer, [&] { return syncer.rounds() >= 1; }));
  CHECK(syncer.connected());
  WriteFile(a.Abs("unreported.txt"), "no event for me");
  syncer.OnOverflow();
  CHECK(WaitUntil(syncer, [&] { return Committed(a, "unreported.txt"); }));
}

TEST_CASE("syncer: a reported path is uploaded after the debounce") {
  TestServers servers;
  TestPeer a(servers, "A");
  common::RealClock clock;
  Syncer syncer(a.engine(), a.scanner(), a.index(), a.log(), SyncerOptions{}, clock);
  std::jthread thread([&](std::stop_token st) { syncer.Run(st); });
  REQUIRE(WaitUntil(syncer, [&] { return syncer.rounds() >= 1; }));
  WriteFile(a.Abs("reported.txt"), "hi");
  syncer.OnPathsChanged({"reported.txt"});
  CHECK(WaitUntil(syncer, [&] { return Committed(a, "reported.txt"); }));
}

TEST_CASE("syncer: a backlog larger than one Process() call is finished without new events") {
  TestServers servers;
  // Two passes of three paths per call: 20 files need several calls.
  TestPeer a(servers, "A", /*paths_per_pass=*/3, /*passes_per_process=*/2);
  for (int i = 0; i < 20; ++i) WriteFile(a.Abs("f" + std::to_string(i)), std::to_string(i));
  SyncerOptions options;
  options.pull_interval = std::chrono::seconds(3600);
  common::RealClock clock;
  Syncer syncer(a.engine(), a.scanner(), a.index(), a.log(), options, clock);
  std::jthread thread([&](std::stop_token st) { syncer.Run(st); });
  CHECK(WaitUntil(syncer, [&] {
    for (int i = 0; i < 20; ++i) {
      if (!Committed(a, "f" + std::to_string(i))) return false;
    }
    return true;
  }));
}

TEST_CASE(
    "syncer: a commit on a stale parent is settled in the same round, not by the safety net") {
  TestServers servers;
  TestPeer a(servers, "A");
  TestPeer b(servers, "B");
  WriteFile(b.Abs("doc.txt"), "from B\n");
  REQUIRE(b.Sync().ok());
  // A has no notify loop and no periodic pull or rescan: only what its own round leaves.
  SyncerOptions options;
  options.pull_interval = std::chrono::seconds(3600);
  options.rescan_interval = std::chrono::seconds(3600);
  common::RealClock clock;
  Syncer syncer(a.engine(), a.scanner(), a.index(), a.log(), options, clock);
  std::jthread thread([&](std::stop_token st) { syncer.Run(st); });
  REQUIRE(WaitUntil(syncer, [&] { return syncer.rounds() >= 1; }));
  REQUIRE(testing::ReadFile(a.Abs("doc.txt")) == "from B\n");
  // B edits the file again, which A does not hear about; A's edit then commits on a stale
  // parent: A pulls, makes its version a conflicted copy, downloads B's and uploads the copy.
  WriteFile(b.Abs("doc.txt"), "from B again\n");
  REQUIRE(b.Sync().ok());
  WriteFile(a.Abs("doc.txt"), "from A\n");
  // An hour old: not in doubt, so no recheck round comes after it either.
  const timespec old_times[2] = {{std::time(nullptr) - 3600, 0}, {std::time(nullptr) - 3600, 0}};
  REQUIRE(::utimensat(AT_FDCWD, a.Abs("doc.txt").c_str(), old_times, 0) == 0);
  syncer.OnPathsChanged({"doc.txt"});
  const std::string copy =
      "doc (conflicted copy from A " + DateString(std::chrono::system_clock::now()) + ").txt";
  CHECK(WaitUntil(
      syncer,
      [&] {
        return testing::Exists(a.Abs("doc.txt")) &&
               testing::ReadFile(a.Abs("doc.txt")) == "from B again\n" && Committed(a, copy);
      },
      std::chrono::seconds(10)));
}

TEST_CASE("syncer: more files in doubt than the recheck list holds bring a full rescan") {
  TestServers servers;
  TestPeer a(servers, "A");
  // Modified "later" than any hash of them (an hour ahead), so every one is in doubt after
  // each scan.
  const size_t n = scanner::kMaxRecheckPaths + 10;
  const struct timespec ahead[2] = {{::time(nullptr) + 3600, 0}, {::time(nullptr) + 3600, 0}};
  for (size_t i = 0; i < n; ++i) {
    const std::string path = a.Abs("f" + std::to_string(i));
    WriteFile(path, std::to_string(i));
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), ahead, 0) == 0);
  }
  SyncerOptions options;
  options.pull_interval = std::chrono::seconds(3600);
  common::RealClock clock;
  Syncer syncer(a.engine(), a.scanner(), a.index(), a.log(), options, clock);
  std::jthread thread([&](std::stop_token st) { syncer.Run(st); });
  // Thousands of files per round: a generous deadline for sanitizer builds.
  constexpr auto kLimit = std::chrono::seconds(120);
  REQUIRE(WaitUntil(
      syncer, [&] { return syncer.rounds() >= 1; }, kLimit));
  // Nobody reports this one: only a full rescan (not a recheck of the listed paths) finds it.
  WriteFile(a.Abs("unreported.txt"), "found by the rescan");
  CHECK(WaitUntil(
      syncer, [&] { return Committed(a, "unreported.txt"); }, kLimit));
}

TEST_CASE("syncer: one remote commit wakes notify once; it asks again from the applied head") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  SyncerOptions options;
  options.pull_interval = std::chrono::seconds(3600);
  common::RealClock clock;
  Syncer syncer(b.engine(), b.scanner(), b.index(), b.log(), options, clock);
  auto watch = common::client::MetaClient::Create(servers.meta_url(), "default");
  REQUIRE(watch.ok());
  std::jthread thread([&](std::stop_token st) { syncer.Run(st); });
  REQUIRE(WaitUntil(syncer, [&] { return syncer.rounds() >= 1; }));
  std::jthread notify([&](std::stop_token st) { RunNotifyLoop(st, **watch, syncer, b.log()); });

  // A file big enough that applying it outlasts a quick re-poll: asking again from the old
  // cursor before B's round ends would be answered at once, a second wake-up for one commit.
  std::string big(24 << 20, '\0');
  uint64_t x = 88172645463325252ULL;
  for (size_t i = 0; i < big.size(); i += 8) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    std::memcpy(&big[i], &x, 8);
  }
  WriteFile(a.Abs("big.bin"), big);
  REQUIRE(a.Sync().ok());
  const uint64_t head = a.engine().cursor();
  REQUIRE(head > 0);
  REQUIRE(WaitUntil(
      syncer, [&] { return syncer.cursor() >= head; }, std::chrono::seconds(60)));
  CHECK(testing::ReadFile(b.Abs("big.bin")) == big);
  // Let the loop ask again (it waits for the applied head), then stop it to read its counts:
  // a poll from the old cursor, had it been sent, is counted by then.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while ((*watch)->stats().notify_requests < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polled, up to the deadline
  }
  CHECK((*watch)->stats().notify_requests >= 2);
  notify.request_stop();
  notify.join();
  CHECK((*watch)->stats().notify_wakeups == 1);
}

}  // namespace
}  // namespace tessera::daemon::syncer
