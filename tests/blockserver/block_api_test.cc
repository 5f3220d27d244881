#include <doctest/doctest.h>

#include "blockserver/api/block_handlers.h"
#include "blockserver/api/routes.h"
#include "blockserver/store/file_block_store.h"
#include "common/http/client.h"
#include "common/wire/block_batch_format.h"
#include "common/wire/block_messages.h"
#include "tests/testutil/fault_env.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::blockserver {
namespace {

using common::BlockId;
namespace wire = common::wire;
namespace http = common::http;

// A blockserver on 127.0.0.1:0 over a FileBlockStore in a temp dir, and a client for it.
struct Server {
  explicit Server(const std::string& dir) : log(common::LogLevel::kWarn) {
    auto s = FileBlockStore::Open(dir, env);
    REQUIRE(s.ok());
    store = std::move(*s);
    api::RegisterRoutes(router, *store);
    auto started = http::HttpServer::Start(http::ServerOptions{}, router, log);
    REQUIRE(started.ok());
    server = std::move(*started);
    auto c = http::HttpClient::Create(server->url());
    REQUIRE(c.ok());
    client = std::move(*c);
  }
  ~Server() { server->Stop(); }

  std::vector<BlockId> Missing(const std::vector<BlockId>& ids) {
    auto r = client->Post("/v1/blocks/has", wire::EncodeIdList({ids}, "ids"), "application/json");
    REQUIRE(r.ok());
    REQUIRE(r->status == 200);
    auto missing = wire::DecodeIdList(r->body, "missing");
    REQUIRE(missing.ok());
    return missing->ids;
  }

