// A folder that vanished is not a folder that was emptied: the root guard pauses sync when the
// root is missing, replaced by an empty folder, or empty where files were synced, and lets it go
// on when the real folder is back (moved, restored, remounted), or when the user starts over.
#include "daemon/syncer/root_guard.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "daemon/scanner/scanner.h"
#include "tests/daemon/test_cluster.h"

namespace tessera::daemon::syncer {
namespace {

namespace fs = std::filesystem;
using testing::Exists;
using testing::ReadFile;
using testing::TestPeer;
using testing::TestServers;
using testing::WriteFile;

std::string Paused(TestPeer& peer) {
  auto why = peer.engine().CheckRoot();
  REQUIRE_MESSAGE(why.ok(), why.status().ToString());
  return *why;
}

std::string Marker(TestPeer& peer) { return peer.Abs(std::string(scanner::kFolderMarker)); }

// A synced folder of a few files on A, on B too.
void SyncedFolder(TestPeer& a, TestPeer& b) {
  for (int i = 0; i < 5; ++i)
    WriteFile(a.Abs("f" + std::to_string(i)), "file " + std::to_string(i));
  REQUIRE(Paused(a).empty());
  REQUIRE(a.Sync().ok());
  REQUIRE(Paused(b).empty());
  REQUIRE(b.Sync().ok());
  REQUIRE(Exists(b.Abs("f4")));
}

TEST_CASE("root guard: the first look writes the marker, which is never synced") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  SyncedFolder(a, b);
  CHECK(Exists(Marker(a)));
  CHECK(ReadFile(Marker(a)).find("folder ") != std::string::npos);
  // B has its own marker, with another token: A's was not synced to it.
  CHECK(ReadFile(Marker(b)) != ReadFile(Marker(a)));
  auto row = a.index().Get(std::string(scanner::kFolderMarker));
  REQUIRE(row.ok());
  CHECK_FALSE(row->has_value());
}

TEST_CASE("root guard: a folder deleted, then made again empty, stays paused; nothing is deleted") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  SyncedFolder(a, b);
  fs::remove_all(a.root());
  const std::string missing = Paused(a);
  CHECK(missing.find("is missing") != std::string::npos);
  fs::create_directory(a.root());
  const std::string replaced = Paused(a);
  CHECK(replaced.find("marker") != std::string::npos);
  CHECK(replaced.find("tessera resume --start-over --state " + a.state()) != std::string::npos);
  // B keeps every file (A sent nothing: the syncer does not scan a paused folder).
  REQUIRE(b.Sync().ok());
  CHECK(Exists(b.Abs("f0")));

  // Starting over takes the empty folder as it is: what is missing is fetched, not deleted.
  REQUIRE(a.engine().StartOver().ok());
  CHECK(Paused(a).empty());
  REQUIRE(a.Sync().ok());
  for (int i = 0; i < 5; ++i)
    CHECK(ReadFile(a.Abs("f" + std::to_string(i))) == "file " + std::to_string(i));
  REQUIRE(b.Sync().ok());
  CHECK(Exists(b.Abs("f4")));
}

TEST_CASE("root guard: a folder moved away and back, or restored with its marker, goes on") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  SyncedFolder(a, b);
  const std::string aside = a.root() + ".disk";
  fs::rename(a.root(), aside);
  fs::create_directory(a.root());  // the empty mount point of a disk not mounted
  CHECK_FALSE(Paused(a).empty());
  fs::remove(a.root());
  // Copied back (a new inode, as from a backup or another disk), marker included.
  fs::copy(aside, a.root(), fs::copy_options::recursive);
  fs::remove_all(aside);
  CHECK(Paused(a).empty());
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  CHECK(Exists(b.Abs("f0")));
}

TEST_CASE("root guard: a marker deleted by hand in the same, non-empty folder is written again") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  SyncedFolder(a, b);
  const std::string before = ReadFile(Marker(a));
  fs::remove(Marker(a));
  CHECK(Paused(a).empty());
  CHECK(ReadFile(Marker(a)) == before);
}

TEST_CASE("root guard: an empty folder where the index holds files pauses even on first look") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  // A state dir from before markers: files synced, no token recorded yet.
  for (int i = 0; i < 3; ++i) WriteFile(a.Abs("g" + std::to_string(i)), "g");
  REQUIRE(a.Sync().ok());
  for (int i = 0; i < 3; ++i) fs::remove(a.Abs("g" + std::to_string(i)));
  const std::string why = Paused(a);
  CHECK(why.find("is empty") != std::string::npos);
  WriteFile(a.Abs("g0"), "g");  // not empty: taken as the folder, the marker written
  CHECK(Paused(a).empty());
  CHECK(Exists(Marker(a)));
}

TEST_CASE("root guard: a folder holding another folder's marker is paused") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  SyncedFolder(a, b);
  fs::copy_file(Marker(b), Marker(a), fs::copy_options::overwrite_existing);
  CHECK(Paused(a).find("another Tessera folder") != std::string::npos);
}

}  // namespace
}  // namespace tessera::daemon::syncer
