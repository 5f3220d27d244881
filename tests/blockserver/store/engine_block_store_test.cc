#include "blockserver/store/engine_block_store.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <set>

#include "blockserver/api/block_handlers.h"
#include "blockserver/engine/manifest.h"
#include "blockserver/engine/sst_reader.h"
#include "blockserver/store/engine_block_store_format.h"
#include "common/env.h"
#include "common/wire/block_messages.h"
#include "tests/testutil/file_damage.h"
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
  CHECK(*text == "tessera-engine-block-store 2\n");
  SUBCASE("newer") {
    REQUIRE(
        common::WriteFileAtomically(env, dir.Sub("FORMAT"), "tessera-engine-block-store 3\n").ok());
    auto s = EngineBlockStore::Open(dir.path(), env, log);
    CHECK(s.status().code() == common::Code::kInvalidArgument);
  }
  SUBCASE("older: format 1 is upgraded in place") {
    REQUIRE(
        common::WriteFileAtomically(env, dir.Sub("FORMAT"), "tessera-engine-block-store 1\n").ok());
    { Store again(dir.path()); }
    CHECK(*env.ReadFileToString(dir.Sub("FORMAT")) == "tessera-engine-block-store 2\n");
  }
  SUBCASE("garbled") {
    REQUIRE(common::WriteFileAtomically(env, dir.Sub("FORMAT"), "something else\n").ok());
    auto s = EngineBlockStore::Open(dir.path(), env, log);
    CHECK(s.status().code() == common::Code::kCorruption);
  }
  SUBCASE("intact: reopens") { Store again(dir.path()); }
}

// Everything the logger wrote, read back from its temp file.
struct CapturedLog {
  CapturedLog() : file(std::tmpfile()), log(common::LogLevel::kWarn, file) { REQUIRE(file); }
  ~CapturedLog() { std::fclose(file); }
  std::string Text() {
    std::fflush(file);
    std::rewind(file);
    std::string out;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, file)) > 0;) out.append(buf, n);
    return out;
  }
  std::FILE* file;
  common::Logger log;
};

TEST_CASE("engine block store: a data directory deleted under the store refuses writes") {
  testutil::TempDir dir;
  const std::string data = dir.Sub("blocks");
  common::PosixEnv env;
  CapturedLog captured;
  auto s = EngineBlockStore::Open(data, env, captured.log);
  REQUIRE(s.ok());
  const std::string a = "kept", b = "would be lost";
  REQUIRE((*s)->PutBatch({{BlockId::Of(a), a}}).ok());
  SUBCASE("the whole directory") { std::filesystem::remove_all(data); }
  SUBCASE("replaced by an empty one") {
    std::filesystem::remove_all(data);
    std::filesystem::create_directories(data);
  }
  SUBCASE("its FORMAT marker") { std::filesystem::remove(data + "/FORMAT"); }
  SUBCASE("its MANIFEST") { std::filesystem::remove(data + "/MANIFEST"); }
  const common::Status put = (*s)->PutBatch({{BlockId::Of(b), b}});
  CHECK(put.code() == common::Code::kUnavailable);
  CHECK(put.message().find(data) != std::string::npos);
  // Sticky, and said in the log.
  CHECK((*s)->PutBatch({{BlockId::Of(b + "!"), b + "!"}}).code() == common::Code::kUnavailable);
  CHECK(captured.Text().find("refusing writes") != std::string::npos);
  // What it had still reads (from the files it holds open).
  auto got = (*s)->Get(BlockId::Of(a));
  REQUIRE(got.ok());
  CHECK(**got == a);
}

TEST_CASE("engine block store: a marker whose store is gone is refused unless allow_empty") {
  testutil::TempDir dir;
  const std::string data = dir.Sub("blocks");
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kError);
  {
    Store s(data);
    REQUIRE(s.store->PutBatch({{BlockId::Of("x"), "x"}}).ok());
  }
  // What is left when the engine files are deleted, or a disk under them is not mounted.
  for (const auto& entry : std::filesystem::directory_iterator(data)) {
    if (entry.path().filename() != "FORMAT") std::filesystem::remove(entry.path());
  }
  auto refused = EngineBlockStore::Open(data, env, log);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == common::Code::kNotFound);
  CHECK(refused.status().message().find("--allow-empty") != std::string::npos);
  CHECK_FALSE(env.FileExists(data + "/MANIFEST"));  // refusing wrote nothing

  EngineBlockStore::OpenOptions options;
  options.allow_empty = true;
  auto empty = EngineBlockStore::Open(data, env, log, options);
  REQUIRE_MESSAGE(empty.ok(), empty.status().ToString());
  CHECK_FALSE(*(*empty)->Has(BlockId::Of("x")));
}

TEST_CASE("engine block store: a new or empty directory becomes a store without being told") {
  testutil::TempDir dir;
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kError);
  std::filesystem::create_directories(dir.Sub("empty"));
  for (const std::string& d : {dir.Sub("new/blocks"), dir.Sub("empty")}) {
    auto s = EngineBlockStore::Open(d, env, log);
    REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    REQUIRE((*s)->PutBatch({{BlockId::Of("y"), "y"}}).ok());
  }
}

