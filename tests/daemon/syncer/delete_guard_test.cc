// A mass delete waits for a yes: more than 100 files and more than half of the folder deleted
// here are held (not sent), and so is such a delete arriving from the journal (not applied);
// a confirm lets them through, a restore undoes them. Fewer deletes go at once.
#include "daemon/syncer/delete_guard.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "tests/daemon/test_cluster.h"

namespace tessera::daemon::syncer {
namespace {

using testing::Exists;
using testing::ReadFile;
using testing::TestPeer;
using testing::TestServers;
using testing::WriteFile;

constexpr int kFiles = 200;

std::string Name(int i) { return "docs/f" + std::to_string(i) + ".txt"; }
std::string Content(int i) { return "the text of file " + std::to_string(i) + "\n"; }

void WriteFolder(TestPeer& peer) {
  std::filesystem::create_directories(peer.Abs("docs"));
  for (int i = 0; i < kFiles; ++i) WriteFile(peer.Abs(Name(i)), Content(i));
}

void DeleteFirst(TestPeer& peer, int n) {
  for (int i = 0; i < n; ++i) std::filesystem::remove(peer.Abs(Name(i)));
}

int CountPresent(TestPeer& peer) {
  int n = 0;
  for (int i = 0; i < kFiles; ++i) n += Exists(peer.Abs(Name(i))) ? 1 : 0;
  return n;
}

index::StatusSnapshot Status(TestPeer& peer) {
  auto s = peer.index().Snapshot("default");
  REQUIRE(s.ok());
  return *s;
}

TEST_CASE("mass delete: the limits are more than 100 files and more than half the folder") {
  const SyncConfig config;
  CHECK_FALSE(IsMassDelete(100, 150, config));  // not more than 100 files
  CHECK_FALSE(IsMassDelete(101, 202, config));  // not more than half
  CHECK(IsMassDelete(101, 201, config));
  CHECK_FALSE(IsMassDelete(90, 100, config));
  SyncConfig tight = config;
  tight.mass_delete_files = 5;
  tight.mass_delete_percent = 10;
  CHECK(IsMassDelete(6, 50, tight));
  CHECK_FALSE(IsMassDelete(5, 50, tight));
}

TEST_CASE("mass delete: a few deletes go at once") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  WriteFolder(a);
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  REQUIRE(CountPresent(b) == kFiles);
  DeleteFirst(a, 100);  // half of 200, but not more than 100 files
  REQUIRE(a.Sync().ok());
  CHECK(Status(a).held_outgoing == 0);
  REQUIRE(b.Sync().ok());
  CHECK(Status(b).held_incoming == 0);
  CHECK(CountPresent(b) == kFiles - 100);
}

TEST_CASE("mass delete: deletes made here are held until confirmed, then held again elsewhere") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  WriteFolder(a);
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  DeleteFirst(a, 150);
  WriteFile(a.Abs("docs/new.txt"), "made while deleting");
  REQUIRE(a.Sync().ok());
  CHECK(Status(a).held_outgoing == 150);
  // Nothing was sent; the rest of the folder still syncs.
  REQUIRE(b.Sync().ok());
  CHECK(CountPresent(b) == kFiles);
  CHECK(ReadFile(b.Abs("docs/new.txt")) == "made while deleting");
  // A second look holds them still.
  REQUIRE(a.Sync().ok());
  CHECK(Status(a).held_outgoing == 150);

  auto confirmed = a.index().ConfirmHeldDeletes();
  REQUIRE(confirmed.ok());
  CHECK(*confirmed == 150);
  REQUIRE(a.Sync().ok());
  CHECK(Status(a).held_outgoing == 0);
  // On B the same deletes are a mass delete arriving: held, the files kept.
  REQUIRE(b.Sync().ok());
  CHECK(Status(b).held_incoming == 150);
  CHECK(CountPresent(b) == kFiles);
  REQUIRE(b.index().ConfirmHeldDeletes().ok());
  REQUIRE(b.Sync().ok());
  CHECK(Status(b).held_incoming == 0);
  CHECK(CountPresent(b) == kFiles - 150);
  CHECK(CountPresent(a) == kFiles - 150);
  // Later deletes are weighed afresh: 10 more go at once.
  for (int i = 150; i < 160; ++i) std::filesystem::remove(a.Abs(Name(i)));
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  CHECK(CountPresent(b) == kFiles - 160);
}

TEST_CASE("mass delete: a restore brings the files deleted here back, from the servers") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  WriteFolder(a);
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  DeleteFirst(a, 150);
  REQUIRE(a.Sync().ok());
  REQUIRE(Status(a).held_outgoing == 150);
  auto restored = a.index().RestoreHeldDeletes();
  REQUIRE(restored.ok());
  CHECK(*restored == 150);
  REQUIRE(a.Sync().ok());
  CHECK(Status(a).held_outgoing == 0);
  REQUIRE(CountPresent(a) == kFiles);
  for (int i = 0; i < kFiles; ++i) CHECK(ReadFile(a.Abs(Name(i))) == Content(i));
  REQUIRE(b.Sync().ok());
  CHECK(CountPresent(b) == kFiles);
  // Nothing is left to do on either side.
  CHECK(Status(a).upload_pending_files == 0);
  CHECK(Status(a).download_pending_files == 0);
}

TEST_CASE(
    "mass delete: a restore of a delete from elsewhere keeps the files and sends them again") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  WriteFolder(a);
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  DeleteFirst(a, 150);
  REQUIRE(a.Sync().ok());
  REQUIRE(a.index().ConfirmHeldDeletes().ok());
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  REQUIRE(Status(b).held_incoming == 150);
  REQUIRE(b.index().RestoreHeldDeletes().ok());
  REQUIRE(b.Sync().ok());
  CHECK(Status(b).held_incoming == 0);
  CHECK(CountPresent(b) == kFiles);
  // A gets them back (new files to it: nothing to hold).
  REQUIRE(a.Sync().ok());
  CHECK(CountPresent(a) == kFiles);
  for (int i = 0; i < kFiles; ++i) CHECK(ReadFile(a.Abs(Name(i))) == Content(i));
}

TEST_CASE("mass delete: files put back by hand are no longer held; the rest then goes") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  WriteFolder(a);
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  DeleteFirst(a, 150);
  REQUIRE(a.Sync().ok());
  REQUIRE(Status(a).held_outgoing == 150);
  // 100 of them put back as they were: 50 deletes left, no mass delete any more.
  for (int i = 0; i < 100; ++i) WriteFile(a.Abs(Name(i)), Content(i));
  REQUIRE(a.Sync().ok());
  CHECK(Status(a).held_outgoing == 0);
  REQUIRE(b.Sync().ok());
  CHECK(CountPresent(b) == kFiles - 50);
  for (int i = 0; i < 100; ++i) CHECK(Exists(b.Abs(Name(i))));
}

}  // namespace
}  // namespace tessera::daemon::syncer
