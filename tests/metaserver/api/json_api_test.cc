// The metaserver's HTTP API end to end: a real Service (journal, notifier, HttpServer) on
// 127.0.0.1:0, talking to a stand-in blockserver that serves POST /v1/blocks/has from a
// FakeBlockStore and can be told to fail or be stopped (fault injection).
#include "metaserver/api/json_api.h"

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/http/client.h"
#include "common/http/server.h"
#include "common/wire/block_messages.h"
#include "common/wire/blocklist_delta.h"
#include "common/wire/journal_messages.h"
#include "metaserver/service.h"
#include "tests/metaserver/journal/journal_test_util.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::metaserver {
namespace {

using namespace std::chrono_literals;
using common::http::HttpClient;
using common::wire::CommitBatchRequest;
using common::wire::CommitOutcome;
using testing::FakeBlockStore;
using testing::FileItem;

// A stand-in blockserver: only /v1/blocks/has, answered from `store`.
class FakeBlockServer {
 public:
  FakeBlockServer(FakeBlockStore& store, common::Logger& log) {
    router_.AddSync("POST", "/v1/blocks/has", [&store](const common::http::Request& request) {
      auto ids = common::wire::DecodeIdList(request.body, "ids");
      if (!ids.ok()) return common::http::ErrorResponse(ids.status());
      auto missing = store.Fn()(ids->ids);
      if (!missing.ok()) return common::http::ErrorResponse(missing.status());
      common::http::Response response;
      response.body = common::wire::EncodeIdList({*missing}, "missing");
      return response;
    });
    auto server = common::http::HttpServer::Start({}, router_, log);
    REQUIRE_MESSAGE(server.ok(), server.status().ToString());
    server_ = std::move(server).value();
  }
  std::string url() const { return server_->url(); }
  // Gone for good: the listening socket is closed, so connecting is refused. (Destroyed rather
  // than Stop()ped: HttpServer::Stop() may leave the socket listening until destruction.)
  void Kill() { server_.reset(); }

 private:
  common::http::Router router_;
  std::unique_ptr<common::http::HttpServer> server_;
};

struct Cluster {
  testutil::TempDir dir;
  common::PosixEnv env;
  common::Logger log{common::LogLevel::kError};
  FakeBlockStore store;
  FakeBlockServer blockserver{store, log};
  std::unique_ptr<Service> meta;
  std::string url;

  explicit Cluster(ServiceOptions options = {}) {
    options.listen = "127.0.0.1:0";
    options.data_dir = dir.Sub("meta");
    options.blockserver_url = blockserver.url();
    auto started = Service::Start(options, env, log);
    REQUIRE_MESSAGE(started.ok(), started.status().ToString());
    meta = std::move(started).value();
    url = "http://127.0.0.1:" + std::to_string(meta->port());
  }

