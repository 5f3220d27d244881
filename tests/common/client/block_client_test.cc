// BlockClient (common/client/block_client.h) against a real blockserver in-process, and against
// a stand-in server where a bad answer is the point.
#include "common/client/block_client.h"

#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/client/http_error.h"
#include "common/http/server.h"
#include "common/wire/block_messages.h"
#include "tests/metaserver/test_blockserver.h"

namespace tessera::common::client {
namespace {

using metaserver::testing::TestBlockServer;

wire::Block MakeBlock(const std::string& data) { return wire::Block{BlockId::Of(data), data}; }

std::unique_ptr<BlockClient> Connect(const std::string& url, Logger& log) {
  auto client = BlockClient::Create(url, log);
  REQUIRE_MESSAGE(client.ok(), client.status().ToString());
  return std::move(client).value();
}

// A stand-in blockserver answering POST /v1/blocks/has with `answer(request)`.
class FakeHasServer {
 public:
  FakeHasServer(Logger& log, std::function<http::Response(const http::Request&)> answer) {
    router_.AddSync("POST", "/v1/blocks/has", std::move(answer));
    auto server = http::HttpServer::Start({}, router_, log);
    REQUIRE(server.ok());
    server_ = std::move(server).value();
  }
  std::string url() const { return server_->url(); }

 private:
  http::Router router_;
  std::unique_ptr<http::HttpServer> server_;
};

TEST_CASE("block client: stored blocks come back verified, absent ones as absent") {
  Logger log(LogLevel::kError);
  TestBlockServer server(log);
  auto client = Connect(server.url(), log);
  wire::BlockBatch batch;
  batch.blocks = {MakeBlock("alpha"), MakeBlock("beta")};
  REQUIRE(client->StoreBatch(batch).ok());
  CHECK(client->stats().store_requests == 1);

  const BlockId absent = BlockId::Of("never stored");
  auto missing = client->Has({BlockId::Of("alpha"), absent, BlockId::Of("beta"), absent});
  REQUIRE(missing.ok());
  CHECK(*missing == std::vector<BlockId>{absent});

  size_t refused = 0;
  auto got = client->RetrieveBatch({BlockId::Of("beta"), absent, BlockId::Of("beta")}, &refused);
  REQUIRE(got.ok());
  REQUIRE(got->size() == 3);
  CHECK((*got)[0].data == "beta");
  CHECK_FALSE((*got)[1].data.has_value());
  CHECK((*got)[2].data == "beta");
  CHECK(refused == 0);
  CHECK(client->Has({}).value().empty());
}

TEST_CASE("block client: has asks more ids than one request may hold in several requests") {
  Logger log(LogLevel::kError);
  TestBlockServer server(log);
  auto client = Connect(server.url(), log);
  wire::BlockBatch batch;
  batch.blocks = {MakeBlock("first"), MakeBlock("last")};
  REQUIRE(client->StoreBatch(batch).ok());
  std::vector<BlockId> ids = {BlockId::Of("first")};
  for (size_t i = 0; i < wire::kMaxIdsPerRequest + 10; ++i) {
    ids.push_back(BlockId::Of("absent " + std::to_string(i)));
  }
  ids.push_back(BlockId::Of("last"));
  // The real server refuses a request over kMaxIdsPerRequest ids: this passes only in parts.
  auto missing = client->Has(ids);
  REQUIRE_MESSAGE(missing.ok(), missing.status().ToString());
  CHECK(missing->size() == wire::kMaxIdsPerRequest + 10);
  CHECK(missing->front() == BlockId::Of("absent 0"));
  CHECK(missing->back() == BlockId::Of("absent " + std::to_string(wire::kMaxIdsPerRequest + 9)));
}

TEST_CASE("block client: a has answer is trusted only about ids that were asked, each once") {
  Logger log(LogLevel::kError);
  const BlockId asked = BlockId::Of("asked");
  const BlockId stranger = BlockId::Of("never asked");
  FakeHasServer server(log, [&](const http::Request&) {
    http::Response r;
    r.body = wire::EncodeIdList({{stranger, asked, asked}}, "missing");
    return r;
  });
  auto client = Connect(server.url(), log);
  auto missing = client->Has({asked, BlockId::Of("present")});
  REQUIRE(missing.ok());
  CHECK(*missing == std::vector<BlockId>{asked});
}

TEST_CASE("block client: trouble is Unavailable, a bad answer Corruption, a refusal its code") {
  Logger log(LogLevel::kError);
  struct Case {
    const char* name;
    int status;
    std::string body;
    Code code;
  };
  const std::vector<Case> cases = {
      {"a server error", 500, R"({"error":"IOError"})", Code::kUnavailable},
      {"an overloaded server", 503, "", Code::kUnavailable},
      {"a refused request", 400, R"({"error":"InvalidArgument"})", Code::kInvalidArgument},
      {"an answer that is not an id list", 200, "[1,2", Code::kCorruption},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    FakeHasServer server(log, [&c](const http::Request&) {
      http::Response r;
      r.status = c.status;
      r.body = c.body;
      return r;
    });
    auto client = Connect(server.url(), log);
    CHECK(client->Has({BlockId::Of("x")}).status().code() == c.code);
  }
  auto down = Connect("http://127.0.0.1:1", log);
  CHECK(down->Has({BlockId::Of("x")}).status().code() == Code::kUnavailable);
  CHECK(BlockClient::Create("ftp://nowhere", log).status().code() == Code::kInvalidArgument);
}

TEST_CASE("block client: HTTP answers map to the status codes both clients use") {
  struct Case {
    int status;
    Code code;
  };
  const std::vector<Case> cases = {
      {500, Code::kUnavailable},       {503, Code::kUnavailable},
      {429, Code::kUnavailable},       {408, Code::kUnavailable},
      {404, Code::kNotFound},          {401, Code::kPermissionDenied},
      {403, Code::kPermissionDenied},  {409, Code::kConflict},
      {413, Code::kResourceExhausted}, {400, Code::kInvalidArgument},
      {418, Code::kInvalidArgument},
  };
  for (const Case& c : cases) {
    CAPTURE(c.status);
    const Status s = HttpError("has", http::ClientResponse{c.status, "", std::string(500, 'b')});
    CHECK(s.code() == c.code);
    CHECK(s.message().starts_with("has: HTTP " + std::to_string(c.status)));
    CHECK(s.message().size() < 350);  // the body is cut short
  }
}

}  // namespace
}  // namespace tessera::common::client
