#include "common/env.h"

#include <doctest/doctest.h>

#include "tests/testutil/temp_dir.h"

namespace tessera::common {
namespace {

TEST_CASE("env: write, append, read back, list and rename") {
  testutil::TempDir dir;
  PosixEnv env;
  REQUIRE(env.CreateDirs(dir.Sub("a/b")).ok());
  const std::string f = dir.Sub("a/b/f");
  {
    auto w = env.NewWritableFile(f);
    REQUIRE(w.ok());
    REQUIRE((*w)->Append("hello ").ok());
    REQUIRE((*w)->Sync().ok());
    REQUIRE((*w)->Close().ok());
  }
  {
    auto w = env.NewAppendableFile(f);
    REQUIRE(w.ok());
    CHECK((*w)->Size() == 6);
    REQUIRE((*w)->Append("world").ok());
    REQUIRE((*w)->Close().ok());
  }
  CHECK(*env.ReadFileToString(f) == "hello world");
  auto r = env.NewRandomAccessFile(f);
  REQUIRE(r.ok());
  char buf[16];
  CHECK(*(*r)->Read(6, 16, buf) == "world");
  CHECK(*env.ListDir(dir.Sub("a/b")) == std::vector<std::string>{"f"});
  REQUIRE(env.RenameFile(f, dir.Sub("a/g")).ok());
  CHECK(!env.FileExists(f));
  CHECK(env.ReadFileToString(f).status().code() == Code::kNotFound);
}

TEST_CASE("env: atomic write replaces the whole file and leaves no temp behind") {
  testutil::TempDir dir;
  PosixEnv env;
  const std::string f = dir.Sub("target");
  REQUIRE(WriteFileAtomically(env, f, "old").ok());
  REQUIRE(WriteFileAtomically(env, f, "new contents").ok());
  CHECK(*env.ReadFileToString(f) == "new contents");
  CHECK(env.ListDir(dir.path())->size() == 1);
  CHECK(!WriteFileAtomically(env, dir.Sub("missing/x"), "y").ok());
}

}  // namespace
}  // namespace tessera::common
