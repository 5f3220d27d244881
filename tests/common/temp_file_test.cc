// The atomic-publish helper (common/temp_file.h): what it leaves behind when it works, when the
// caller or a precondition stops it, and at every fault point (fail the Nth call, then power
// loss): the target is always the old content or the new, and no temp file stays.
#include "common/temp_file.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include "common/temp_name.h"
#include "tests/testutil/fault_env.h"
#include "tests/testutil/random.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::common {
namespace {

std::optional<std::string> Contents(Env& env, const std::string& path) {
  auto data = env.ReadFileToString(path);
  if (!data.ok()) return std::nullopt;
  return *data;
}

// Publishes `data` to `target` through `env` in three appends, with mode and mtime set.
Status PublishThree(Env& env, const PathAt& target, std::string_view data,
                    const PublishOptions& options = {}) {
  TESSERA_ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(env, target, 0600));
  const size_t third = data.size() / 3;
  TESSERA_RETURN_IF_ERROR(tmp.file().Append(data.substr(0, third)));
  TESSERA_RETURN_IF_ERROR(tmp.file().Append(data.substr(third, third)));
  TESSERA_RETURN_IF_ERROR(tmp.file().Append(data.substr(2 * third)));
  TESSERA_RETURN_IF_ERROR(tmp.file().Chmod(0644));
  TESSERA_RETURN_IF_ERROR(tmp.file().SetMtime(1'700'000'000'000'000'000));
  TESSERA_RETURN_IF_ERROR(tmp.file().Stat().status());
  return tmp.Publish(options);
}

TEST_CASE("temp file: publish replaces the target with the new bytes, mode and time") {
  testutil::TempDir dir;
  PosixEnv env;
  REQUIRE(WriteFileAtomically(env, dir.Sub("t"), "old").ok());
  REQUIRE(PublishThree(env, dir.Sub("t"), "brand new contents").ok());
  CHECK(Contents(env, dir.Sub("t")) == "brand new contents");
  const auto st = env.Lstat(dir.Sub("t"));
  CHECK(st->mode == 0644);
  CHECK(st->mtime_ns == 1'700'000'000'000'000'000);
  CHECK(*env.ListDir(dir.path()) == std::vector<std::string>{"t"});
}

TEST_CASE("temp file: its name is a temp name beside the target, removed unless published") {
  testutil::TempDir dir;
  PosixEnv env;
  std::string temp;
  {
    auto tmp = TempFile::Create(env, dir.Sub("t"));
    REQUIRE(tmp.ok());
    temp = tmp->path().path;
    CHECK(temp.starts_with(dir.path() + "/"));
    CHECK(IsTempName(temp.substr(dir.path().size() + 1)));
    CHECK(tmp->target_dir().path == dir.path());
    REQUIRE(tmp->file().Append("abandoned").ok());
    CHECK(env.FileExists(temp));
  }
  CHECK(!env.FileExists(temp));
  CHECK(!env.FileExists(dir.Sub("t")));
  CHECK(env.ListDir(dir.path())->empty());
  CHECK(TempFile::Create(env, dir.Sub("missing/t")).status().code() == Code::kNotFound);
  CHECK(TempFile::Create(env, dir.path() + "/").status().code() == Code::kInvalidArgument);
}

TEST_CASE("temp file: a tagged temp name is told apart from names that only look like one") {
  const std::string tagged = TempFileName("ab12cd34");
  CHECK(IsTempName(tagged));
  CHECK(IsTempNameOf(tagged, "ab12cd34"));
  CHECK_FALSE(IsTempNameOf(tagged, "ab12cd35"));
  CHECK_FALSE(IsTempNameOf(tagged, ""));
  CHECK(IsTempNameOf(TempFileName(), ""));
  CHECK_FALSE(IsTempNameOf(TempFileName(), "ab12cd34"));
  for (const std::string name :
       {".tessera-tmp-", ".tessera-tmp-notes.txt", ".tessera-tmp-ab12cd34-",
        ".tessera-tmp-ab12cd34", ".tessera-tmp-ab12cd34-0123456789abcdeF",
        ".tessera-tmp-ab12cd34-0123456789abcdef0", ".tessera-tmp-ab12cd34-0123456789abcde",
        "x.tessera-tmp-ab12cd34-0123456789abcdef"}) {
    CAPTURE(name);
    CHECK_FALSE(IsTempNameOf(name, "ab12cd34"));
  }
  CHECK(IsTempNameOf(".tessera-tmp-ab12cd34-0123456789abcdef", "ab12cd34"));
  auto dir = TempPathIn("sub/dir", "ab12cd34");
  CHECK(dir.starts_with("sub/dir/.tessera-tmp-ab12cd34-"));
}

