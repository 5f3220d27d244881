// A folder that vanished is not a folder that was emptied, and a mass delete waits for a yes:
// real daemons, real servers, the contract command lines (`tessera resume --confirm-deletes
// --state DIR`, `tessera resume --start-over --state DIR`). Live watching only (no periodic
// rescan), so a folder made again must be watched again.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "tests/integration/e2e_helpers.h"

namespace tessera::integration {
namespace {

namespace fs = std::filesystem;

ClusterOptions LiveOnly() {
  ClusterOptions options;
  options.rescan_interval_seconds = 3600;
  return options;
}

DaemonStatus StatusOrFail(const Cluster& c, size_t i) {
  auto s = c.StatusOf(i);
  REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  return *s;
}

void Resume(const Cluster& c, size_t i, const std::string& flag, const std::string& log) {
  auto run = RunToCompletion(
      {c.options().bin_dir + "/tessera", "resume", flag, "--state", c.daemon(i).state}, log, 10s);
  REQUIRE_MESSAGE(run.ok(), run.status().ToString());
  REQUIRE_MESSAGE(run->status.Success(), run->status.ToString() << " " << run->stdout_text);
}

// Regular files in `dir`, not counting the folder marker.
int CountFiles(const std::string& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    n += e.is_regular_file() && e.path().filename() != ".tessera-folder" ? 1 : 0;
  }
  return n;
}

TEST_CASE("folder safety: a folder deleted under the daemon deletes nothing elsewhere") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir, LiveOnly());
  Cluster& c = *cluster;
  INFO(c);
  for (int i = 0; i < 30; ++i)
    Write(c.Path(0, "f" + std::to_string(i)), "file " + std::to_string(i));
  RequireConverged(c);

  fs::remove_all(c.root(0));
  RequireOk(WaitUntil([&] { return !StatusOrFail(c, 0).paused.empty(); }, kConverge,
                      "a paused folder in status"),
            "pause");
  CHECK(StatusOrFail(c, 0).paused.find("is missing") != std::string::npos);
  // Made again, empty: still paused (no marker), and B keeps every file.
  MakeDir(c.root(0));
  RequireOk(WaitUntil([&] { return StatusOrFail(c, 0).paused.find("marker") != std::string::npos; },
                      kConverge, "paused for the missing marker"),
            "pause");
  std::this_thread::sleep_for(3s);
  CHECK(CountFiles(c.root(1)) == 30);

  // Starting over fetches the files again; live watching works on the new folder.
  Resume(c, 0, "--start-over", dir.Sub("resume.log"));
  RequireContentSoon(c.Path(0, "f29"), "file 29");
  RequireOk(WaitUntil([&] { return StatusOrFail(c, 0).paused.empty(); }, kConverge, "unpaused"),
            "unpause");
  Write(c.Path(0, "after.txt"), "watched again");
  RequireContentSoon(c.Path(1, "after.txt"), "watched again");
  CHECK(CountFiles(c.root(1)) == 31);
}

TEST_CASE("folder safety: a daemon started on an empty mount point waits for its disk") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir, LiveOnly());
  Cluster& c = *cluster;
  INFO(c);
  for (int i = 0; i < 31; ++i)
    Write(c.Path(0, "g" + std::to_string(i)), "disk " + std::to_string(i));
  RequireConverged(c);
  RequireOk(c.StopDaemon(0), "stop A");
  const std::string disk = c.root(0) + ".disk";
  fs::rename(c.root(0), disk);  // the disk "unmounted": an empty mount point is left
  MakeDir(c.root(0));
  RequireOk(c.StartDaemon(0), "start A");
  RequireOk(WaitUntil([&] { return !StatusOrFail(c, 0).paused.empty(); }, kConverge,
                      "a paused folder in status"),
            "pause");
  std::this_thread::sleep_for(3s);
  CHECK(CountFiles(c.root(1)) == 31);
  // The disk "mounted" again: sync resumes by itself, watching it.
  fs::remove(c.root(0));
  fs::rename(disk, c.root(0));
  RequireOk(WaitUntil([&] { return StatusOrFail(c, 0).paused.empty(); }, kConverge, "unpaused"),
            "unpause");
  Write(c.Path(0, "back.txt"), "the disk is back");
  RequireContentSoon(c.Path(1, "back.txt"), "the disk is back");
  CHECK(CountFiles(c.root(1)) == 32);
}

TEST_CASE("folder safety: a mass delete waits for tessera resume --confirm-deletes") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir, LiveOnly());
  Cluster& c = *cluster;
  INFO(c);
  for (int i = 0; i < 200; ++i) Write(c.Path(0, "m" + std::to_string(i)), "m" + std::to_string(i));
  RequireConverged(c, 0, 1, kConvergeLarge);
  for (int i = 0; i < 150; ++i) fs::remove(c.Path(0, "m" + std::to_string(i)));
  RequireOk(WaitUntil([&] { return StatusOrFail(c, 0).held_deletes_outgoing == 150; }, kConverge,
                      "150 held deletes"),
            "hold");
  std::this_thread::sleep_for(3s);
  CHECK(CountFiles(c.root(1)) == 200);

  Resume(c, 0, "--confirm-deletes", dir.Sub("resume-a.log"));
  // B holds them in turn, and applies them once confirmed there.
  RequireOk(WaitUntil([&] { return StatusOrFail(c, 1).held_deletes_incoming == 150; }, kConverge,
                      "150 deletes held on B"),
            "hold on B");
  CHECK(CountFiles(c.root(1)) == 200);
  Resume(c, 1, "--confirm-deletes", dir.Sub("resume-b.log"));
  RequireOk(WaitUntil([&] { return CountFiles(c.root(1)) == 50; }, kConverge, "50 files on B"),
            "deletes applied on B");
  CHECK(StatusOrFail(c, 0).held_deletes_outgoing == 0);
}

TEST_CASE("folder safety: tessera resume --restore brings a mass delete back") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir, LiveOnly());
  Cluster& c = *cluster;
  INFO(c);
  for (int i = 0; i < 200; ++i) Write(c.Path(0, "r" + std::to_string(i)), "r" + std::to_string(i));
  RequireConverged(c, 0, 1, kConvergeLarge);
  for (int i = 0; i < 150; ++i) fs::remove(c.Path(0, "r" + std::to_string(i)));
  RequireOk(WaitUntil([&] { return StatusOrFail(c, 0).held_deletes_outgoing == 150; }, kConverge,
                      "150 held deletes"),
            "hold");
  Resume(c, 0, "--restore", dir.Sub("resume.log"));
  RequireContentSoon(c.Path(0, "r0"), "r0");
  RequireConverged(c, 0, 1, kConvergeLarge);
  CHECK(CountFiles(c.root(0)) == 200);
  CHECK(StatusOrFail(c, 0).held_deletes_outgoing == 0);
}

}  // namespace
}  // namespace tessera::integration
