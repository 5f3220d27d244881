// A block the journal references but the blockserver lost: the desktop that cannot download
// it names the file in its status and reports it; the metaserver asks desktops for it; one
// that holds a copy stores it again; the download then succeeds.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "tests/daemon/test_cluster.h"
#include "tests/testutil/random.h"

namespace tessera::daemon::syncer {
namespace {

using testing::Exists;
using testing::ReadFile;
using testing::TestPeer;
using testing::TestServers;
using testing::WriteFile;

// Removes every block file of the blockserver; returns how many.
size_t LoseAllBlocks(const TestServers& servers) {
  size_t n = 0;
  namespace fs = std::filesystem;
  for (const auto& e : fs::recursive_directory_iterator(servers.block_dir())) {
    if (e.is_regular_file() && e.path().filename().string().size() == 64) {
      fs::remove(e.path());
      ++n;
    }
  }
  return n;
}

std::string LastError(TestPeer& peer) {
  auto snapshot = peer.index().Snapshot("default");
  REQUIRE(snapshot.ok());
  return snapshot->last_error;
}

TEST_CASE("heal: a block the blockserver lost is stored again by a desktop that has it") {
  TestServers servers;
  TestPeer a(servers, "A");
  TestPeer b(servers, "B");
  testutil::Random random;
  const std::string data = testutil::RandomBytes(random, 300'000);
  WriteFile(a.Abs("photo.raw"), data);
  REQUIRE(a.Sync().ok());
  REQUIRE(LoseAllBlocks(servers) > 0);

  // B cannot download it: the path is named, nothing is written, the file stays to fetch.
  (void)b.Sync();
  CHECK_FALSE(Exists(b.Abs("photo.raw")));
  CHECK(LastError(b).find("photo.raw") != std::string::npos);
  auto pending = b.index().PendingPaths(10);
  REQUIRE(pending.ok());
  CHECK(pending->size() == 1);

  // A learns with its next list page that the block is wanted, and stores it again.
  REQUIRE(a.Sync().ok());
  CHECK(a.engine().healed() > 0);

  // B's next attempt downloads it.
  REQUIRE(b.Sync().ok());
  REQUIRE(Exists(b.Abs("photo.raw")));
  CHECK(ReadFile(b.Abs("photo.raw")) == data);
  // Nothing is wanted any more: a third sync of A stores nothing.
  const uint64_t healed = a.engine().healed();
  REQUIRE(a.Sync().ok());
  CHECK(a.engine().healed() == healed);
}

TEST_CASE("heal: a local copy that no longer matches is not stored; the download waits") {
  TestServers servers;
  TestPeer a(servers, "A");
  TestPeer b(servers, "B");
  const std::string old_data(50'000, 'g');
  WriteFile(a.Abs("notes.txt"), old_data);
  REQUIRE(a.Sync().ok());
  REQUIRE(LoseAllBlocks(servers) > 0);
  (void)b.Sync();  // reports the lost blocks
  CHECK(LastError(b).find("notes.txt") != std::string::npos);
  // A's file changed on disk (same size) and is not scanned yet: what the index says it holds
  // fails the id check, so nothing is stored.
  WriteFile(a.Abs("notes.txt"), std::string(50'000, 'h'));
  REQUIRE(a.engine().Pull().ok());
  CHECK(a.engine().healed() == 0);
  (void)b.Sync();
  CHECK_FALSE(Exists(b.Abs("notes.txt")));
  // Once A syncs its edit, B gets the new version whole.
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  CHECK(ReadFile(b.Abs("notes.txt")) == std::string(50'000, 'h'));
}

}  // namespace
}  // namespace tessera::daemon::syncer