TEST_CASE("temp file: without replacing, it publishes to a free name only") {
  testutil::TempDir dir;
  PosixEnv env;
  PublishOptions no_replace;
  no_replace.mode = RenameMode::kNoReplace;
  REQUIRE(PublishThree(env, dir.Sub("free"), "first", no_replace).ok());
  CHECK(Contents(env, dir.Sub("free")) == "first");
  CHECK(PublishThree(env, dir.Sub("free"), "second", no_replace).code() == Code::kConflict);
  CHECK(Contents(env, dir.Sub("free")) == "first");
  CHECK(env.ListDir(dir.path())->size() == 1);
}

TEST_CASE("temp file: a precondition that fails stops the publish before the rename") {
  testutil::TempDir dir;
  PosixEnv env;
  REQUIRE(WriteFileAtomically(env, dir.Sub("t"), "local edit").ok());
  int checks = 0;
  PublishOptions only_if;
  only_if.precondition = [&]() -> Status {
    ++checks;
    // The temp file is complete and closed by now.
    CHECK(env.ListDir(dir.path())->size() == 2);
    return Conflict("changed locally");
  };
  const Status s = PublishThree(env, dir.Sub("t"), "download", only_if);
  CHECK(s.code() == Code::kConflict);
  CHECK(s.message() == "changed locally");
  CHECK(checks == 1);
  CHECK(Contents(env, dir.Sub("t")) == "local edit");
  CHECK(env.ListDir(dir.path())->size() == 1);
  only_if.precondition = [&]() -> Status {
    ++checks;
    return Status::Ok();
  };
  REQUIRE(PublishThree(env, dir.Sub("t"), "download", only_if).ok());
  CHECK(checks == 2);
  CHECK(Contents(env, dir.Sub("t")) == "download");
}

TEST_CASE("temp file: beneath a root the temp file sits beside the target, never via a link") {
  testutil::TempDir dir;
  PosixEnv env;
  REQUIRE(env.CreateDirs(dir.Sub("root/sub")).ok());
  REQUIRE(env.CreateDirs(dir.Sub("outside")).ok());
  REQUIRE(::symlink(dir.Sub("outside").c_str(), dir.Sub("root/link").c_str()) == 0);
  auto root = env.OpenRoot(dir.Sub("root"));
  REQUIRE(root.ok());
  REQUIRE(PublishThree(env, {*root, "sub/f"}, "in the root").ok());
  REQUIRE(PublishThree(env, {*root, "top"}, "at the top").ok());
  CHECK(Contents(env, dir.Sub("root/sub/f")) == "in the root");
  CHECK(Contents(env, dir.Sub("root/top")) == "at the top");
  CHECK(PublishThree(env, {*root, "link/f"}, "escape").code() == Code::kNotFound);
  CHECK(env.ListDir(dir.Sub("outside"))->empty());
  CHECK(env.ListDir(dir.Sub("root/sub"))->size() == 1);
}

TEST_CASE("temp file: with the directory sync left to the caller, it names the directory") {
  testutil::TempDir dir;
  PosixEnv base;
  testutil::FaultEnv env(base);
  PublishOptions deferred;
  deferred.sync_dir = false;
  auto tmp = TempFile::Create(env, dir.Sub("t"));
  REQUIRE(tmp.ok());
  REQUIRE(tmp->file().Append("x").ok());
  REQUIRE(tmp->Publish(deferred).ok());
  // Not durable yet: power loss now loses the new file...
  testutil::TempDir dir2;
  {
    testutil::FaultEnv lossy(base);
    auto t2 = TempFile::Create(lossy, dir2.Sub("t"));
    REQUIRE(t2.ok());
    REQUIRE(t2->file().Append("y").ok());
    REQUIRE(t2->Publish(deferred).ok());
    lossy.DropUnsyncedData();
    CHECK(!base.FileExists(dir2.Sub("t")));
  }
  // ...and once the caller syncs the directory it is kept.
  REQUIRE(env.SyncDirAt(tmp->target_dir()).ok());
  env.DropUnsyncedData();
  CHECK(Contents(base, dir.Sub("t")) == "x");
}

