#include "common/chunker/chunk_cache.h"

#include <doctest/doctest.h>
#include <zstd.h>

#include <fstream>
#include <string>

#include "common/chunker/chunk_cache_format.h"
#include "tests/common/chunker/chunk_test_util.h"
#include "tests/testutil/fault_env.h"
#include "tests/testutil/random.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::common::chunker {
namespace {

std::string ReadRaw(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteRaw(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

TEST_CASE("chunk cache: put, has and get round-trip compressible and random blocks") {
  testutil::TempDir dir;
  PosixEnv env;
  auto cache = ChunkCache::Open(env, dir.Sub("cache"));
  REQUIRE(cache.ok());
  testutil::Random rnd(testutil::Random::Stable{});
  const std::string text(100000, 'a');
  const std::string random = testing::RandomBytes(rnd, 5000);
  for (const std::string& data : {text, random, std::string()}) {
    const BlockId id = BlockId::Of(data);
    CHECK(!(*cache)->Has(id));
    CHECK((*cache)->Get(id).status().code() == Code::kNotFound);
    REQUIRE((*cache)->Put(id, data).ok());
    CHECK((*cache)->Has(id));
    auto got = (*cache)->Get(id);
    REQUIRE(got.ok());
    CHECK(*got == data);
    // Sharded by the first byte of the id.
    CHECK((*cache)->PathOf(id) ==
          dir.Sub("cache") + "/" + id.ToHex().substr(0, 2) + "/" + id.ToHex());
  }
  // The compressible block is stored compressed, the random one raw.
  CHECK(ReadRaw((*cache)->PathOf(BlockId::Of(text))).size() < 1000);
  CHECK(ReadRaw((*cache)->PathOf(BlockId::Of(random))).size() ==
        random.size() + cache_format::kHeaderBytes);
  auto usage = (*cache)->GetUsage();
  REQUIRE(usage.ok());
  CHECK(usage->blocks == 3);
}

TEST_CASE("chunk cache: a put whose bytes do not match the id is refused") {
  testutil::TempDir dir;
  PosixEnv env;
  auto cache = ChunkCache::Open(env, dir.path());
  REQUIRE(cache.ok());
  const BlockId id = BlockId::Of("right");
  CHECK((*cache)->Put(id, "wrong").code() == Code::kInvalidArgument);
  CHECK(!(*cache)->Has(id));
}

TEST_CASE("chunk cache: a corrupted cached block is reported as Corruption, and a put repairs it") {
  testutil::TempDir dir;
  PosixEnv env;
  auto cache = ChunkCache::Open(env, dir.path());
  REQUIRE(cache.ok());
  testutil::Random rnd(testutil::Random::Stable{});
  const std::string compressible = std::string(20000, 'x') + "tail";
  const std::string random = testing::RandomBytes(rnd, 3000);
  struct Damage {
    const char* what;
    std::string (*apply)(std::string);
  };
  const Damage damages[] = {
      {"a flipped payload byte",
       [](std::string f) {
         f[f.size() - 1] ^= 0x40;
         return f;
       }},
      {"a truncated file",
       [](std::string f) {
         f.pop_back();
         return f;
       }},
      {"a bad magic",
       [](std::string f) {
         f[0] = 'X';
         return f;
       }},
      {"an unknown version",
       [](std::string f) {
         f[4] = 9;
         return f;
       }},
      {"an unknown codec",
       [](std::string f) {
         f[5] = 7;
         return f;
       }},
      {"a declared size over the limit",
       [](std::string f) {
         f[11] = 0x7f;
         return f;
       }},
      {"an empty file", [](std::string) { return std::string(); }},
  };
  for (const std::string& data : {compressible, random}) {
    for (const Damage& damage : damages) {
      CAPTURE(damage.what);
      CAPTURE(data.size());
      const BlockId id = BlockId::Of(data);
      const std::string path = (*cache)->PathOf(id);
      REQUIRE((*cache)->Put(id, data).ok());
      WriteRaw(path, damage.apply(ReadRaw(path)));
      auto got = (*cache)->Get(id);
      CHECK(got.status().code() == Code::kCorruption);
      CHECK(got.status().message().find(id.ToHex()) != std::string::npos);
      REQUIRE((*cache)->Put(id, data).ok());  // a put of the right bytes repairs it
      auto repaired = (*cache)->Get(id);
      REQUIRE(repaired.ok());
      CHECK(*repaired == data);
    }
  }
}

TEST_CASE("chunk cache: a zstd payload that expands beyond its declared size is Corruption") {
  testutil::TempDir dir;
  PosixEnv env;
  auto cache = ChunkCache::Open(env, dir.path());
  REQUIRE(cache.ok());
  const std::string small = "tiny";
  const BlockId id = BlockId::Of(small);
  REQUIRE((*cache)->Put(id, small).ok());
  // Forge a file claiming 4 bytes whose zstd frame holds 1 MiB (a decompression bomb).
  const std::string big(1u << 20, 'b');
  std::string frame(ZSTD_compressBound(big.size()), '\0');
  frame.resize(ZSTD_compress(frame.data(), frame.size(), big.data(), big.size(), 1));
  std::string file(cache_format::kMagic);
  file += std::string("\x01\x01\x00\x00\x04\x00\x00\x00", 8);
  file += frame;
  WriteRaw((*cache)->PathOf(id), file);
  CHECK((*cache)->Get(id).status().code() == Code::kCorruption);
}

TEST_CASE("chunk cache: open removes temp files a crashed put left behind") {
  testutil::TempDir dir;
  PosixEnv env;
  {
    auto cache = ChunkCache::Open(env, dir.path());
    REQUIRE(cache.ok());
  }
  WriteRaw(dir.Sub("tmp/abc.tmp-123"), "half a block");
  REQUIRE(env.FileExists(dir.Sub("tmp/abc.tmp-123")));
  auto cache = ChunkCache::Open(env, dir.path());
  REQUIRE(cache.ok());
  CHECK(!env.FileExists(dir.Sub("tmp/abc.tmp-123")));
  auto usage = (*cache)->GetUsage();
  REQUIRE(usage.ok());
  CHECK(usage->blocks == 0);
}

TEST_CASE("chunk cache: Has looks at the disk only for shards that may hold blocks") {
  testutil::TempDir dir;
  PosixEnv env;
  auto writer = ChunkCache::Open(env, dir.path());
  REQUIRE(writer.ok());
  auto reader = ChunkCache::Open(env, dir.path());  // opened on an empty cache
  REQUIRE(reader.ok());
  const std::string data = "a block another cache object puts";
  const BlockId id = BlockId::Of(data);
  REQUIRE((*writer)->Put(id, data).ok());
  CHECK((*writer)->Has(id));
  // The reader saw that shard empty and has put nothing there: it does not look (a miss costs
  // a download, never a wrong byte).
  CHECK(!(*reader)->Has(id));
  // Its own Put into the shard makes it look there, for every block of the shard.
  std::string other;
  for (int i = 0; other.empty() || BlockId::Of(other).bytes()[0] != id.bytes()[0]; ++i) {
    other = "another block " + std::to_string(i);
  }
  REQUIRE((*reader)->Put(BlockId::Of(other), other).ok());
  CHECK((*reader)->Has(id));
  // A cache opened later finds what is on disk.
  auto reopened = ChunkCache::Open(env, dir.path());
  REQUIRE(reopened.ok());
  CHECK((*reopened)->Has(id));
  CHECK((*reopened)->Has(BlockId::Of(other)));
  CHECK(!(*reopened)->Has(BlockId::Of("never put")));
  // A stray file named like a shard does not stop the cache from opening.
  WriteRaw(dir.Sub("zz"), "foreign");
  WriteRaw(dir.Sub("0f"), "foreign, hex-named");
  CHECK(ChunkCache::Open(env, dir.path()).ok());
}

TEST_CASE("chunk cache: remove, and trimming to a size keeps the blocks asked for") {
  testutil::TempDir dir;
  PosixEnv env;
  auto cache = ChunkCache::Open(env, dir.path());
  REQUIRE(cache.ok());
  testutil::Random rnd(testutil::Random::Stable{});
  std::vector<BlockId> ids;
  for (int i = 0; i < 20; ++i) {
    const std::string data = testing::RandomBytes(rnd, 1000);
    ids.push_back(BlockId::Of(data));
    REQUIRE((*cache)->Put(ids.back(), data).ok());
  }
  REQUIRE((*cache)->Remove(ids[0]).ok());
  CHECK(!(*cache)->Has(ids[0]));
  CHECK((*cache)->Remove(ids[0]).ok());  // absent is fine

  const BlockId pinned = ids[5];
  auto left = (*cache)->TrimTo(5000, [&](const BlockId& id) { return id == pinned; });
  REQUIRE(left.ok());
  CHECK(left->bytes <= 5000);
  CHECK(left->blocks >= 1);
  CHECK((*cache)->Has(pinned));
  auto usage = (*cache)->GetUsage();
  REQUIRE(usage.ok());
  CHECK(usage->blocks == left->blocks);
  CHECK(usage->bytes == left->bytes);
  // Trimming to zero removes everything not kept.
  left = (*cache)->TrimTo(0, [&](const BlockId& id) { return id == pinned; });
  REQUIRE(left.ok());
  CHECK(left->blocks == 1);
}

}  // namespace
}  // namespace tessera::common::chunker

namespace tessera::common::chunker {
namespace {

TEST_CASE(
    "chunk cache: an unsynced put skips the fsyncs; after a crash it is absent, never wrong") {
  testutil::TempDir dir;
  PosixEnv posix;
  testutil::FaultEnv env(posix);
  auto cache = ChunkCache::Open(env, dir.Sub("cache"));
  REQUIRE(cache.ok());
  const std::string synced(5000, 's'), unsynced(5000, 'u');
  const int64_t before = env.operations();
  REQUIRE((*cache)->Put(BlockId::Of(synced), synced).ok());
  const int64_t synced_ops = env.operations() - before;
  REQUIRE((*cache)->Put(BlockId::Of(unsynced), unsynced, ChunkCache::Durability::kUnsynced).ok());
  const int64_t unsynced_ops = env.operations() - before - synced_ops;
  // Both land in a shard new to this cache: the synced put also fsyncs the cache directory that
  // holds the new shard's entry. The unsynced one skips that, the file's and the shard's fsync.
  CHECK(unsynced_ops == synced_ops - 3);
  CHECK(*(*cache)->Get(BlockId::Of(unsynced)) == unsynced);

  env.DropUnsyncedData();
  CHECK(*(*cache)->Get(BlockId::Of(synced)) == synced);
  auto lost = (*cache)->Get(BlockId::Of(unsynced));
  CHECK(!lost.ok());
  CHECK((lost.status().code() == Code::kNotFound || lost.status().code() == Code::kCorruption));
}

}  // namespace
}  // namespace tessera::common::chunker
