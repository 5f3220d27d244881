// BlockClientPool (common/client/block_client_pool.h): leases from many threads at once, idle
// clients kept up to the bound, a discarded client not handed out again.
#include "common/client/block_client_pool.h"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/metaserver/test_blockserver.h"

namespace tessera::common::client {
namespace {

TEST_CASE("block client pool: threads lease clients at once and give them back") {
  Logger log(LogLevel::kError);
  metaserver::testing::TestBlockServer server(log);
  auto pool = BlockClientPool::Create(server.url(), log, {}, /*max_idle=*/2);
  REQUIRE(pool.ok());
  CHECK((*pool)->idle() == 1);  // the one Create made to check the URL
  std::atomic<int> failures{0};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 20; ++i) {
          auto lease = (*pool)->Acquire();
          if (!lease.ok()) {
            ++failures;
            continue;
          }
          const std::string data = "block " + std::to_string(t) + "/" + std::to_string(i);
          wire::BlockBatch batch;
          batch.blocks = {wire::Block{BlockId::Of(data), data}};
          if (!(*lease)->StoreBatch(batch).ok()) ++failures;
          auto missing = (*lease)->Has({BlockId::Of(data)});
          if (!missing.ok() || !missing->empty()) ++failures;
        }
      });
    }
  }
  CHECK(failures == 0);
  CHECK((*pool)->idle() >= 1);
  CHECK((*pool)->idle() <= 2);
}

TEST_CASE("block client pool: a discarded client is not returned; a bad URL fails at once") {
  Logger log(LogLevel::kError);
  auto pool = BlockClientPool::Create("http://127.0.0.1:1", log, {});
  REQUIRE(pool.ok());
  {
    auto lease = (*pool)->Acquire();
    REQUIRE(lease.ok());
    CHECK((*pool)->idle() == 0);
    CHECK((*lease)->Has({BlockId::Of("x")}).status().code() == Code::kUnavailable);
    lease->Discard();
  }
  CHECK((*pool)->idle() == 0);
  {
    auto kept = (*pool)->Acquire();  // a new client, kept on return
    REQUIRE(kept.ok());
  }
  CHECK((*pool)->idle() == 1);
  CHECK(BlockClientPool::Create("not a url", log, {}).status().code() == Code::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::common::client
