// Names the journal cannot hold (not valid UTF-8) are skipped with their reason in status and
// never block the rest of the folder.
#include <doctest/doctest.h>

#include <cstdio>
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

TEST_CASE("names: a name that is not valid UTF-8 is skipped, named in status, the rest syncs") {
  TestServers servers;
  TestPeer a(servers, "A");
  TestPeer b(servers, "B");
  WriteFile(a.Abs("caf\xe9.txt"), "latin-1 name\n");  // Latin-1 "café.txt"
  WriteFile(a.Abs("good.txt"), "fine\n");
  std::filesystem::create_directory(a.Abs("sub"));
  WriteFile(a.Abs("sub/also good.txt"), "fine too\n");
  const auto synced = a.Sync();
  REQUIRE_MESSAGE(synced.ok(), synced.ToString());
  REQUIRE(b.Sync().ok());
  CHECK(ReadFile(b.Abs("good.txt")) == "fine\n");
  CHECK(ReadFile(b.Abs("sub/also good.txt")) == "fine too\n");
  CHECK_FALSE(Exists(b.Abs("caf\xe9.txt")));
  CHECK(Exists(a.Abs("caf\xe9.txt")));  // never touched

  auto snapshot = a.index().Snapshot("default");
  REQUIRE(snapshot.ok());
  CHECK(snapshot->skipped_names.find("1 name(s)") != std::string::npos);
  CHECK(snapshot->skipped_names.find("caf\\xe9.txt") != std::string::npos);
  CHECK(snapshot->skipped_names.find("UTF-8") != std::string::npos);
  // A name that cannot sync is an error in status, not a quiet folder.
  CHECK(snapshot->skipped == 1);
  CHECK(snapshot->errors == 1);

  // Renamed to a valid name: synced, and nothing is skipped any more.
  std::rename(a.Abs("caf\xe9.txt").c_str(), a.Abs("caf\xc3\xa9.txt").c_str());
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  CHECK(ReadFile(b.Abs("caf\xc3\xa9.txt")) == "latin-1 name\n");
  snapshot = a.index().Snapshot("default");
  REQUIRE(snapshot.ok());
  CHECK(snapshot->skipped_names.empty());
  CHECK(snapshot->errors == 0);
}

TEST_CASE("names: another desktop with this one's device name is reported, once") {
  TestServers servers;
  TestPeer first(servers, "laptop");
  TestPeer second(servers, "laptop");  // a copy of a machine, or the host name twice
  TestPeer other(servers, "desktop");
  WriteFile(first.Abs("before.txt"), "made before the second one ever listed\n");
  REQUIRE(first.Sync().ok());
  REQUIRE(second.Sync().ok());
  REQUIRE(other.Sync().ok());
  // What was there before a state dir's first listing may be this desktop's own, reinstalled.
  auto snap = second.index().Snapshot("default");
  REQUIRE(snap.ok());
  CHECK(snap->warning.empty());

  WriteFile(first.Abs("after.txt"), "new\n");
  REQUIRE(first.Sync().ok());
  REQUIRE(second.Sync().ok());
  REQUIRE(other.Sync().ok());
  snap = second.index().Snapshot("default");
  REQUIRE(snap.ok());
  CHECK(snap->warning.find("another desktop also calls itself 'laptop'") != std::string::npos);
  CHECK(snap->warning.find("--device") != std::string::npos);
  // Its own entries listed back warn nobody, nor do another name's.
  snap = first.index().Snapshot("default");
  REQUIRE(snap.ok());
  CHECK(snap->warning.empty());
  snap = other.index().Snapshot("default");
  REQUIRE(snap.ok());
  CHECK(snap->warning.empty());
}

TEST_CASE("names: this desktop's own entries listed back between others' warn nobody") {
  TestServers servers;
  TestPeer a(servers, "A");
  TestPeer b(servers, "B");
  std::filesystem::create_directories(a.Abs("album/2026"));
  WriteFile(a.Abs("album/2026/one.txt"), "one\n");
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  for (int i = 0; i < 3; ++i) {
    // B's commit comes between two of A's, so A lists its own second one back.
    WriteFile(a.Abs("a" + std::to_string(i) + ".txt"), "from A\n");
    REQUIRE(a.Sync().ok());
    WriteFile(b.Abs("b" + std::to_string(i) + ".txt"), "from B\n");
    REQUIRE(b.Sync().ok());
  }
  // A directory renamed here is one move entry, listed back too.
  REQUIRE(std::rename(a.Abs("album").c_str(), a.Abs("photos").c_str()) == 0);
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  REQUIRE(a.Sync().ok());
  CHECK(Exists(b.Abs("photos/2026/one.txt")));
  for (TestPeer* peer : {&a, &b}) {
    auto snap = peer->index().Snapshot("default");
    REQUIRE(snap.ok());
    CHECK_MESSAGE(snap->warning.empty(), snap->warning);
  }
}

}  // namespace
}  // namespace tessera::daemon::syncer
