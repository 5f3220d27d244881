// A namespace holding names that differ only in case, synced into a folder whose file system
// folds case (testutil::FoldingEnv: these machines' kernels cannot make a casefold directory):
// one name of each pair is written, the other waits with its reason (failing, looked at again)
// and is never written over the first or merged into it; nothing is deleted or re-uploaded on
// either side, and the pair syncs whole once one of them is renamed.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "tests/daemon/test_cluster.h"
#include "tests/testutil/folding_env.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::daemon::syncer {
namespace {

using testing::Exists;
using testing::ReadFile;
using testing::SyncStack;
using testing::TestPeer;
using testing::TestServers;
using testing::TreeOf;
using testing::WriteFile;

// A desktop whose sync root folds case.
struct FoldingPeer {
  explicit FoldingPeer(TestServers& servers)
      : folding(real), stack(servers, folding, log, root.path(), state.path(), "B") {}
  std::string Abs(const std::string& rel) const { return root.path() + "/" + rel; }

  testutil::TempDir root, state;
  common::PosixEnv real;
  testutil::FoldingEnv folding;
  common::Logger log{common::LogLevel::kError};
  SyncStack stack;
};

TEST_CASE("folding: of two names differing in case one is written, the other waits, named") {
  TestServers servers;
  TestPeer a(servers, "A");
  WriteFile(a.Abs("README.txt"), "upper\n");
  WriteFile(a.Abs("Readme.txt"), "mixed\n");
  std::filesystem::create_directories(a.Abs("Docs"));
  std::filesystem::create_directories(a.Abs("docs"));
  WriteFile(a.Abs("Docs/a.txt"), "in Docs\n");
  WriteFile(a.Abs("docs/b.txt"), "in docs\n");
  WriteFile(a.Abs("plain.txt"), "no clash\n");
  REQUIRE(a.Sync().ok());
  const auto before = TreeOf(a.root());

  FoldingPeer b(servers);
  for (int i = 0; i < 3; ++i) (void)b.stack.Sync();
  // In path order the upper-case names came first; their namesakes were not written over
  // them, nor was docs/ merged into Docs/.
  const std::map<std::string, std::string> want_b = {{"Docs", "<dir>"},
                                                     {"Docs/a.txt", "in Docs\n"},
                                                     {"README.txt", "upper\n"},
                                                     {"plain.txt", "no clash\n"}};
  CHECK(TreeOf(b.root.path()) == want_b);
  CHECK(b.stack.engine().failing() == 3);  // Readme.txt, docs, docs/b.txt
  const std::string why = b.stack.engine().failure().message();
  CHECK_MESSAGE(why.find("cannot be kept apart from") != std::string::npos, why);
  auto snapshot = b.stack.index().Snapshot("default");
  REQUIRE(snapshot.ok());
  CHECK(snapshot->failing == 3);
  CHECK(snapshot->errors == 3);
  CHECK(snapshot->download_pending_files >= 2);

  // Nothing went out from B: A's tree is as it was.
  REQUIRE(a.Sync().ok());
  CHECK(TreeOf(a.root()) == before);

  // Renamed on A: the pair syncs whole, and the errors end.
  REQUIRE(std::rename(a.Abs("README.txt").c_str(), a.Abs("README-upper.txt").c_str()) == 0);
  REQUIRE(std::rename(a.Abs("docs").c_str(), a.Abs("docs-lower").c_str()) == 0);
  REQUIRE(a.Sync().ok());
  for (int i = 0; i < 3; ++i) (void)b.stack.Sync();
  const std::map<std::string, std::string> want = {
      {"Docs", "<dir>"},          {"Docs/a.txt", "in Docs\n"}, {"README-upper.txt", "upper\n"},
      {"Readme.txt", "mixed\n"},  {"docs-lower", "<dir>"},     {"docs-lower/b.txt", "in docs\n"},
      {"plain.txt", "no clash\n"}};
  CHECK(TreeOf(b.root.path()) == want);
  CHECK(b.stack.engine().failing() == 0);
  REQUIRE(a.Sync().ok());
  CHECK(TreeOf(a.root()) == want);
}

TEST_CASE("folding: a rename that changes only case reaches a folding folder") {
  TestServers servers;
  TestPeer a(servers, "A");
  std::filesystem::create_directories(a.Abs("Photos"));
  WriteFile(a.Abs("Photos/x.txt"), "x\n");
  WriteFile(a.Abs("Notes.txt"), "the notes\n");
  REQUIRE(a.Sync().ok());
  FoldingPeer b(servers);
  REQUIRE(b.stack.Sync().ok());
  REQUIRE(ReadFile(b.Abs("Notes.txt")) == "the notes\n");

  REQUIRE(std::rename(a.Abs("Notes.txt").c_str(), a.Abs("notes.txt").c_str()) == 0);
  REQUIRE(std::rename(a.Abs("Photos").c_str(), a.Abs("photos").c_str()) == 0);
  REQUIRE(a.Sync().ok());
  for (int i = 0; i < 4; ++i) (void)b.stack.Sync();
  const std::map<std::string, std::string> want = {
      {"notes.txt", "the notes\n"}, {"photos", "<dir>"}, {"photos/x.txt", "x\n"}};
  CHECK(TreeOf(b.root.path()) == want);
  CHECK(b.stack.engine().failing() == 0);
  REQUIRE(a.Sync().ok());
  CHECK(TreeOf(a.root()) == want);
  CHECK_FALSE(Exists(a.Abs("Notes.txt")));
}

}  // namespace
}  // namespace tessera::daemon::syncer
