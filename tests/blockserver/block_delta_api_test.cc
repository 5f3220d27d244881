#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "blockserver/api/block_handlers.h"
#include "blockserver/store/file_block_store.h"
#include "common/rsync_delta.h"
#include "common/wire/block_batch_format.h"
#include "common/wire/block_messages.h"
#include "tests/testutil/random.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::blockserver {
namespace {

using common::BlockId;
namespace wire = common::wire;
namespace http = common::http;

std::string Text(uint32_t seed, size_t bytes) {
  static const char* kWords[] = {"alpha", "beta", "gamma", "delta", "sync", "block", "int"};
  testutil::Random rng(testutil::Random::Fixed{seed});
  std::string out;
  for (int line = 0; out.size() < bytes; ++line) {
    out += std::to_string(line) + ":";
    for (int i = 0; i < 6; ++i) out += std::string(" ") + kWords[rng() % 7];
    out += "\n";
  }
  out.resize(bytes);
  return out;
}

std::string Edited(std::string text) {
  text.replace(text.size() / 2, 10, "0123456789abcdef");
  return text;
}

struct Fixture {
  Fixture() {
    auto s = FileBlockStore::Open(dir.path(), env);
    REQUIRE(s.ok());
    store = std::move(*s);
  }
  http::Response Store(const wire::BlockBatch& batch) {
    http::Request r;
    r.body = wire::EncodeBlockBatch(batch);
    return api::HandleStoreBatch(*store, r);
  }
  http::Response Retrieve(const wire::RetrieveRequest& m) {
    http::Request r;
    r.body = wire::EncodeRetrieveRequest(m);
    return api::HandleRetrieveBatch(*store, r);
  }
  bool Has(const std::string& data) { return *store->Has(BlockId::Of(data)); }

