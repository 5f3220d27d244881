#include "blockserver/store/engine_block_store.h"

#include <doctest/doctest.h>

#include "blockserver/store/engine_block_store_format.h"
#include "common/env.h"
#include "tests/testutil/random.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::blockserver {
namespace {

using common::BlockId;

std::string RandomBytes(size_t n, uint32_t seed) {
  testutil::Random rng(testutil::Random::Fixed{seed});
  return testutil::RandomBytes(rng, n);
}

// Source-like text: compresses well.
std::string TextBlock(size_t lines) {
  std::string out;
  for (size_t i = 0; i < lines; ++i) {
    out += "static int handle_request_" + std::to_string(i % 37) + "(struct ctx *c) { return " +
           std::to_string(i) + "; }\n";
  }
  return out;
}

struct Store {
  explicit Store(const std::string& dir) : log(common::LogLevel::kWarn) {
    auto s = EngineBlockStore::Open(dir, env, log);
    REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    store = std::move(*s);
  }
  common::PosixEnv env;
  common::Logger log;
  std::unique_ptr<EngineBlockStore> store;
};

TEST_CASE("engine block store: blocks round-trip, compressed or not, across a reopen") {
  testutil::TempDir dir;
  const std::string text = TextBlock(2000);
  const std::string noise = RandomBytes(5000, 1);
  const std::string tiny = "x";
  {
    Store s(dir.Sub("blocks"));
    REQUIRE(
        s.store
            ->PutBatch(
                {{BlockId::Of(text), text}, {BlockId::Of(noise), noise}, {BlockId::Of(tiny), tiny}})
            .ok());
    auto got = s.store->Get(BlockId::Of(text));
    REQUIRE(got.ok());
    REQUIRE(got->has_value());
    CHECK(**got == text);
  }
  Store s(dir.Sub("blocks"));
  for (const std::string* block : {&text, &noise, &tiny}) {
    auto got = s.store->Get(BlockId::Of(*block));
    REQUIRE_MESSAGE(got.ok(), got.status().ToString());
    REQUIRE(got->has_value());
    CHECK(**got == *block);
    CHECK(*s.store->Has(BlockId::Of(*block)));
  }
  auto absent = s.store->Get(BlockId::Of("absent"));
  REQUIRE(absent.ok());
  CHECK_FALSE(absent->has_value());
}

TEST_CASE("engine block store: a compressible block takes fewer engine bytes than its size") {
  testutil::TempDir dir;
  Store s(dir.path());
  const std::string text = TextBlock(4000);
  REQUIRE(s.store->PutBatch({{BlockId::Of(text), text}}).ok());
  const auto stats = s.store->engine().GetStats();
  CHECK(stats.user_value_bytes * 4 < text.size());
  auto raw = s.store->engine().Get(BlockId::Of(text));
  REQUIRE(raw.ok());
  REQUIRE(raw->has_value());
  CHECK((**raw)[0] == static_cast<char>(block_store_format::ValueTag::kZstd));
  CHECK((**raw).size() == stats.user_value_bytes);

  // A small block is stored raw, even when compressible: SST blocks compress it with others.
  const std::string small = TextBlock(5);
  REQUIRE(small.size() < block_store_format::kMinCompressBytes);
  REQUIRE(s.store->PutBatch({{BlockId::Of(small), small}}).ok());
  auto raw_small = s.store->engine().Get(BlockId::Of(small));
  REQUIRE(raw_small.ok());
  CHECK(**raw_small == std::string(1, '\0') + small);

  // Incompressible bytes are stored raw behind a one-byte tag.
  const std::string noise = RandomBytes(3000, 2);
  REQUIRE(s.store->PutBatch({{BlockId::Of(noise), noise}}).ok());
  auto raw_noise = s.store->engine().Get(BlockId::Of(noise));
  REQUIRE(raw_noise.ok());
  CHECK((**raw_noise).size() == noise.size() + 1);
  CHECK((**raw_noise)[0] == static_cast<char>(block_store_format::ValueTag::kRaw));
}

TEST_CASE("engine block store: a bad tag, a bad frame or an empty value is Corruption") {
  testutil::TempDir dir;
  Store s(dir.path());
  const std::string block = TextBlock(100);
  const BlockId id = BlockId::Of(block);
  SUBCASE("unknown tag") {
    REQUIRE(s.store->engine().Put(id, std::string(1, '\x07') + block).ok());
  }
  SUBCASE("zstd tag over garbage") {
    REQUIRE(s.store->engine().Put(id, std::string(1, '\x01') + "not a frame").ok());
  }
  SUBCASE("truncated frame") {
    std::string value = EngineBlockStore::EncodeValue(block);
    REQUIRE(value[0] == '\x01');
    value.resize(value.size() - 5);
    REQUIRE(s.store->engine().Put(id, value).ok());
  }
  SUBCASE("empty value") { REQUIRE(s.store->engine().Put(id, "").ok()); }
  SUBCASE("raw value not matching its id") {
    REQUIRE(s.store->engine().Put(id, std::string(1, '\0') + block + "!").ok());
  }
  auto got = s.store->Get(id);
  CHECK(got.status().code() == common::Code::kCorruption);
}

TEST_CASE("engine block store: a value inflating past the block limit is refused") {
  const std::string bomb = EngineBlockStore::EncodeValue(std::string((16u << 20) + 1, 'a'));
  REQUIRE(bomb.size() < 4096);
  auto got = EngineBlockStore::DecodeValue(bomb);
  CHECK(got.status().code() == common::Code::kCorruption);
}

TEST_CASE("engine block store: a directory written before values were tagged is refused") {
  testutil::TempDir dir;
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kError);
  {
    engine::EngineOptions options;
    options.dir = dir.path();
    auto old = engine::Engine::Open(options, env, log);
    REQUIRE(old.ok());
    REQUIRE((*old)->Put(BlockId::Of("old"), "old").ok());
  }
  auto s = EngineBlockStore::Open(dir.path(), env, log);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == common::Code::kInvalidArgument);
  CHECK(s.status().message().find("FORMAT") != std::string::npos);
  // Refusing wrote nothing.
  CHECK_FALSE(env.FileExists(dir.Sub("FORMAT")));
}

TEST_CASE("engine block store: a newer or garbled FORMAT marker is refused") {
  testutil::TempDir dir;
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kError);
  { Store s(dir.path()); }
  auto text = env.ReadFileToString(dir.Sub("FORMAT"));
  REQUIRE(text.ok());
  CHECK(*text == "tessera-engine-block-store 1\n");
  SUBCASE("newer") {
    REQUIRE(
        common::WriteFileAtomically(env, dir.Sub("FORMAT"), "tessera-engine-block-store 2\n").ok());
    auto s = EngineBlockStore::Open(dir.path(), env, log);
    CHECK(s.status().code() == common::Code::kInvalidArgument);
  }
  SUBCASE("garbled") {
    REQUIRE(common::WriteFileAtomically(env, dir.Sub("FORMAT"), "something else\n").ok());
    auto s = EngineBlockStore::Open(dir.path(), env, log);
    CHECK(s.status().code() == common::Code::kCorruption);
  }
  SUBCASE("intact: reopens") { Store again(dir.path()); }
}

}  // namespace
}  // namespace tessera::blockserver
