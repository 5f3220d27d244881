// A delete made here leaves this desktop's copy in its trash too (Reconstructor::KeepInTrash):
// rebuilt from the blocks still here, else from the blockserver; a rename keeps none (nothing
// was lost).
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "daemon/syncer/local_fs.h"
#include "tests/daemon/test_cluster.h"
#include "tests/testutil/random.h"

namespace tessera::daemon::syncer {
namespace {

using testing::Exists;
using testing::ReadFile;
using testing::TestPeer;
using testing::TestServers;
using testing::WriteFile;

std::string TrashOf(const TestPeer& peer) {
  return peer.state() + "/trash/" + DateString(std::chrono::system_clock::now());
}

size_t FilesUnder(const std::string& dir) {
  if (!std::filesystem::exists(dir)) return 0;
  size_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    n += e.is_regular_file() ? 1 : 0;
  }
  return n;
}

TEST_CASE("trash: a delete that goes out leaves the deleting desktop's copy in its trash") {
  TestServers servers;
  TestPeer a(servers, "A");
  TestPeer b(servers, "B");
  testutil::Random rnd;
  const std::string text = "a text file\nwith lines\n";
  const std::string binary = testutil::RandomBytes(rnd, 3 << 20);  // several blocks, not cached
  std::filesystem::create_directories(a.Abs("docs/deep"));
  WriteFile(a.Abs("docs/deep/notes.txt"), text);
  WriteFile(a.Abs("photo.bin"), binary);
  WriteFile(a.Abs("kept.txt"), "stays\n");
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  REQUIRE(ReadFile(b.Abs("photo.bin")) == binary);

  REQUIRE(::unlink(a.Abs("docs/deep/notes.txt").c_str()) == 0);
  REQUIRE(::unlink(a.Abs("photo.bin").c_str()) == 0);
  REQUIRE(a.Sync().ok());
  CHECK(ReadFile(TrashOf(a) + "/docs/deep/notes.txt") == text);
  CHECK(ReadFile(TrashOf(a) + "/photo.bin") == binary);
  CHECK(FilesUnder(a.state() + "/trash") == 2);
  // No temp file is left in the trash folder, and the delete went out as usual.
  for (const auto& e : std::filesystem::directory_iterator(a.state() + "/trash")) {
    CHECK(e.path().filename().string().rfind(".tessera-tmp-", 0) != 0);
  }
  REQUIRE(b.Sync().ok());
  CHECK_FALSE(Exists(b.Abs("photo.bin")));
  CHECK(ReadFile(TrashOf(b) + "/photo.bin") == binary);  // the receiver's, as before
}

TEST_CASE("trash: a file renamed here keeps no copy in the trash") {
  TestServers servers;
  TestPeer a(servers, "A");
  WriteFile(a.Abs("draft.txt"), "the draft\n");
  REQUIRE(a.Sync().ok());
  REQUIRE(std::rename(a.Abs("draft.txt").c_str(), a.Abs("final.txt").c_str()) == 0);
  REQUIRE(a.Sync().ok());
  CHECK(ReadFile(a.Abs("final.txt")) == "the draft\n");
  CHECK(FilesUnder(a.state() + "/trash") == 0);
}

}  // namespace
}  // namespace tessera::daemon::syncer
