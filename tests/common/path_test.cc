#include "common/path.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "tests/testutil/temp_dir.h"

namespace tessera::common {
namespace {

TEST_CASE("path: ordinary relative paths are accepted") {
  const std::string long_segment(255, 'n');
  for (const char* p :
       {"a", "a/b/c.txt", ".hidden", "a/..b", "...", "x y/é/ü", long_segment.c_str()}) {
    CHECK_MESSAGE(ValidateRelativePath(p).ok(), std::string(p));
  }
}

TEST_CASE("path: hostile paths are refused") {
  const std::string with_nul("a\0b", 3);
  const std::string long_segment = "a/" + std::string(256, 's');
  std::string too_long;
  while (too_long.size() <= kMaxPathBytes) too_long += "abcdefgh/";
  too_long += "x";
  for (const std::string& p :
       {std::string(), std::string("/etc/passwd"), std::string("/"), std::string(".."),
        std::string("."), std::string("../x"), std::string("a/../../x"), std::string("a/./b"),
        std::string("a/.."), std::string("a//b"), std::string("a/"), std::string("//a"),
        std::string("a\\..\\b"), with_nul, long_segment, too_long, std::string("a\xff\xfe"),
        std::string("caf\xe9.txt")}) {
    const Status s = ValidateRelativePath(p);
    CHECK_MESSAGE(s.code() == Code::kInvalidArgument, p);
  }
}

TEST_CASE("path: a name that is not UTF-8 is refused, and shown escaped") {
  const Status s = ValidateRelativePath("dir/caf\xe9.txt");
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.message().find("dir/caf\\xe9.txt") != std::string::npos);
  CHECK(s.message().find("UTF-8") != std::string::npos);
}

TEST_CASE("path: safe join builds root/rel and accepts missing components") {
  testutil::TempDir dir;
  auto joined = SafeJoin(dir.path(), "a/b/c");
  REQUIRE(joined.ok());
  CHECK(*joined == dir.path() + "/a/b/c");
  auto with_slash = SafeJoin(dir.path() + "/", "f");
  REQUIRE(with_slash.ok());
  CHECK(*with_slash == dir.path() + "/f");
  REQUIRE(::mkdir(dir.Sub("a").c_str(), 0755) == 0);
  CHECK(SafeJoin(dir.path(), "a/b/c").ok());
  CHECK(!SafeJoin(dir.path(), "a/../../etc").ok());
}

TEST_CASE("path: safe join refuses to go through a symlinked directory") {
  testutil::TempDir dir;
  testutil::TempDir outside;
  REQUIRE(::mkdir(dir.Sub("a").c_str(), 0755) == 0);
  REQUIRE(::symlink(outside.path().c_str(), dir.Sub("a/link").c_str()) == 0);
  CHECK(SafeJoin(dir.path(), "a/link/x").status().code() == Code::kInvalidArgument);
  CHECK(SafeJoin(dir.path(), "a/link/deeper/x").status().code() == Code::kInvalidArgument);
  // The last component may be a symlink: it is replaced, never followed.
  CHECK(SafeJoin(dir.path(), "a/link").ok());
  // A dangling symlink is refused too.
  REQUIRE(::symlink("/nonexistent", dir.Sub("dangling").c_str()) == 0);
  CHECK(SafeJoin(dir.path(), "dangling/x").status().code() == Code::kInvalidArgument);
}

TEST_CASE("path: safe join refuses to go through a regular file") {
  testutil::TempDir dir;
  FILE* f = std::fopen(dir.Sub("file").c_str(), "w");
  REQUIRE(f != nullptr);
  std::fclose(f);
  CHECK(SafeJoin(dir.path(), "file/x").status().code() == Code::kConflict);
}

}  // namespace
}  // namespace tessera::common
