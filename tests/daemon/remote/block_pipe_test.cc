#include "daemon/remote/block_pipe.h"

#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "tests/daemon/test_cluster.h"

namespace tessera::daemon::remote {
namespace {

using common::client::BlockClient;
using testing::TestServers;

common::wire::Block MakeBlock(const std::string& data) {
  return common::wire::Block{common::BlockId::Of(data), data};
}

TEST_CASE("block pipe: requests run in order on the pipe's client, and stored blocks come back") {
  TestServers servers;
  common::Logger log(common::LogLevel::kWarn);
  auto client = BlockClient::Create(servers.block_url(), log);
  REQUIRE(client.ok());
  std::vector<std::future<common::Status>> stores;
  std::vector<common::BlockId> ids;
  std::vector<int> order;  // written by the pipe's thread only, read after its futures
  {
    BlockPipe pipe(**client);
    for (int i = 0; i < 6; ++i) {
      common::wire::BlockBatch batch;
      batch.blocks.push_back(MakeBlock("block number " + std::to_string(i)));
      ids.push_back(batch.blocks.back().id);
      stores.push_back(pipe.Submit([batch, i, &order](BlockClient& c) {
        order.push_back(i);
        return c.StoreBatch(batch);
      }));
    }
    auto got = pipe.Submit([&ids](BlockClient& c) {
      size_t refused = 0;
      return c.RetrieveBatch(ids, &refused);
    });
    for (auto& s : stores) CHECK(s.get().ok());
    auto blocks = got.get();
    REQUIRE(blocks.ok());
    REQUIRE(blocks->size() == 6);
    for (int i = 0; i < 6; ++i) {
      REQUIRE((*blocks)[i].data.has_value());
      CHECK(*(*blocks)[i].data == "block number " + std::to_string(i));
    }
  }
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5});
  CHECK((*client)->stats().store_requests == 6);
}

TEST_CASE("block pipe: Submit waits while one request runs and one is queued") {
  TestServers servers;
  common::Logger log(common::LogLevel::kWarn);
  auto client = BlockClient::Create(servers.block_url(), log);
  REQUIRE(client.ok());
  std::atomic<int> submitted{0};
  std::atomic<int> violations{0};
  constexpr int kJobs = 50;
  {
    BlockPipe pipe(**client);
    for (int k = 0; k < kJobs; ++k) {
      // While job k runs, Submit(k + 2) cannot have returned: job k must finish first.
      pipe.Submit([k, &submitted, &violations](BlockClient&) {
        if (submitted.load() > k + 2) violations.fetch_add(1);
        return 0;
      });
      submitted.fetch_add(1);
    }
  }  // the destructor runs what is queued
  CHECK(submitted.load() == kJobs);
  CHECK(violations.load() == 0);
}

TEST_CASE("block pipe: a request's captures are freed once it ran, while its future lives") {
  common::Logger log(common::LogLevel::kWarn);
  auto client = BlockClient::Create("http://127.0.0.1:1", log);
  REQUIRE(client.ok());
  BlockPipe pipe(**client);
  auto body = std::make_shared<std::string>(1 << 20, 'x');  // stands for a batch's block bytes
  std::weak_ptr<std::string> alive = body;
  auto done = pipe.Submit([body = std::move(body)](BlockClient&) { return body->size(); });
  done.wait();
  // The future is still valid (not yet read): it must not keep the request's captures.
  CHECK(alive.expired());
  CHECK(done.get() == size_t{1} << 20);
}

TEST_CASE("block pipe: a request to a server that is down gives Unavailable through its future") {
  common::Logger log(common::LogLevel::kWarn);
  auto client = BlockClient::Create("http://127.0.0.1:1", log);
  REQUIRE(client.ok());
  BlockPipe pipe(**client);
  common::wire::BlockBatch batch;
  batch.blocks.push_back(MakeBlock("nobody listens"));
  auto stored = pipe.Submit([batch](BlockClient& c) { return c.StoreBatch(batch); });
  CHECK(stored.get().code() == common::Code::kUnavailable);
}

}  // namespace
}  // namespace tessera::daemon::remote
