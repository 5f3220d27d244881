// tests/testutil/fault_env.h itself: which call fails, a torn append, ENOSPC, and what power
// loss keeps (synced data and entries) and undoes (the rest).
#include "tests/testutil/fault_env.h"

#include <doctest/doctest.h>

#include "tests/testutil/temp_dir.h"

namespace tessera::testutil {
namespace {

using common::Code;
using common::PathAt;
using common::PosixEnv;
using common::RenameMode;
using common::Status;

std::optional<std::string> Contents(common::Env& env, const std::string& path) {
  auto data = env.ReadFileToString(path);
  if (!data.ok()) return std::nullopt;
  return *data;
}

// Writes `data` to `path` through `env`, fsyncing it when `sync`.
Status Write(common::Env& env, const std::string& path, std::string_view data, bool sync) {
  TESSERA_ASSIGN_OR_RETURN(auto f, env.NewWritableFile(path));
  TESSERA_RETURN_IF_ERROR(f->Append(data));
  if (sync) TESSERA_RETURN_IF_ERROR(f->Sync());
  return f->Close();
}

TEST_CASE("fault env: the nth mutating call fails once, reads pass, and the count goes on") {
  TempDir dir;
  PosixEnv base;
  FaultEnv env(base);
  REQUIRE(Write(env, dir.Sub("a"), "a", true).ok());  // open, append, sync, close
  CHECK(env.operations() == 4);
  env.FailNthOperation(2);
  CHECK(env.Mkdir(dir.Sub("d"), 0755).ok());                                     // 0
  CHECK(env.Lstat(dir.Sub("a")).ok());                                           // a read
  CHECK(env.RenameAt(dir.Sub("a"), dir.Sub("b"), RenameMode::kNoReplace).ok());  // 1
  const Status s = env.Symlink("b", dir.Sub("l"));                               // 2
  CHECK(s.code() == Code::kIOError);
  CHECK(s.message().find("injected fault") != std::string::npos);
  CHECK(env.fault_fired());
  CHECK(!base.Lstat(dir.Sub("l")).ok());
  CHECK(env.Symlink("b", dir.Sub("l")).ok());  // only once
  CHECK(env.operations() == 8);
}

TEST_CASE("fault env: a mask fails the nth call of one kind, or of any call at all") {
  TempDir dir;
  PosixEnv base;
  FaultEnv env(base);
  REQUIRE(Write(env, dir.Sub("a"), "a", false).ok());
  SUBCASE("the second rename") {
    env.FailNthOperation(1, FaultEnv::kRename);
    CHECK(env.RenameAt(dir.Sub("a"), dir.Sub("b"), RenameMode::kReplace).ok());
    CHECK(env.Mkdir(dir.Sub("d"), 0755).ok());
    CHECK(env.RenameAt(dir.Sub("b"), dir.Sub("c"), RenameMode::kReplace).code() == Code::kIOError);
    CHECK(env.fault_fired());
  }
  SUBCASE("reads and lookups count with kAllOps") {
    env.FailNthOperation(1, FaultEnv::kAllOps);
    CHECK(env.Lstat(dir.Sub("a")).ok());
    CHECK(env.ReadLink(dir.Sub("a")).status().code() == Code::kIOError);
    CHECK(env.ReadFileToString(dir.Sub("a")).ok());
  }
  SUBCASE("a read through an open file") {
    auto r = env.OpenRegularFile(dir.Sub("a"));
    REQUIRE(r.ok());
    env.FailNthOperation(0, FaultEnv::kRead);
    char c;
    CHECK((*r)->Read(0, 1, &c).status().code() == Code::kIOError);
    CHECK(*(*r)->Read(0, 1, &c) == "a");
  }
}

TEST_CASE("fault env: a failed append is torn: half of it reaches the file") {
  TempDir dir;
  PosixEnv base;
  FaultEnv env(base);
  auto f = env.CreateExclusive(dir.Sub("f"), 0644);
  REQUIRE(f.ok());
  env.FailNthOperation(0);
  CHECK((*f)->Append("0123456789").code() == Code::kIOError);
  REQUIRE((*f)->Close().ok());
  CHECK(Contents(base, dir.Sub("f")) == "01234");
}

TEST_CASE("fault env: no space fails creations and appends, not syncs, renames or removals") {
  TempDir dir;
  PosixEnv base;
  FaultEnv env(base);
  auto f = env.NewWritableFile(dir.Sub("f"));
  REQUIRE(f.ok());
  env.SetNoSpace(true);
  CHECK((*f)->Append("x").code() == Code::kNoSpace);
  CHECK((*f)->Sync().ok());
  CHECK(env.NewWritableFile(dir.Sub("g")).status().code() == Code::kNoSpace);
  CHECK(env.CreateExclusive(dir.Sub("g"), 0600).status().code() == Code::kNoSpace);
  CHECK(env.Mkdir(dir.Sub("d"), 0755).code() == Code::kNoSpace);
  CHECK(env.Symlink("f", dir.Sub("l")).code() == Code::kNoSpace);
  CHECK(env.RenameAt(dir.Sub("f"), dir.Sub("h"), RenameMode::kNoReplace).ok());
  CHECK(env.RemoveFileAt(dir.Sub("h")).ok());
  env.SetNoSpace(false);
  CHECK(env.Mkdir(dir.Sub("d"), 0755).ok());
}

TEST_CASE("fault env: power loss keeps synced bytes and entries, drops the rest") {
  TempDir dir;
  PosixEnv base;
  REQUIRE(Write(base, dir.Sub("old"), "before the test", true).ok());
  REQUIRE(base.CreateDirs(dir.Sub("kept")).ok());
  FaultEnv env(base);
  // A file written and synced, but its entry never: gone.
  REQUIRE(Write(env, dir.Sub("kept/unsynced-entry"), "data", true).ok());
  // Entry synced, then more appended without a sync: cut back.
  {
    auto f = env.CreateExclusive(dir.Sub("cut"), 0644);
    REQUIRE(f.ok());
    REQUIRE((*f)->Append("durable ").ok());
    REQUIRE((*f)->Sync().ok());
    REQUIRE(env.SyncDirAt(dir.path()).ok());
    REQUIRE((*f)->Append("lost").ok());
    REQUIRE((*f)->Close().ok());
  }
  // A file that existed before, rewritten without a sync: empty (truncation was durable).
  REQUIRE(Write(env, dir.Sub("old"), "rewritten", false).ok());
  // Directories and symlinks: kept once their parent is synced.
  REQUIRE(env.Mkdir(dir.Sub("d-synced"), 0755).ok());
  REQUIRE(env.Mkdir(dir.Sub("d-synced/inner"), 0755).ok());  // d-synced not synced: lost
  REQUIRE(env.Symlink("old", dir.Sub("l-synced")).ok());
  REQUIRE(env.SyncDirAt(dir.path()).ok());
  REQUIRE(env.Mkdir(dir.Sub("d-lost"), 0755).ok());
  REQUIRE(Write(env, dir.Sub("d-lost/f"), "f", true).ok());
  REQUIRE(env.SyncDirAt(dir.Sub("d-lost")).ok());  // its file is durable in it, it is not
  REQUIRE(env.Symlink("old", dir.Sub("l-lost")).ok());

  env.DropUnsyncedData();
  CHECK(!base.FileExists(dir.Sub("kept/unsynced-entry")));
  CHECK(Contents(base, dir.Sub("cut")) == "durable ");
  CHECK(Contents(base, dir.Sub("old")) == "");
  CHECK(base.Lstat(dir.Sub("d-synced"))->type == common::FileType::kDir);
  CHECK(!base.Lstat(dir.Sub("d-synced/inner")).ok());
  CHECK(*base.ReadLink(dir.Sub("l-synced")) == "old");
  CHECK(!base.Lstat(dir.Sub("d-lost")).ok());
  CHECK(!base.Lstat(dir.Sub("l-lost")).ok());
}

TEST_CASE("fault env: an unsynced rename is undone, a synced one stays") {
  TempDir dir;
  PosixEnv base;
  REQUIRE(Write(base, dir.Sub("user"), "user file", true).ok());
  REQUIRE(Write(base, dir.Sub("target"), "old target", true).ok());
  REQUIRE(base.CreateDirs(dir.Sub("tree/sub")).ok());
  REQUIRE(Write(base, dir.Sub("tree/sub/f"), "f", true).ok());
  REQUIRE(base.CreateDirs(dir.Sub("other")).ok());
  FaultEnv env(base);
  SUBCASE("a file that existed moves back to its name") {
    REQUIRE(env.RenameAt(dir.Sub("user"), dir.Sub("user (copy)"), RenameMode::kNoReplace).ok());
    env.DropUnsyncedData();
    CHECK(Contents(base, dir.Sub("user")) == "user file");
    CHECK(!base.FileExists(dir.Sub("user (copy)")));
  }
  SUBCASE("a new temp file renamed over a target: the target's old contents come back") {
    auto f = env.CreateExclusive(dir.Sub(".tessera-tmp-1"), 0644);
    REQUIRE(f.ok());
    REQUIRE((*f)->Append("new target").ok());
    REQUIRE((*f)->Sync().ok());
    REQUIRE((*f)->Close().ok());
    REQUIRE(env.RenameAt(dir.Sub(".tessera-tmp-1"), dir.Sub("target"), RenameMode::kReplace).ok());
    CHECK(Contents(base, dir.Sub("target")) == "new target");
    env.DropUnsyncedData();
    CHECK(Contents(base, dir.Sub("target")) == "old target");
    CHECK(!base.FileExists(dir.Sub(".tessera-tmp-1")));
  }
  SUBCASE("a directory moves back with what is inside") {
    REQUIRE(env.RenameAt(dir.Sub("tree"), dir.Sub("other/tree"), RenameMode::kNoReplace).ok());
    REQUIRE(Write(env, dir.Sub("other/tree/sub/g"), "g", true).ok());
    REQUIRE(env.SyncDirAt(dir.Sub("other/tree/sub")).ok());
    env.DropUnsyncedData();
    CHECK(Contents(base, dir.Sub("tree/sub/f")) == "f");
    CHECK(Contents(base, dir.Sub("tree/sub/g")) == "g");  // its entry was synced in sub
    CHECK(!base.Lstat(dir.Sub("other/tree")).ok());
  }
  SUBCASE("synced in the target's directory, a rename is durable") {
    REQUIRE(env.RenameAt(dir.Sub("user"), dir.Sub("other/user"), RenameMode::kNoReplace).ok());
    REQUIRE(env.SyncDirAt(dir.Sub("other")).ok());
    env.DropUnsyncedData();
    CHECK(!base.FileExists(dir.Sub("user")));
    CHECK(Contents(base, dir.Sub("other/user")) == "user file");
  }
  SUBCASE("beneath a root, keyed by the same paths") {
    auto root = env.OpenRoot(dir.path());
    REQUIRE(root.ok());
    REQUIRE(env.RenameAt({*root, "user"}, {*root, "renamed"}, RenameMode::kNoReplace).ok());
    REQUIRE(env.Mkdir({*root, "new-dir"}, 0755).ok());
    REQUIRE(env.SyncDirAt(dir.path()).ok());  // the plain path of the same directory
    env.DropUnsyncedData();
    CHECK(Contents(base, dir.Sub("renamed")) == "user file");
    CHECK(base.Lstat(dir.Sub("new-dir")).ok());
  }
}

}  // namespace
}  // namespace tessera::testutil