  testutil::TempDir dir;
  common::PosixEnv env;
  std::unique_ptr<FileBlockStore> store;
};

// A delta-only record (no data): what a client sends when the delta is the smaller encoding.
wire::Block DeltaBlock(const std::string& base, const std::string& target) {
  auto delta = wire::MakeBlockDelta(BlockId::Of(base), base, target);
  REQUIRE(delta.ok());
  return wire::Block{BlockId::Of(target), std::nullopt, std::move(*delta)};
}

TEST_CASE("blockserver delta: a delta against a stored base is patched, verified and stored") {
  Fixture f;
  const std::string base = Text(1, 4096), target = Edited(base);
  REQUIRE(f.Store({{{BlockId::Of(base), base}}}).status == 200);
  wire::BlockBatch batch;
  batch.blocks.push_back(DeltaBlock(base, target));
  const http::Response r = f.Store(batch);
  CHECK(r.status == 200);
  CHECK(r.body == R"({"stored":1})");
  auto stored = f.store->Get(BlockId::Of(target));
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  CHECK(**stored == target);
}

TEST_CASE("blockserver delta: a delta against a base the server lacks is 400 naming it") {
  Fixture f;
  const std::string base = Text(2, 4096), target = Edited(base), other = "a whole block";
  wire::BlockBatch batch;
  batch.blocks.push_back({BlockId::Of(other), other});
  batch.blocks.push_back(DeltaBlock(base, target));
  const http::Response r = f.Store(batch);
  CHECK(r.status == 400);
  auto body = boost::json::parse(r.body).as_object();
  CHECK(body["error"].as_string() == "InvalidArgument");
  REQUIRE(body["missing_bases"].as_array().size() == 1);
  CHECK(body["missing_bases"].as_array()[0].as_string() == BlockId::Of(base).ToHex());
  CHECK(r.body.find(BlockId::Of(base).ToHex()) != std::string::npos);
  CHECK(!f.Has(target));
  CHECK(!f.Has(other));  // nothing of the batch
}

TEST_CASE("blockserver delta: a delta producing other bytes than its id is refused") {
  Fixture f;
  const std::string base = Text(3, 4096), target = Edited(base), other = "something else";
  REQUIRE(f.Store({{{BlockId::Of(base), base}}}).status == 200);
  wire::Block lying = DeltaBlock(base, target);
  lying.id = BlockId::Of(Edited(target));
  wire::BlockBatch batch;
  batch.blocks.push_back({BlockId::Of(other), other});
  batch.blocks.push_back(lying);
  const http::Response r = f.Store(batch);
  CHECK(r.status == 400);
  CHECK(r.body.find("do not match") != std::string::npos);
  CHECK(!f.Has(other));
  CHECK(!*f.store->Has(lying.id));

  // Garbage for a delta: 400 as well, nothing stored.
  wire::Block garbage{BlockId::Of(target), std::nullopt,
                      wire::BlockDelta{BlockId::Of(base), "not a delta at all", 4096}};
  CHECK(f.Store({{garbage}}).status == 400);
  CHECK(!f.Has(target));
}

TEST_CASE("blockserver delta: a delta inflating past its declared size or the limit is 413") {
  Fixture f;
  const std::string base = Text(4, 4096);
  std::string big;
  for (int i = 0; i < 64; ++i) big += base;  // 256 KiB from a small delta
  REQUIRE(f.Store({{{BlockId::Of(base), base}}}).status == 200);
  wire::Block b = DeltaBlock(base, big);
  CHECK(b.delta->delta.size() < 2000);
  b.delta->size = 4096;  // declares far less than the delta makes
  CHECK(f.Store({{b}}).status == 413);
  CHECK(!f.Has(big));
  b.delta->size = wire::kMaxBlockBytes + 1;  // over the block limit: the decoder refuses it
  CHECK(f.Store({{b}}).status == 413);
  b.delta->size = static_cast<uint32_t>(big.size());
  CHECK(f.Store({{b}}).status == 200);
  CHECK(f.Has(big));
}

TEST_CASE("blockserver delta: retrieve answers a delta against a named base it holds") {
  Fixture f;
  const std::string base = Text(5, 4096), target = Edited(base), unrelated = Text(6, 4096);
  const std::string lone = Text(7, 4096);
  REQUIRE(f.Store({{{BlockId::Of(base), base},
                    {BlockId::Of(target), target},
                    {BlockId::Of(unrelated), unrelated},
                    {BlockId::Of(lone), lone}}})
              .status == 200);
  wire::RetrieveRequest m;
  m.ids = {BlockId::Of(target), BlockId::Of(lone), BlockId::Of(unrelated), BlockId::Of("absent")};
  // target: base held -> delta; lone: base not held -> whole; unrelated: its "base" shares
  // nothing -> whole (zstd beats the delta); absent: missing.
  m.bases = {BlockId::Of(base), BlockId::Of("nowhere"), BlockId::Of(base), BlockId::Of(base)};
  const http::Response r = f.Retrieve(m);
  REQUIRE(r.status == 200);
  auto batch = wire::DecodeBlockBatch(r.body);
  REQUIRE(batch.ok());
  REQUIRE(batch->blocks.size() == 4);
  REQUIRE(batch->blocks[0].delta);
  CHECK(batch->blocks[0].delta->base == BlockId::Of(base));
  CHECK(batch->blocks[0].delta->delta.size() < 200);
  CHECK(*wire::ApplyBlockDelta(batch->blocks[0], base) == target);
  CHECK(batch->blocks[1].data == lone);
  CHECK(batch->blocks[2].data == unrelated);
  CHECK(!batch->blocks[2].delta);
  CHECK(!batch->blocks[3].data);
  CHECK(!batch->blocks[3].delta);
  MESSAGE("4 KiB edited block: delta record payload "
          << 32 + batch->blocks[0].delta->delta.size() << " bytes, zstd "
          << wire::EncodeBlockBatch({{{BlockId::Of(target), target}}}).size() - 4 - 41);

  // Without bases: the old answer, whole blocks.
  m.bases.clear();
  auto plain = wire::DecodeBlockBatch(f.Retrieve(m).body);
  REQUIRE(plain.ok());
  CHECK(plain->blocks[0].data == target);
  CHECK(!plain->blocks[0].delta);
}

TEST_CASE("blockserver delta: retrieve requests with bad bases are 400") {
  Fixture f;
  const std::string id = BlockId::Of("x").ToHex();
  for (const std::string& body :
       {R"({"ids":[")" + id + R"("],"bases":[]})", R"({"ids":[")" + id + R"("],"bases":["zz"]})",
        R"({"ids":[")" + id + R"("],"bases":[1]})", R"({"ids":[")" + id + R"("],"bases":"x"})"}) {
    http::Request r;
    r.body = body;
    CHECK_MESSAGE(api::HandleRetrieveBatch(*f.store, r).status == 400, body);
  }
  http::Request ok;
  ok.body = R"({"ids":[")" + id + R"("],"bases":[""]})";
  CHECK(api::HandleRetrieveBatch(*f.store, ok).status == 200);
}

}  // namespace
}  // namespace tessera::blockserver
