#include "daemon/syncer/old_version.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/testutil/temp_dir.h"

namespace tessera::daemon::syncer {
namespace {

using common::wire::BlockRef;

void Write(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

std::vector<BlockRef> Refs(const std::vector<std::string>& parts) {
  std::vector<BlockRef> out;
  for (const auto& p : parts) {
    out.push_back(BlockRef{common::BlockId::Of(p), static_cast<uint32_t>(p.size())});
  }
  return out;
}

TEST_CASE("old version: blocks come from the file being replaced, verified against their ids") {
  testutil::TempDir dir;
  common::PosixEnv env;
  const std::string file = dir.Sub("f.txt");
  const std::vector<std::string> parts = {"first line\n", "second line\n", "first line\n",
                                          "last\n"};
  Write(file, parts[0] + parts[1] + parts[2] + parts[3]);
  OldVersion old = OldVersion::Open(env, file, Refs(parts));
  for (const auto& p : parts) {
    CHECK(old.Holds(common::BlockId::Of(p)));
    CHECK(old.Read(common::BlockId::Of(p)) == p);
  }
  CHECK(!old.Holds(common::BlockId::Of("elsewhere")));
  CHECK(!old.Read(common::BlockId::Of("elsewhere")));

  // The file changed since it was indexed: the changed block is not returned (nor a block the
  // file has become too short for); the unchanged ones still are.
  Write(file, parts[0] + "SECOND LINE\n");
  CHECK(old.Read(common::BlockId::Of(parts[0])) == parts[0]);
  CHECK(!old.Read(common::BlockId::Of(parts[1])));
  CHECK(!old.Read(common::BlockId::Of(parts[3])));
}

TEST_CASE("old version: a missing file, a directory or a symlink gives nothing to read") {
  testutil::TempDir dir;
  common::PosixEnv env;
  const auto refs = Refs({"data\n"});
  const common::BlockId id = common::BlockId::Of("data\n");
  CHECK(!OldVersion::Open(env, dir.Sub("missing"), refs).Holds(id));
  CHECK(!OldVersion::Open(env, dir.path(), refs).Holds(id));
  Write(dir.Sub("target"), "data\n");
  REQUIRE(::symlink(dir.Sub("target").c_str(), dir.Sub("link").c_str()) == 0);
  CHECK(!OldVersion::Open(env, dir.Sub("link"), refs).Holds(id));
  CHECK(OldVersion::Open(env, dir.Sub("target"), refs).Read(id) == "data\n");
  CHECK(!OldVersion().Read(id));
}

}  // namespace
}  // namespace tessera::daemon::syncer
