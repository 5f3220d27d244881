// End-to-end: changes that size and mtime do not show (an edit whose mtime was set back, an
// edit through a hard link) reach B, and a sparse file arrives sparse (docs/safety.md, "Changes
// that are hard to see").
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/integration/e2e_helpers.h"

namespace tessera::integration {
namespace {

constexpr size_t kA = 0;
constexpr size_t kB = 1;
constexpr int64_t kLongAgo = 978'307'200;  // 2001-01-01

void SetMtime(const std::string& path, int64_t sec) {
  const struct timespec t[2] = {{sec, 0}, {sec, 0}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), t, AT_SYMLINK_NOFOLLOW) == 0);
}

struct stat StatOf(const std::string& path) {
  struct stat st {};
  REQUIRE_MESSAGE(::stat(path.c_str(), &st) == 0, path);
  return st;
}

TEST_CASE("e2e: a same-size edit on A whose mtime was set back (touch -d) reaches B") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir);
  INFO(*cluster);
  const std::string a = cluster->Path(kA, "f.txt");
  Write(a, "hello world\n");
  SetMtime(a, kLongAgo);
  RequireContentSoon(cluster->Path(kB, "f.txt"), "hello world\n");
  RequireConverged(*cluster);

  // printf X > f keeping the size, then touch -d 2001-01-01 f.
  Write(a, "HELLO WORLD\n");
  SetMtime(a, kLongAgo);
  RequireContentSoon(cluster->Path(kB, "f.txt"), "HELLO WORLD\n");
  RequireConverged(*cluster);
}

TEST_CASE("e2e: an edit through one hard link on A reaches B under both names") {
  testutil::TempDir dir;
  ClusterOptions options;
  options.rescan_interval_seconds = 600;  // only what the events and the scanner find
  auto cluster = StartClusterOrFail(dir, options);
  INFO(*cluster);
  MakeDir(cluster->Path(kA, "sub"));
  const std::string a = cluster->Path(kA, "a.txt");
  Write(a, "version one\n");
  REQUIRE(::link(a.c_str(), cluster->Path(kA, "sub/b.txt").c_str()) == 0);
  RequireContentSoon(cluster->Path(kB, "a.txt"), "version one\n");
  RequireContentSoon(cluster->Path(kB, "sub/b.txt"), "version one\n");
  RequireConverged(*cluster);

  Write(a, "version two, edited through a.txt\n");  // in place: both names see it
  RequireContentSoon(cluster->Path(kB, "a.txt"), "version two, edited through a.txt\n");
  RequireContentSoon(cluster->Path(kB, "sub/b.txt"), "version two, edited through a.txt\n");
  // And through the other name.
  Write(cluster->Path(kA, "sub/b.txt"), "version three, through sub/b.txt\n");
  RequireContentSoon(cluster->Path(kB, "sub/b.txt"), "version three, through sub/b.txt\n");
  RequireContentSoon(cluster->Path(kB, "a.txt"), "version three, through sub/b.txt\n");
  RequireConverged(*cluster);
}

TEST_CASE("e2e: a 64 MiB sparse file with 4 KiB of data arrives sparse on B") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir);
  INFO(*cluster);
  constexpr off_t kSize = 64 << 20;
  const std::string a = cluster->Path(kA, "disk.img");
  {
    const int fd = ::open(a.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
    REQUIRE(fd >= 0);
    const std::string data(4096, 'd');
    REQUIRE(::pwrite(fd, data.data(), data.size(), kSize / 2) == 4096);
    REQUIRE(::ftruncate(fd, kSize) == 0);  // ends in a hole
    REQUIRE(::close(fd) == 0);
  }
  REQUIRE(static_cast<uint64_t>(StatOf(a).st_blocks) * 512 < (1u << 20));
  const std::string b = cluster->Path(kB, "disk.img");
  const common::Status arrived = WaitUntil(
      [&] {
        struct stat st {};
        return ::stat(b.c_str(), &st) == 0 && st.st_size == kSize;
      },
      kConvergeLarge, "disk.img on B");
  REQUIRE_MESSAGE(arrived.ok(), arrived.message());
  RequireConverged(*cluster);
  const struct stat st = StatOf(b);
  CHECK(st.st_size == kSize);
  CHECK(static_cast<uint64_t>(st.st_blocks) * 512 < (1u << 20));
  CHECK(Read(b) == Read(a));
}

}  // namespace
}  // namespace tessera::integration
