// A sparse file arrives sparse: the reconstructor leaves its zero blocks as holes
// (common/sparse_append.h), and the file reads back the same.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/daemon/test_cluster.h"

namespace tessera::daemon::syncer {
namespace {

using testing::ReadFile;
using testing::TestPeer;
using testing::TestServers;

constexpr off_t kSize = 16 << 20;

struct stat StatOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st;
}

TEST_CASE("sparse sync: a sparse file is written sparse, ending in a hole too") {
  TestServers servers;
  TestPeer a(servers, "a");
  TestPeer b(servers, "b");
  {
    const int fd = ::open(a.Abs("disk.img").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    const std::string data(4096, 'd');
    REQUIRE(::pwrite(fd, data.data(), data.size(), kSize / 2) == 4096);
    REQUIRE(::ftruncate(fd, kSize) == 0);  // ends in a hole
    ::close(fd);
  }
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  const struct stat st = StatOf(b.Abs("disk.img"));
  CHECK(st.st_size == kSize);
  CHECK(static_cast<uint64_t>(st.st_blocks) * 512 < (1u << 20));
  CHECK(ReadFile(b.Abs("disk.img")) == ReadFile(a.Abs("disk.img")));
  // Seen as it was written: nothing to send back.
  REQUIRE(b.Sync().ok());
  auto dirty = b.index().DirtyPaths(10);
  REQUIRE(dirty.ok());
  CHECK(dirty->empty());
}

}  // namespace
}  // namespace tessera::daemon::syncer
