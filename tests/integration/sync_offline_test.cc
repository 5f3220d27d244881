// End-to-end: servers going away and coming back, daemons restarted or SIGKILLed mid-download,
// and concurrent edits made while offline (conflicts, delete vs edit).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <regex>
#include <set>

#include "tests/integration/e2e_helpers.h"

namespace tessera::integration {
namespace {

constexpr size_t kA = 0;
constexpr size_t kB = 1;

// Waits until daemon `i` reports itself disconnected (the servers are down).
void CheckDisconnectedSoon(const Cluster& cluster, size_t i) {
  std::string last;
  const common::Status st = WaitUntil(
      [&] {
        auto s = cluster.StatusOf(i);
        if (!s.ok()) {
          last = s.status().ToString();
          return false;
        }
        last = s->raw;
        return s->running && !s->connected;
      },
      kConverge, "the daemon to notice the servers are gone");
  CHECK_MESSAGE(st.ok(), "daemon " << i << " status: " << last);
}

TEST_CASE("e2e: with both servers down, A and B edit different files, and both converge after") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir);
  INFO(*cluster);
  Write(cluster->Path(kA, "x.txt"), TextLines(20, "x"));
  Write(cluster->Path(kA, "y.txt"), TextLines(20, "y"));
  Write(cluster->Path(kA, "z.txt"), TextLines(20, "z"));
  RequireConverged(*cluster);

  RequireOk(cluster->StopServers(), "stop servers");
  CheckDisconnectedSoon(*cluster, kA);
  Write(cluster->Path(kA, "x.txt"), TextLines(21, "x edited on A"));
  Write(cluster->Path(kA, "new-on-a.txt"), "made offline on A\n");
  Write(cluster->Path(kB, "y.txt"), TextLines(19, "y edited on B"));
  REQUIRE(::unlink(cluster->Path(kB, "z.txt").c_str()) == 0);
  // Both daemons keep running without servers.
  CHECK(cluster->daemon(kA).process->Running());
  CHECK(cluster->daemon(kB).process->Running());

  RequireOk(cluster->StartServers(), "restart servers on the same ports");
  RequireConverged(*cluster);
  for (size_t i : {kA, kB}) {
    CAPTURE(i);
    CHECK(Read(cluster->Path(i, "x.txt")) == TextLines(21, "x edited on A"));
    CHECK(Read(cluster->Path(i, "y.txt")) == TextLines(19, "y edited on B"));
    CHECK(Read(cluster->Path(i, "new-on-a.txt")) == "made offline on A\n");
    CHECK_FALSE(Exists(cluster->Path(i, "z.txt")));
  }
}

TEST_CASE("e2e: changes made while a daemon is stopped, or queued before it stops, are synced") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir);
  INFO(*cluster);
  Write(cluster->Path(kA, "keep.txt"), "v1\n");
  Write(cluster->Path(kA, "remove-me.txt"), "bye\n");
  RequireConverged(*cluster);

  // Stopped daemon: its root changes underneath it.
  RequireOk(cluster->StopDaemon(kA), "SIGTERM daemon A (must exit 0)");
  Write(cluster->Path(kA, "keep.txt"), "v2 written while A was stopped\n");
  Write(cluster->Path(kA, "born-while-stopped.txt"), "hi\n");
  REQUIRE(::unlink(cluster->Path(kA, "remove-me.txt").c_str()) == 0);
  Write(cluster->Path(kB, "from-b.txt"), "B wrote this while A was stopped\n");
  RequireOk(cluster->StartDaemon(kA), "start daemon A");
  RequireConverged(*cluster);
  CHECK(Read(cluster->Path(kB, "keep.txt")) == "v2 written while A was stopped\n");
  CHECK(Read(cluster->Path(kA, "from-b.txt")) == "B wrote this while A was stopped\n");
  CHECK_FALSE(Exists(cluster->Path(kB, "remove-me.txt")));

  // Queued offline, then the daemon restarts before the servers return.
  RequireOk(cluster->StopServers(), "stop servers");
  Write(cluster->Path(kA, "queued.txt"), "queued while offline\n");
  // Let A see the change (it reports pending work), so the restart has a queue to lose.
  const common::Status noticed = WaitUntil(
      [&] {
        auto s = cluster->StatusOf(kA);
        return s.ok() && s->upload_pending_files > 0;
      },
      kConverge, "A to count the offline change as pending");
  CHECK_MESSAGE(noticed.ok(), noticed.message());
  RequireOk(cluster->RestartDaemon(kA), "restart daemon A");
  RequireOk(cluster->StartServers(), "restart servers");
  RequireContentSoon(cluster->Path(kB, "queued.txt"), "queued while offline\n");
  RequireConverged(*cluster);
}