TEST_CASE("engine block store: engine files without a FORMAT marker are refused") {
  testutil::TempDir dir;
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kError);
  { Store s(dir.path()); }
  std::filesystem::remove(dir.Sub("FORMAT"));
  EngineBlockStore::OpenOptions options;
  options.allow_empty = true;  // not a reason to misread or drop the files that are there
  auto s = EngineBlockStore::Open(dir.path(), env, log, options);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == common::Code::kInvalidArgument);
  CHECK(s.status().message().find("deleted") != std::string::npos);
}

// Small blocks (kept inside SST data blocks) flushed into one SST of several data blocks.
std::vector<std::string> FillSst(EngineBlockStore& store, int n) {
  std::vector<std::string> blocks;
  std::vector<std::pair<BlockId, std::string>> batch;
  for (int i = 0; i < n; ++i) {
    blocks.push_back(RandomBytes(100, 1000 + i));
    batch.emplace_back(BlockId::Of(blocks.back()), blocks.back());
  }
  REQUIRE(store.PutBatch(batch).ok());
  REQUIRE(store.engine().Flush().ok());
  return blocks;
}

TEST_CASE("engine block store: a damaged SST block fails only the blocks in it, in every batch") {
  testutil::TempDir dir;
  const std::string data = dir.Sub("blocks");
  common::PosixEnv env;
  std::vector<std::string> blocks;
  {
    Store s(data);
    blocks = FillSst(*s.store, 600);  // ~60 KiB: several 16 KiB data blocks
  }
  // Flip one byte in the middle of data block 1 and note which ids it holds.
  auto manifest = engine::LoadManifest(env, data);
  REQUIRE(manifest.ok());
  REQUIRE(manifest->runs.size() == 1);
  const std::string sst = engine::SstFileName(data, manifest->runs[0]);
  std::set<BlockId> bad;
  {
    auto reader = engine::SstReader::Open(env, sst, manifest->runs[0], nullptr);
    REQUIRE(reader.ok());
    REQUIRE((*reader)->index().size() >= 3);
    const auto& index = (*reader)->index();
    for (const std::string& b : blocks) {
      const BlockId id = BlockId::Of(b);
      if (index[0].last_key < id && !(index[1].last_key < id)) bad.insert(id);
    }
    testutil::CorruptBytes(sst, index[1].offset + index[1].stored_size / 2);
  }
  REQUIRE(!bad.empty());
  REQUIRE(bad.size() < blocks.size());

  CapturedLog captured;
  auto store = EngineBlockStore::Open(data, env, captured.log);
  REQUIRE(store.ok());
  std::vector<BlockId> ids;
  for (const std::string& b : blocks) ids.push_back(BlockId::Of(b));

  // has: the damaged ones are missing, no error for the batch.
  common::http::Request has;
  has.body = common::wire::EncodeIdList({ids}, "ids");
  const common::http::Response has_r = api::HandleHas(**store, has);
  REQUIRE_MESSAGE(has_r.status == 200, has_r.body);
  auto missing = common::wire::DecodeIdList(has_r.body, "missing");
  REQUIRE(missing.ok());
  CHECK(std::set<BlockId>(missing->ids.begin(), missing->ids.end()) == bad);

  // retrieve: every good block comes back, the damaged ones are marked missing.
  common::http::Request get;
  get.body = common::wire::EncodeRetrieveRequest({ids, {}});
  const common::http::Response get_r = api::HandleRetrieveBatch(**store, get);
  REQUIRE_MESSAGE(get_r.status == 200, get_r.body);
  auto batch = common::wire::DecodeBlockBatch(get_r.body);
  REQUIRE(batch.ok());
  REQUIRE(batch->blocks.size() == blocks.size());
  for (size_t i = 0; i < blocks.size(); ++i) {
    CHECK(batch->blocks[i].id == ids[i]);
    if (bad.count(ids[i])) {
      CHECK_FALSE(batch->blocks[i].data.has_value());
    } else {
      REQUIRE(batch->blocks[i].data.has_value());
      CHECK(*batch->blocks[i].data == blocks[i]);
    }
  }
  const std::string logged = captured.Text();
  CHECK(logged.find(bad.begin()->ToHex()) != std::string::npos);
  CHECK(logged.find("checksum mismatch") != std::string::npos);

  // A desktop that has a lost block stores it again (the heal path), and it reads back.
  size_t healed = 0;
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (!bad.count(ids[i])) continue;
    REQUIRE((*store)->PutBatch({{ids[i], blocks[i]}}).ok());
    auto got = (*store)->Get(ids[i]);
    REQUIRE(got.ok());
    CHECK(**got == blocks[i]);
    ++healed;
  }
  CHECK(healed == bad.size());
}

}  // namespace
}  // namespace tessera::blockserver