  std::unique_ptr<HttpClient> Client() {
    auto client = HttpClient::Create(url);
    REQUIRE(client.ok());
    return std::move(client).value();
  }
  common::http::ClientResponse Get(const std::string& target) {
    auto response = Client()->Get(target);
    REQUIRE_MESSAGE(response.ok(), response.status().ToString());
    return *response;
  }
  common::http::ClientResponse Post(const std::string& target, const std::string& body) {
    auto response = Client()->Post(target, body, "application/json");
    REQUIRE_MESSAGE(response.ok(), response.status().ToString());
    return *response;
  }
  common::wire::CommitBatchResponse Commit(const std::string& ns,
                                           std::vector<common::wire::CommitItem> items) {
    CommitBatchRequest request{"laptop", std::move(items)};
    const auto response = Post("/v1/ns/" + ns + "/commit_batch", common::wire::Encode(request));
    REQUIRE_MESSAGE(response.status == 200, response.body);
    auto decoded = common::wire::DecodeCommitBatchResponse(response.body);
    REQUIRE_MESSAGE(decoded.ok(), decoded.status().ToString());
    return *decoded;
  }
  common::wire::ListResponse List(const std::string& ns, const std::string& query = "") {
    const auto response = Get("/v1/ns/" + ns + "/list" + query);
    REQUIRE_MESSAGE(response.status == 200, response.body);
    auto decoded = common::wire::DecodeListResponse(response.body);
    REQUIRE_MESSAGE(decoded.ok(), decoded.status().ToString());
    return *decoded;
  }
};

TEST_CASE("metaserver api: health answers ok") {
  Cluster c;
  const auto response = c.Get("/v1/health");
  CHECK(response.status == 200);
  CHECK(response.body == R"({"ok":true})");
}

TEST_CASE("metaserver api: commit asks for missing blocks, then commits once they are stored") {
  Cluster c;
  const auto item = FileItem("notes/todo.txt", 0, {"line one\n", "line two\n"});
  c.store.Add({"line one\n"});
  auto first = c.Commit("docs", {item});
  REQUIRE(first.results.size() == 1);
  CHECK(first.results[0].outcome == CommitOutcome::kNeedBlocks);
  REQUIRE(first.results[0].need_blocks.size() == 1);
  CHECK(first.results[0].need_blocks[0] == common::BlockId::Of("line two\n"));
  CHECK(c.List("docs").head == 0);

  c.store.Add({"line two\n"});  // the client uploaded it
  auto second = c.Commit("docs", {item});
  REQUIRE(second.results.size() == 1);
  CHECK(second.results[0].outcome == CommitOutcome::kCommitted);
  CHECK(second.results[0].jid == 1);
  const auto list = c.List("docs");
  CHECK(list.head == 1);
  REQUIRE(list.entries.size() == 1);
  CHECK(list.entries[0].meta == item.meta);
  CHECK(list.entries[0].device == "laptop");
  CHECK(list.epoch == c.meta->journal().epoch());
}

TEST_CASE("metaserver api: a stale parent gets a conflict naming the latest JID") {
  Cluster c;
  c.store.Add({"a", "b", "c"});
  const auto v1 = c.Commit("docs", {FileItem("f", 0, {"a"})}).results.at(0);
  const auto v2 = c.Commit("docs", {FileItem("f", v1.jid, {"b"})}).results.at(0);
  REQUIRE(v2.outcome == CommitOutcome::kCommitted);
  const auto stale = c.Commit("docs", {FileItem("f", v1.jid, {"c"})}).results.at(0);
  CHECK(stale.outcome == CommitOutcome::kConflict);
  CHECK(stale.latest_jid == v2.jid);
  CHECK(c.List("docs").head == v2.jid);
}

TEST_CASE("metaserver api: list pages through the journal and refuses bad parameters") {
  Cluster c;
  c.store.Add({"x"});
  std::vector<common::wire::CommitItem> items;
  for (int i = 0; i < 7; ++i) items.push_back(FileItem("f" + std::to_string(i), 0, {"x"}));
  REQUIRE(c.Commit("docs", items).results.size() == 7);

  const auto page1 = c.List("docs", "?cursor=0&limit=3");
  CHECK(page1.entries.size() == 3);
  CHECK(page1.has_more);
  CHECK(page1.cursor == 3);
  const auto page3 = c.List("docs", "?cursor=6&limit=3");
  CHECK(page3.entries.size() == 1);
  CHECK_FALSE(page3.has_more);
  CHECK(page3.head == 7);
  CHECK(c.List("docs").entries.size() == 7);  // default limit

  for (const char* query : {"?limit=0", "?limit=10001", "?cursor=abc", "?cursor=-1", "?cursor=1x",
                            "?limit=", "?cursor=99999999999999999999999"}) {
    CAPTURE(query);
    CHECK(c.Get(std::string("/v1/ns/docs/list") + query).status == 400);
  }
  // A namespace nobody committed to lists as empty (and is not created by it).
  const auto fresh = c.List("brand-new");
  CHECK(fresh.head == 0);
  CHECK(fresh.entries.empty());
}

TEST_CASE("metaserver api: list and notify of an unknown namespace do not create it") {
  Cluster c;
  const auto fresh = c.List("fresh", "?cursor=5");
  CHECK(fresh.head == 0);
  CHECK(fresh.cursor == 5);
  CHECK(fresh.epoch == c.meta->journal().epoch());
  const auto ahead = c.Get("/v1/ns/fresh/notify?cursor=3&timeout_ms=60000");
  REQUIRE(ahead.status == 200);
  CHECK(common::wire::DecodeNotifyResponse(ahead.body)->head == 0);
  // Still unknown: history and entry of it are 404, as for any namespace never committed to.
  CHECK(c.Get("/v1/ns/fresh/history?path=a").status == 404);
  CHECK(c.Get("/v1/ns/fresh/entry?jid=1").status == 404);
  c.Commit("fresh", {testing::DirItem("d", 0)});
  CHECK(c.Get("/v1/ns/fresh/history?path=a").status == 200);
}

TEST_CASE("metaserver api: 400 reads of distinct unknown namespaces create none") {
  Cluster c;
  const std::string empty_body = c.Get("/v1/ns/never-0/list").body;
  for (int i = 0; i < 400; ++i) {
    const std::string ns = "never-" + std::to_string(i);
    CAPTURE(ns);
    const auto list = c.Get("/v1/ns/" + ns + "/list");
    REQUIRE(list.status == 200);
    CHECK(list.body == empty_body);  // the answer names no namespace, so it is byte-identical
    const auto notify = c.Get("/v1/ns/" + ns + "/notify?cursor=0&timeout_ms=1");
    REQUIRE(notify.status == 200);
    CHECK(common::wire::DecodeNotifyResponse(notify.body)->head == 0);
  }
  for (int i = 0; i < 400; ++i) {
    const auto found = c.meta->journal().FindNamespace("never-" + std::to_string(i));
    REQUIRE(found.ok());
    CHECK_FALSE(found->has_value());
  }
  CHECK(c.meta->notifier().remembered() == 0);  // the timed-out waiters left nothing behind
  // The empty answer carries the journal's epoch, the one the namespace has once committed to,
  // so a daemon that listed it before its first commit sees no journal reset afterwards.
  const auto before = c.List("never-7");
  c.Commit("never-7", {testing::DirItem("d", 0)});
  const auto after = c.List("never-7");
  CHECK(before.epoch == after.epoch);
  CHECK(after.head == 1);
}

TEST_CASE("metaserver api: bad namespace names are refused") {
  Cluster c;
  for (const std::string& ns :
       std::vector<std::string>{"bad$name", "sp%20ace", std::string(65, 'n'), "..", "%2e%2e"}) {
    CAPTURE(ns);
    CHECK(c.Get("/v1/ns/" + ns + "/list").status == 400);
  }
  CHECK(c.Get("/v1/ns/" + std::string(64, 'n') + "/list").status == 200);
}

TEST_CASE("metaserver api: notify wakes within a second when another thread commits") {
  Cluster c;
  c.store.Add({"x"});
  auto waiting = std::async(std::launch::async, [&c] {
    return c.Client()->Get("/v1/ns/docs/notify?cursor=0&timeout_ms=30000");
  });
  // The long-poll is parked in the notifier before anything is committed.
  const auto park_deadline = std::chrono::steady_clock::now() + 10s;
  while (c.meta->notifier().waiting() == 0 && std::chrono::steady_clock::now() < park_deadline) {
    REQUIRE(waiting.wait_for(1ms) == std::future_status::timeout);
  }
  REQUIRE(c.meta->notifier().waiting() == 1);

  std::jthread committer([&c] { c.Commit("docs", {FileItem("new", 0, {"x"})}); });
  committer.join();
  REQUIRE(waiting.wait_for(1s) == std::future_status::ready);
  auto response = waiting.get();
  REQUIRE(response.ok());
  REQUIRE(response->status == 200);
  auto notify = common::wire::DecodeNotifyResponse(response->body);
  REQUIRE(notify.ok());
  CHECK(notify->head == 1);
  CHECK(notify->epoch == c.meta->journal().epoch());
}

TEST_CASE("metaserver api: notify times out with the same head when nothing happens") {
  Cluster c;
  c.store.Add({"x"});
  c.Commit("docs", {FileItem("f", 0, {"x"})});
  const auto response = c.Get("/v1/ns/docs/notify?cursor=1&timeout_ms=100");
  REQUIRE(response.status == 200);
  auto notify = common::wire::DecodeNotifyResponse(response.body);
  REQUIRE(notify.ok());
  CHECK(notify->head == 1);
  // Behind the head: answered at once, whatever the timeout.
  auto behind = common::wire::DecodeNotifyResponse(
      c.Get("/v1/ns/docs/notify?cursor=0&timeout_ms=60000").body);
  REQUIRE(behind.ok());
  CHECK(behind->head == 1);
  CHECK(c.Get("/v1/ns/docs/notify?cursor=x").status == 400);
}

TEST_CASE("metaserver api: long-polls past the limit are refused with 503") {
  ServiceOptions options;
  options.notifier.max_waiters = 1;
  Cluster c(options);
  auto parked = std::async(std::launch::async, [&c] {
    return c.Client()->Get("/v1/ns/docs/notify?cursor=0&timeout_ms=30000");
  });
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (c.meta->notifier().waiting() == 0 && std::chrono::steady_clock::now() < deadline) {
    REQUIRE(parked.wait_for(1ms) == std::future_status::timeout);
  }
  REQUIRE(c.meta->notifier().waiting() == 1);
  CHECK(c.Get("/v1/ns/docs/notify?cursor=0&timeout_ms=30000").status == 503);
  c.store.Add({"x"});
  c.Commit("docs", {FileItem("f", 0, {"x"})});  // releases the parked one
  REQUIRE(parked.wait_for(10s) == std::future_status::ready);
  CHECK(parked.get()->status == 200);
}

TEST_CASE("metaserver api: malformed JSON is a 400 and writes nothing") {
  Cluster c;
  const std::vector<std::string> bodies = {
      "",
      "{",
      "[]",
      "null",
      R"({"device":"laptop"})",
      R"({"device":7,"items":[]})",
      R"({"device":"laptop","items":{}})",
      R"({"device":"laptop","items":[{"parent_jid":-1,"meta":{}}]})",
      R"({"device":"laptop","items":[{"parent_jid":0,"meta":{"path":"a","kind":"file",)"
      R"("size":1,"mtime_ns":0,"mode":420,"blocks":[{"id":"zz","size":1}]}}]})",
      std::string(1000, '['),
  };
  for (const auto& body : bodies) {
    CAPTURE(body);
    const auto response = c.Post("/v1/ns/docs/commit_batch", body);
    CHECK(response.status == 400);
  }
  CHECK(c.List("docs").head == 0);
}

TEST_CASE("metaserver api: a hostile path is refused and writes nothing") {
  Cluster c;
  c.store.Add({"x"});
  for (const std::string path : {"../../etc/passwd", "/etc/passwd", "a/../../b", "a\\..\\b"}) {
    CAPTURE(path);
    CommitBatchRequest request{"laptop", {FileItem("fine", 0, {"x"}), FileItem(path, 0, {"x"})}};
    const auto response = c.Post("/v1/ns/docs/commit_batch", common::wire::Encode(request));
    CHECK(response.status == 400);
  }
  CHECK(c.List("docs").head == 0);
  CHECK(c.Get("/v1/ns/docs/history?path=..%2Fx").status == 400);
}

TEST_CASE("metaserver api: blockserver trouble is a 503 and nothing is committed") {
  Cluster c;
  c.store.Add({"x"});
  const std::vector<common::wire::CommitItem> items = {testing::DirItem("d", 0),
                                                       FileItem("d/f", 0, {"x"})};
  const std::string body = common::wire::Encode(CommitBatchRequest{"laptop", items});
  SUBCASE("it answers with an error") {
    c.store.FailWith(common::Status(common::Code::kIOError, "disk on fire"));
  }
  SUBCASE("it is down") { c.blockserver.Kill(); }
  const auto response = c.Post("/v1/ns/docs/commit_batch", body);
  CHECK(response.status == 503);
  CHECK(c.List("docs").head == 0);
}

TEST_CASE("metaserver api: history lists every version of a path") {
  Cluster c;
  c.store.Add({"1", "2"});
  const auto v1 = c.Commit("docs", {FileItem("h", 0, {"1"})}).results.at(0);
  c.Commit("docs", {FileItem("h", v1.jid, {"2"})});
  const auto response = c.Get("/v1/ns/docs/history?path=h");
  REQUIRE(response.status == 200);
  auto history = common::wire::DecodeListResponse(response.body);
  REQUIRE(history.ok());
  REQUIRE(history->entries.size() == 2);
  CHECK(history->entries[0].meta.blocks[0].id == common::BlockId::Of("1"));
  CHECK(history->entries[1].meta.blocks[0].id == common::BlockId::Of("2"));
  CHECK(c.Get("/v1/ns/docs/history").status == 400);
  CHECK(c.Get("/v1/ns/nobody/history?path=h").status == 404);
}

TEST_CASE("metaserver api: list?deltas=1 sends a small delta, plain list exactly as before") {
  Cluster c;
  std::vector<std::string> v1;
  for (int i = 0; i < 200; ++i) v1.push_back("line " + std::to_string(i) + "\n");
  auto v2 = v1;
  v2[100] = "edited\n";
  c.store.Add(v1);
  c.store.Add(v2);
  const auto a = c.Commit("docs", {FileItem("f", 0, v1)}).results.at(0);
  // The client commits the edit as a delta: a few hundred bytes.
  common::wire::CommitItem item = FileItem("f", a.jid, v2);
  const auto full_blocks = item.meta.blocks;
  item.delta = common::wire::BlocklistDelta{a.jid, 100, 99, {full_blocks[100]}};
  item.delta->digest = common::wire::BlocklistDigest(full_blocks);
  item.meta.blocks.clear();
  const std::string body = common::wire::Encode(CommitBatchRequest{"laptop", {item}});
  CHECK(body.size() < 512);
  const auto b = c.Commit("docs", {item});
  REQUIRE(b.results.at(0).outcome == CommitOutcome::kCommitted);
  CHECK(b.head_before == a.jid);
  CHECK(b.head == b.results[0].jid);

  const auto plain_response = c.Get("/v1/ns/docs/list");
  CHECK(plain_response.body.find("\"delta\"") == std::string::npos);
  const auto plain = c.List("docs");
  REQUIRE(plain.entries.size() == 2);
  CHECK(plain.entries[1].meta.blocks == full_blocks);

  const auto with = c.Get("/v1/ns/docs/list?deltas=1");
  REQUIRE(with.status == 200);
  CHECK(with.body.size() < plain_response.body.size() * 2 / 3);
  auto deltas = common::wire::DecodeListResponse(with.body);
  REQUIRE(deltas.ok());
  REQUIRE(deltas->entries.size() == 2);
  REQUIRE(deltas->entries[1].delta.has_value());
  CHECK(deltas->entries[1].delta->base_jid == a.jid);
  CHECK(deltas->entries[1].delta->blocks.size() == 1);
  CHECK(c.Get("/v1/ns/docs/list?deltas=2").status == 400);

  // entry?jid= answers the whole entry.
  const auto one = c.Get("/v1/ns/docs/entry?jid=" + std::to_string(b.results[0].jid));
  REQUIRE(one.status == 200);
  auto entry = common::wire::DecodeJournalEntry(one.body);
  REQUIRE_MESSAGE(entry.ok(), entry.status().ToString());
  CHECK(entry->meta.blocks == full_blocks);
  CHECK(entry->jid == b.results[0].jid);
  CHECK(c.Get("/v1/ns/docs/entry?jid=99").status == 404);
  CHECK(c.Get("/v1/ns/docs/entry").status == 400);
  CHECK(c.Get("/v1/ns/docs/entry?jid=x").status == 400);
  CHECK(c.Get("/v1/ns/nobody/entry?jid=1").status == 404);
}

}  // namespace
}  // namespace tessera::metaserver