TEST_CASE("e2e: SIGKILL of B during a big download leaves no partial file, and B recovers") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir);
  INFO(*cluster);
  testutil::Random rng;
  const std::string bytes = RandomBytes(rng, 64u << 20);
  const std::string want_sha = Sha256Hex(bytes);
  Write(cluster->Path(kA, "big.bin"), bytes);

  // Wait for the download to be in flight on B: a temp file, or pending downloads.
  bool in_flight = false;
  const common::Status seen = WaitUntil(
      [&] {
        if (!FindTempFiles(cluster->root(kB)).empty()) return in_flight = true;
        auto s = cluster->StatusOf(kB);
        if (s.ok() && (s->download_pending_files > 0 || s->download_pending_bytes > 0)) {
          return in_flight = true;
        }
        return Exists(cluster->Path(kB, "big.bin"));  // too late: it already arrived
      },
      kConvergeLarge, "B to start downloading big.bin", 20ms);
  REQUIRE_MESSAGE(seen.ok(), seen.message());
  if (!in_flight) MESSAGE("big.bin arrived before a download was observed; killing B anyway");
  RequireOk(cluster->KillDaemon(kB), "SIGKILL daemon B");

  // Right after the kill: the file is absent or whole, never partial.
  if (Exists(cluster->Path(kB, "big.bin"))) {
    auto snap = SnapshotTree(cluster->root(kB));
    REQUIRE(snap.ok());
    CHECK(snap->at("big.bin").sha256 == want_sha);
  }

  // A user's own file whose name starts like a temp file's is not the daemon's to remove.
  const std::string users = ".tessera-tmp-notes.txt";
  Write(cluster->Path(kB, users), "mine");
  RequireOk(cluster->StartDaemon(kB), "restart daemon B");
  RequireConverged(*cluster, kA, kB, kConvergeLarge);
  auto snap = SnapshotTree(cluster->root(kB));
  REQUIRE(snap.ok());
  CHECK(snap->at("big.bin").sha256 == want_sha);
  CHECK(snap->size() == 1);
  // Stale temp files are cleaned up, and never uploaded as user files.
  const common::Status clean =
      WaitUntil([&] { return FindTempFiles(cluster->root(kB)) == std::vector<std::string>{users}; },
                kConverge, "B to remove its stale .tessera-tmp-* files");
  CHECK_MESSAGE(clean.ok(), clean.message());
  CHECK(Read(cluster->Path(kB, users)) == "mine");
  CHECK(FindTempFiles(cluster->root(kA)).empty());
}

TEST_CASE("e2e: the same file edited differently on both sides keeps both as a conflicted copy") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir);
  INFO(*cluster);
  Write(cluster->Path(kA, "report.txt"), TextLines(10, "base"));
  RequireConverged(*cluster);

  RequireOk(cluster->StopServers(), "stop servers");
  const std::string from_a = TextLines(10, "edited on A");
  const std::string from_b = TextLines(12, "edited on B");
  Write(cluster->Path(kA, "report.txt"), from_a);
  Write(cluster->Path(kB, "report.txt"), from_b);
  RequireOk(cluster->StartServers(), "restart servers");
  RequireConverged(*cluster);

  auto snap = SnapshotTree(cluster->root(kA));
  REQUIRE(snap.ok());
  INFO("tree after the conflict:\n" << DescribeSnapshot(*snap));
  REQUIRE(snap->size() == 2);
  REQUIRE(snap->count("report.txt") == 1);
  const std::regex copy_name(
      R"(report \(conflicted copy from (dev-a|dev-b) \d{4}-\d{2}-\d{2}\)\.txt)");
  std::string copy;
  std::smatch m;
  for (const auto& [path, e] : *snap) {
    if (path != "report.txt") copy = path;
  }
  REQUIRE_MESSAGE(std::regex_match(copy, m, copy_name), "unexpected name: " << copy);
  const std::string host = m[1];

  // Both versions survive, one at each name, and the copy is named for the device whose
  // version it holds.
  const std::string main_text = Read(cluster->Path(kA, "report.txt"));
  const std::string copy_text = Read(cluster->Path(kA, copy));
  CHECK(std::set<std::string>{main_text, copy_text} == std::set<std::string>{from_a, from_b});
  CHECK(copy_text == (host == "dev-a" ? from_a : from_b));

  std::string last;
  const common::Status counted = WaitUntil(
      [&] {
        last.clear();
        for (size_t i : {kA, kB}) {
          auto s = cluster->StatusOf(i);
          if (!s.ok()) return false;
          last += s->raw;
          if (s->conflicts >= 1) return true;
        }
        return false;
      },
      kConverge, "a daemon to count the conflict");
  CHECK_MESSAGE(counted.ok(), "statuses: " << last);

  // A conflict is an event, not an error: once connected again, neither desktop reports one.
  const common::Status quiet = WaitUntil(
      [&] {
        last.clear();
        for (size_t i : {kA, kB}) {
          auto s = cluster->StatusOf(i);
          if (!s.ok()) return false;
          last += s->raw;
          if (!s->connected || s->errors != 0 || !s->last_error.empty()) return false;
        }
        return true;
      },
      kConverge, "both daemons to report no error after the conflict");
  CHECK_MESSAGE(quiet.ok(), "statuses: " << last);
}

TEST_CASE("e2e: delete on one side vs edit on the other: the edit wins on both") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir);
  INFO(*cluster);
  Write(cluster->Path(kA, "contested.txt"), "original\n");
  RequireConverged(*cluster);

  size_t deleter = kA, editor = kB;
  SUBCASE("A deletes, B edits") {}
  SUBCASE("A edits, B deletes") { std::swap(deleter, editor); }
  CAPTURE(deleter);

  RequireOk(cluster->StopServers(), "stop servers");
  REQUIRE(::unlink(cluster->Path(deleter, "contested.txt").c_str()) == 0);
  Write(cluster->Path(editor, "contested.txt"), "edited, and this must survive\n");
  RequireOk(cluster->StartServers(), "restart servers");
  RequireConverged(*cluster);

  auto snap = SnapshotTree(cluster->root(kA));
  REQUIRE(snap.ok());
  INFO("tree:\n" << DescribeSnapshot(*snap));
  CHECK(snap->size() == 1);
  for (size_t i : {kA, kB}) {
    CAPTURE(i);
    CHECK(Read(cluster->Path(i, "contested.txt")) == "edited, and this must survive\n");
  }
}

}  // namespace
}  // namespace tessera::integration
