// A desktop whose disk fills up: real daemons, a real tmpfs of a few MiB mounted as B's folder
// (root is needed to mount; without it the test says so and checks nothing). Downloads stop with
// a clear error in `tessera status`, nothing half-written is left in the folder, and sync
// resumes by itself once there is space again (the tmpfs remounted larger).
#include <doctest/doctest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>

#include "tests/integration/e2e_helpers.h"

namespace tessera::integration {
namespace {

namespace fs = std::filesystem;

// The tmpfs mounted over a daemon's (stopped) root, unmounted at the end of the test.
class SmallDisk {
 public:
  // Mounts a tmpfs of `size` over `dir`, keeping the folder marker that was in it (so the
  // daemon sees its folder remounted, not a new one). Empty error: mounted.
  std::string Mount(const std::string& dir, const std::string& size) {
    const std::string marker = dir + "/.tessera-folder";
    std::string kept;
    if (Exists(marker)) kept = Read(marker);
    const std::string options = "size=" + size + ",mode=0755";
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      return std::string("mount tmpfs: ") + std::strerror(errno);
    }
    dir_ = dir;
    if (!kept.empty()) Write(marker, kept);
    return "";
  }
  bool Resize(const std::string& size) {
    const std::string options = "size=" + size;
    return ::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT, options.c_str()) == 0;
  }
  ~SmallDisk() {
    if (!dir_.empty()) (void)::umount2(dir_.c_str(), MNT_DETACH);
  }

 private:
  std::string dir_;
};

DaemonStatus StatusOrFail(const Cluster& c, size_t i) {
  auto s = c.StatusOf(i);
  REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  return *s;
}

TEST_CASE("disk full: downloads stop with a clear error, leave no partial file, and resume") {
  if (::geteuid() != 0) {
    MESSAGE("not root: cannot mount a small tmpfs; the disk-full test checks nothing here");
    return;
  }
  testutil::TempDir dir;
  ClusterOptions options;
  options.rescan_interval_seconds = 3600;  // the retry must not come from a rescan
  auto cluster = StartClusterOrFail(dir, options);
  Cluster& c = *cluster;
  INFO(c);
  Write(c.Path(0, "small.txt"), "fits\n");
  RequireConverged(c);

  RequireOk(c.StopDaemon(1), "stop B");
  SmallDisk disk;
  const std::string mounted = disk.Mount(c.root(1), "6m");
  if (!mounted.empty()) {
    MESSAGE("cannot mount a tmpfs here (" << mounted << "); the disk-full test checks nothing");
    return;
  }
  Write(c.Path(1, "small.txt"), "fits\n");
  RequireOk(c.StartDaemon(1), "start B");

  // 4 files of 2 MiB (random: no compression, no shared blocks) into 6 MiB.
  testutil::Random rnd;
  std::map<std::string, std::string> big;
  for (int i = 0; i < 4; ++i) {
    const std::string name = "big" + std::to_string(i) + ".bin";
    big[name] = RandomBytes(rnd, 2 << 20);
    Write(c.Path(0, name), big[name]);
  }
  DaemonStatus st;
  const common::Status failed = WaitUntil(
      [&] {
        st = StatusOrFail(c, 1);
        return st.failing > 0 && !st.last_error.empty();
      },
      kConverge, "B to report failing downloads and why");
  REQUIRE_MESSAGE(failed.ok(), st.raw);
  CHECK(st.errors >= st.failing);
  CHECK_MESSAGE(st.last_error.find("space") != std::string::npos, st.raw);
  CHECK(st.connected);

  // Nothing half-written: every file in B's folder is whole, and no temp file stays.
  std::this_thread::sleep_for(2s);
  for (const auto& e : fs::directory_iterator(c.root(1))) {
    const std::string name = e.path().filename();
    CAPTURE(name);
    if (name == ".tessera-folder") continue;
    CHECK(e.is_regular_file());
    if (name == "small.txt") continue;
    REQUIRE(big.contains(name));
    CHECK(Read(e.path()) == big[name]);
  }

  // Space is back: B finishes by itself (no event, no rescan) and the error is gone.
  REQUIRE(disk.Resize("64m"));
  for (const auto& [name, content] : big) RequireContentSoon(c.Path(1, name), content, 40s);
  const common::Status quiet = WaitUntil(
      [&] {
        st = StatusOrFail(c, 1);
        return st.errors == 0 && st.failing == 0 && st.last_error.empty();
      },
      kConverge, "B to report no error once it caught up");
  CHECK_MESSAGE(quiet.ok(), st.raw);
  RequireOk(c.StopDaemon(1), "stop B");
}

}  // namespace
}  // namespace tessera::integration