// One fault walk: for every fail_at, fail that operation (of the kinds in `ops`), cut the power,
// and check the target and the directory.
void WalkFaults(uint32_t ops, bool had_old, const PublishOptions& options) {
  testutil::Random rnd;
  const std::string fresh = testutil::RandomBytes(rnd, 10'000 + rnd.Uniform(5'000));
  int fail_at = 0;
  for (;; ++fail_at) {
    CAPTURE(fail_at);
    testutil::TempDir dir;
    PosixEnv posix;
    const std::string target = dir.Sub("file");
    if (had_old) REQUIRE(WriteFileAtomically(posix, target, "old\n").ok());
    testutil::FaultEnv env(posix);
    env.FailNthOperation(fail_at, ops);
    const Status s = PublishThree(env, target, fresh, options);
    const bool fired = env.fault_fired();
    CHECK(s.ok() == !fired);
    // Whole old or whole new, never partial (new on error only if the final directory fsync
    // failed), and no temp file left behind.
    const auto before = Contents(posix, target);
    if (had_old) {
      CHECK((before == "old\n" || before == fresh));
    } else {
      CHECK((!before || before == fresh));
    }
    CHECK(posix.ListDir(dir.path())->size() == (before ? 1u : 0u));
    env.DropUnsyncedData();
    const auto after = Contents(posix, target);
    if (had_old) {
      CHECK((after == "old\n" || after == fresh));
    } else {
      CHECK((!after || after == fresh));
    }
    if (s.ok()) CHECK(after == fresh);  // acknowledged means durable
    if (!fired) break;
  }
  CHECK(fail_at >= 8);
}

TEST_CASE("temp file: every failed operation leaves the old target or the new one") {
  SUBCASE("mutating calls") { WalkFaults(testutil::FaultEnv::kMutating, true, {}); }
  SUBCASE("every call") { WalkFaults(testutil::FaultEnv::kAllOps, true, {}); }
  SUBCASE("no target yet, without replacing") {
    PublishOptions no_replace;
    no_replace.mode = RenameMode::kNoReplace;
    WalkFaults(testutil::FaultEnv::kMutating, false, no_replace);
  }
}

TEST_CASE("temp file: a full disk fails the publish with NoSpace, old target kept") {
  testutil::TempDir dir;
  PosixEnv posix;
  REQUIRE(WriteFileAtomically(posix, dir.Sub("t"), "old").ok());
  testutil::FaultEnv env(posix);
  env.SetNoSpace(true);
  CHECK(PublishThree(env, dir.Sub("t"), "new").code() == Code::kNoSpace);
  CHECK(WriteFileAtomically(env, dir.Sub("t"), "new").code() == Code::kNoSpace);
  env.SetNoSpace(false);
  CHECK(Contents(posix, dir.Sub("t")) == "old");
  CHECK(posix.ListDir(dir.path())->size() == 1);
}

TEST_CASE("write file atomically: every failed operation leaves the old file or the new one") {
  for (int fail_at = 0;; ++fail_at) {
    CAPTURE(fail_at);
    testutil::TempDir dir;
    PosixEnv posix;
    REQUIRE(WriteFileAtomically(posix, dir.Sub("f"), "old").ok());
    testutil::FaultEnv env(posix);
    env.FailNthOperation(fail_at);
    const Status s = WriteFileAtomically(env, dir.Sub("f"), "new");
    CHECK(s.ok() == !env.fault_fired());
    CHECK(posix.ListDir(dir.path())->size() == 1);
    env.DropUnsyncedData();
    const auto after = Contents(posix, dir.Sub("f"));
    CHECK((after == "old" || after == "new"));
    if (s.ok()) CHECK(after == "new");
    if (!env.fault_fired()) break;
  }
}

}  // namespace
}  // namespace tessera::common
