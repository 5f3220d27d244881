// Walks every fault point of the chunk cache's Put and of SaveFileFromBlocks (FaultEnv fails the
// n-th mutating file-system operation, then power is cut) and checks that nothing is ever seen
// half-written.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <string>

#include "common/chunker/chunk_cache.h"
#include "common/chunker/file_assembler.h"
#include "common/chunker/hashify.h"
#include "tests/common/chunker/chunk_test_util.h"
#include "tests/testutil/fault_env.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::common::chunker {
namespace {

std::string ReadRaw(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_CASE("save file from blocks: every failed operation leaves the old target or the new one") {
  testing::Random rnd(testing::BaseSeed());
  const std::string text = testing::Join(testing::RandomLines(rnd, 500));
  auto chunks = HashifyBytes("f.txt", text);
  REQUIRE(chunks.ok());
  std::map<BlockId, std::string> blocks;
  uint64_t at = 0;
  for (const auto& ref : chunks->blocks) {
    blocks[ref.id] = text.substr(at, ref.size);
    at += ref.size;
  }
  const BlockSource source = [&](const BlockId& id) -> Result<std::string> {
    return blocks.at(id);
  };
  for (int fail_at = 0;; ++fail_at) {
    CAPTURE(fail_at);
    testutil::TempDir dir;
    PosixEnv posix;
    const std::string target = dir.Sub("file.txt");
    REQUIRE(WriteFileAtomically(posix, target, "old\n").ok());
    testutil::FaultEnv env(posix);
    env.FailNthOperation(fail_at);
    const Status s = SaveFileFromBlocks(env, target, chunks->blocks, source);
    const bool fired = env.fault_fired();
    CHECK(s.ok() == !fired);
    // Whole old or whole new, never partial (new only if the final directory fsync failed),
    // and no temp file is left behind.
    const std::string before = ReadRaw(target);
    CHECK((before == "old\n" || before == text));
    CHECK(posix.ListDir(dir.path())->size() == 1);
    env.DropUnsyncedData();
    const std::string after = ReadRaw(target);
    CHECK((after == "old\n" || after == text));
    if (s.ok()) CHECK(after == text);  // acknowledged means durable
    if (!fired) break;
  }
}

TEST_CASE("chunk cache: every failed put leaves the block absent or whole, never corrupt") {
  testing::Random rnd(testing::BaseSeed());
  const std::string data = testing::RandomBytes(rnd, 10000) + std::string(10000, 'z');
  const BlockId id = BlockId::Of(data);
  for (int fail_at = 0;; ++fail_at) {
    CAPTURE(fail_at);
    testutil::TempDir dir;
    PosixEnv posix;
    testutil::FaultEnv env(posix);
    auto cache = ChunkCache::Open(env, dir.path());
    REQUIRE(cache.ok());
    env.FailNthOperation(fail_at);
    const Status s = (*cache)->Put(id, data);
    const bool fired = env.fault_fired();
    CHECK(s.ok() == !fired);
    env.DropUnsyncedData();
    auto got = (*cache)->Get(id);
    if (s.ok()) {
      REQUIRE(got.ok());
      CHECK(*got == data);
    } else {
      CHECK((got.status().code() == Code::kNotFound || (got.ok() && *got == data)));
    }
    if (!fired) break;
  }
}

}  // namespace
}  // namespace tessera::common::chunker