  common::PosixEnv env;
  common::Logger log;
  std::unique_ptr<FileBlockStore> store;
  http::Router router;
  std::unique_ptr<http::HttpServer> server;
  std::unique_ptr<http::HttpClient> client;
};

wire::BlockBatch Batch(const std::vector<std::string>& blocks) {
  wire::BlockBatch batch;
  for (const std::string& b : blocks) batch.blocks.push_back({BlockId::Of(b), b});
  return batch;
}

TEST_CASE("blockserver api: store, has and retrieve over a real server") {
  testutil::TempDir dir;
  Server s(dir.path());
  CHECK(s.client->Get("/v1/health")->status == 200);
  const std::string a(50000, 'a');
  const std::string b = "block b";
  const BlockId absent = BlockId::Of("never stored");
  CHECK(s.Missing({BlockId::Of(a), absent}) == std::vector<BlockId>{BlockId::Of(a), absent});

  auto stored = s.client->Post("/v1/blocks/store_batch", wire::EncodeBlockBatch(Batch({a, b})),
                               api::kBlockBatchContentType);
  REQUIRE(stored.ok());
  CHECK(stored->status == 200);
  CHECK(stored->body == R"({"stored":2})");
  CHECK(s.Missing({BlockId::Of(a), absent, BlockId::Of(b)}) == std::vector<BlockId>{absent});

  auto got = s.client->Post("/v1/blocks/retrieve_batch",
                            wire::EncodeIdList({{BlockId::Of(b), absent, BlockId::Of(a)}}, "ids"),
                            "application/json");
  REQUIRE(got.ok());
  CHECK(got->status == 200);
  CHECK(got->content_type == api::kBlockBatchContentType);
  auto batch = wire::DecodeBlockBatch(got->body);
  REQUIRE(batch.ok());
  REQUIRE(batch->blocks.size() == 3);
  CHECK(batch->blocks[0].data == b);
  CHECK(batch->blocks[1].id == absent);
  CHECK(!batch->blocks[1].data.has_value());
  CHECK(batch->blocks[2].data == a);
}

TEST_CASE("blockserver api: a batch with one corrupted block is refused and stores nothing") {
  testutil::TempDir dir;
  Server s(dir.path());
  wire::BlockBatch batch = Batch({"good one", "good two", "bad three"});
  batch.blocks[2].data = "bad thrEe";  // no longer matches its id
  auto r = s.client->Post("/v1/blocks/store_batch", wire::EncodeBlockBatch(batch),
                          api::kBlockBatchContentType);
  REQUIRE(r.ok());
  CHECK(r->status == 400);
  CHECK(r->body.find(batch.blocks[2].id.ToHex()) != std::string::npos);
  const std::vector<BlockId> ids = {batch.blocks[0].id, batch.blocks[1].id, batch.blocks[2].id};
  CHECK(s.Missing(ids) == ids);
}

TEST_CASE("blockserver api: truncated and malformed bodies are refused") {
  testutil::TempDir dir;
  Server s(dir.path());
  const std::string body = wire::EncodeBlockBatch(Batch({"first block", "second block"}));
  for (size_t cut : {body.size() - 1, body.size() - 5, size_t{10}, size_t{2}}) {
    auto r =
        s.client->Post("/v1/blocks/store_batch", body.substr(0, cut), api::kBlockBatchContentType);
    REQUIRE(r.ok());
    CHECK_MESSAGE(r->status == 400, cut);
  }
  wire::BlockBatch with_missing = Batch({"x"});
  with_missing.blocks[0].data.reset();
  CHECK(s.client
            ->Post("/v1/blocks/store_batch", wire::EncodeBlockBatch(with_missing),
                   api::kBlockBatchContentType)
            ->status == 400);
  CHECK(s.client->Post("/v1/blocks/has", "{\"ids\":[\"zz\"]}", "application/json")->status == 400);
  CHECK(s.client->Post("/v1/blocks/retrieve_batch", "not json", "application/json")->status == 400);
  CHECK(s.client->Get("/v1/blocks/has")->status == 405);
  CHECK(s.Missing({BlockId::Of("first block"), BlockId::Of("second block")}).size() == 2);
}

TEST_CASE("blockserver api: stored blocks survive a server and store restart") {
  testutil::TempDir dir;
  const std::string data = "durable block";
  {
    Server s(dir.path());
    REQUIRE(s.client
                ->Post("/v1/blocks/store_batch", wire::EncodeBlockBatch(Batch({data})),
                       api::kBlockBatchContentType)
                ->status == 200);
  }
  Server s(dir.path());
  CHECK(s.Missing({BlockId::Of(data)}).empty());
  auto got = s.client->Post("/v1/blocks/retrieve_batch",
                            wire::EncodeIdList({{BlockId::Of(data)}}, "ids"), "application/json");
  REQUIRE(got.ok());
  auto batch = wire::DecodeBlockBatch(got->body);
  REQUIRE(batch.ok());
  REQUIRE(batch->blocks.size() == 1);
  CHECK(batch->blocks[0].data == data);
}

TEST_CASE("blockserver api: handlers work without a server") {
  testutil::TempDir dir;
  common::PosixEnv env;
  auto store = FileBlockStore::Open(dir.path(), env);
  REQUIRE(store.ok());
  http::Request request;
  request.body = wire::EncodeBlockBatch(Batch({"direct"}));
  CHECK(api::HandleStoreBatch(**store, request).status == 200);
  request.body = wire::EncodeIdList({{BlockId::Of("direct")}}, "ids");
  CHECK(api::HandleHas(**store, request).body == R"({"missing":[]})");
  request.body = std::string(wire::kBlockBatchMagic) + std::string(41, '\xff');
  CHECK(api::HandleStoreBatch(**store, request).status == 413);
}

TEST_CASE("blockserver api: a full disk answers 507 (retry later), not a size limit's 413") {
  testutil::TempDir dir;
  common::PosixEnv posix;
  testutil::FaultEnv env(posix);
  auto store = FileBlockStore::Open(dir.path(), env);
  REQUIRE(store.ok());
  http::Request request;
  request.body = wire::EncodeBlockBatch(Batch({"no room"}));
  env.SetNoSpace(true);
  const http::Response full = api::HandleStoreBatch(**store, request);
  CHECK(full.status == 507);
  CHECK(full.body.find("NoSpace") != std::string::npos);
  env.SetNoSpace(false);
  CHECK(api::HandleStoreBatch(**store, request).status == 200);
}

}  // namespace
}  // namespace tessera::blockserver
