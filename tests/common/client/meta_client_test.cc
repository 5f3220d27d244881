// MetaClient (common/client/meta_client.h) against a real metaserver in-process (the Service on
// 127.0.0.1:0, its journal in a temp dir) and a real blockserver behind it.
#include "common/client/meta_client.h"

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "common/client/block_client.h"
#include "metaserver/service.h"
#include "tests/metaserver/journal/journal_test_util.h"
#include "tests/metaserver/test_blockserver.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::common::client {
namespace {

using namespace std::chrono_literals;
using metaserver::testing::DirItem;
using metaserver::testing::FileItem;
using wire::CommitOutcome;

struct Servers {
  testutil::TempDir dir;
  PosixEnv env;
  Logger log{LogLevel::kError};
  metaserver::testing::TestBlockServer blocks{log};
  std::unique_ptr<metaserver::Service> meta;
  std::string url;

  Servers() {
    metaserver::ServiceOptions options;
    options.listen = "127.0.0.1:0";
    options.data_dir = dir.Sub("meta");
    options.blockserver_url = blocks.url();
    auto started = metaserver::Service::Start(options, env, log);
    REQUIRE_MESSAGE(started.ok(), started.status().ToString());
    meta = std::move(started).value();
    url = "http://127.0.0.1:" + std::to_string(meta->port());
  }
  std::unique_ptr<MetaClient> Client(const std::string& ns = "docs") {
    auto client = MetaClient::Create(url, ns);
    REQUIRE(client.ok());
    return std::move(client).value();
  }
};

TEST_CASE("meta client: commit asks for blocks, commits once they are stored, lists it back") {
  Servers s;
  auto meta = s.Client();
  const wire::CommitBatchRequest request{"laptop", {FileItem("a.txt", 0, {"one\n", "two\n"})}};
  auto first = meta->Commit(request);
  REQUIRE_MESSAGE(first.ok(), first.status().ToString());
  REQUIRE(first->results[0].outcome == CommitOutcome::kNeedBlocks);
  CHECK(first->results[0].need_blocks.size() == 2);

  auto blocks = BlockClient::Create(s.blocks.url(), s.log);
  REQUIRE(blocks.ok());
  wire::BlockBatch batch;
  for (const std::string data : {"one\n", "two\n"})
    batch.blocks.push_back({BlockId::Of(data), data});
  REQUIRE((*blocks)->StoreBatch(batch).ok());
  auto second = meta->Commit(request);
  REQUIRE(second.ok());
  REQUIRE(second->results[0].outcome == CommitOutcome::kCommitted);
  CHECK(second->head == 1);
  CHECK(second->epoch == s.meta->journal().epoch());

  auto list = meta->List(0, 100);
  REQUIRE(list.ok());
  REQUIRE(list->entries.size() == 1);
  CHECK(list->entries[0].meta == request.items[0].meta);
  auto entry = meta->Entry(1);
  REQUIRE(entry.ok());
  CHECK(entry->meta == request.items[0].meta);
  CHECK(meta->Entry(2).status().code() == Code::kNotFound);

  const MetaClientStats stats = meta->stats();
  CHECK(stats.commit_requests == 2);
  CHECK(stats.list_requests == 1);
  CHECK(stats.entry_requests == 2);
  CHECK(stats.commit_body_bytes > 0);
}

TEST_CASE("meta client: a move and a folded listing, a notify woken by a commit") {
  Servers s;
  auto meta = s.Client();
  auto dir = meta->Commit({"laptop", {DirItem("src", 0)}});
  REQUIRE(dir.ok());
  const uint64_t src = dir->results[0].jid;
  wire::SubtreeDigest none;
  auto moved = meta->Move({"laptop", "src", src, "dst", 0, none.Finish()});
  REQUIRE_MESSAGE(moved.ok(), moved.status().ToString());
  REQUIRE(moved->outcome == wire::MoveOutcome::kCommitted);
  auto folded = meta->List(src, 100, /*deltas=*/false, /*moves=*/true);
  REQUIRE(folded.ok());
  REQUIRE(folded->entries.size() == 1);
  CHECK(folded->entries[0].moved_from == "src");

  const uint64_t head = moved->jid + moved->covers;
  auto timed_out = meta->Notify(head, 50ms);
  REQUIRE(timed_out.ok());
  CHECK(timed_out->head == head);
  auto watcher = s.Client();
  auto woken = std::async(std::launch::async, [&] { return watcher->Notify(head, 30'000ms); });
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (s.meta->notifier().waiting() == 0 && std::chrono::steady_clock::now() < deadline) {
    REQUIRE(woken.wait_for(1ms) == std::future_status::timeout);
  }
  REQUIRE(meta->Commit({"laptop", {DirItem("other", 0)}}).ok());
  REQUIRE(woken.wait_for(10s) == std::future_status::ready);
  auto answer = woken.get();
  REQUIRE(answer.ok());
  CHECK(answer->head == head + 1);
  CHECK(watcher->stats().notify_wakeups == 1);
  CHECK(meta->stats().move_requests == 1);
}

TEST_CASE("meta client: refusals keep their meaning, an unreachable server is Unavailable") {
  Servers s;
  CHECK(s.Client("bad name")->List(0, 10).status().code() == Code::kInvalidArgument);
  CHECK(s.Client()->List(0, 0).status().code() == Code::kInvalidArgument);
  auto nowhere = MetaClient::Create("http://127.0.0.1:1", "docs");
  REQUIRE(nowhere.ok());
  CHECK((*nowhere)->List(0, 10).status().code() == Code::kUnavailable);
}

}  // namespace
}  // namespace tessera::common::client
