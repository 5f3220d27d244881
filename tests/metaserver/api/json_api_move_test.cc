// POST /v1/ns/{ns}/move and GET list?moves=1 over real HTTP: a Service on 127.0.0.1:0. Only
// directories and empty files are committed, so the blockserver is never asked.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/http/client.h"
#include "common/wire/journal_messages.h"
#include "common/wire/move_messages.h"
#include "metaserver/api/json_api.h"
#include "metaserver/service.h"
#include "tests/metaserver/journal/journal_test_util.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::metaserver {
namespace {

using common::wire::MoveOutcome;
using common::wire::MoveRequest;
using testing::DirItem;
using testing::FileItem;

struct Server {
  testutil::TempDir dir;
  common::PosixEnv env;
  common::Logger log{common::LogLevel::kError};
  std::unique_ptr<Service> meta;
  std::unique_ptr<common::http::HttpClient> client;

  Server() {
    ServiceOptions options;
    options.listen = "127.0.0.1:0";
    options.data_dir = dir.Sub("meta");
    options.blockserver_url = "http://127.0.0.1:1";  // never asked: no blocks are committed
    auto started = Service::Start(options, env, log);
    REQUIRE_MESSAGE(started.ok(), started.status().ToString());
    meta = std::move(started).value();
    auto c = common::http::HttpClient::Create("http://127.0.0.1:" + std::to_string(meta->port()));
    REQUIRE(c.ok());
    client = std::move(c).value();
  }
  common::http::ClientResponse Get(const std::string& target) {
    auto r = client->Get(target);
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    return *r;
  }
  common::http::ClientResponse Post(const std::string& target, const std::string& body) {
    auto r = client->Post(target, body, "application/json");
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    return *r;
  }
  uint64_t Commit(common::wire::CommitItem item) {
    common::wire::CommitBatchRequest request{"laptop", {std::move(item)}};
    const auto r = Post("/v1/ns/docs/commit_batch", common::wire::Encode(request));
    REQUIRE_MESSAGE(r.status == 200, r.body);
    auto decoded = common::wire::DecodeCommitBatchResponse(r.body);
    REQUIRE(decoded.ok());
    REQUIRE(decoded->results[0].outcome == common::wire::CommitOutcome::kCommitted);
    return decoded->results[0].jid;
  }
  common::wire::MoveResponse Move(const MoveRequest& request) {
    const auto r = Post("/v1/ns/docs/move", common::wire::Encode(request));
    REQUIRE_MESSAGE(r.status == 200, r.body);
    auto decoded = common::wire::DecodeMoveResponse(r.body);
    REQUIRE_MESSAGE(decoded.ok(), decoded.status().ToString());
    return *decoded;
  }
  common::wire::ListResponse List(const std::string& query) {
    const auto r = Get("/v1/ns/docs/list" + query);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    auto decoded = common::wire::DecodeListResponse(r.body);
    REQUIRE_MESSAGE(decoded.ok(), decoded.status().ToString());
    return *decoded;
  }
};

TEST_CASE(
    "move api: a move commits once; list with moves=1 sends it as one entry, without "
    "moves=1 every entry") {
  Server s;
  const uint64_t src = s.Commit(DirItem("src", 0));
  s.Commit(DirItem("src/sub", 0));
  s.Commit(FileItem("src/sub/empty", 0, {}));
  s.Commit(FileItem("src/empty", 0, {}));
  common::wire::SubtreeDigest known;  // src/empty, src/sub, src/sub/empty: bytewise
  known.Add("src/empty", 4);
  known.Add("src/sub", 2);
  known.Add("src/sub/empty", 3);
  const std::string subtree = known.Finish();
  // Without the digest of what the client knows, the server does not move.
  CHECK(s.Move(MoveRequest{"laptop", "src", src, "dst", 0, ""}).outcome == MoveOutcome::kConflict);
  const auto moved = s.Move(MoveRequest{"laptop", "src", src, "dst", 0, subtree});
  REQUIRE(moved.outcome == MoveOutcome::kCommitted);
  CHECK(moved.jid == 5);
  CHECK(moved.covers == 7);

  const auto plain = s.List("?cursor=4");
  CHECK(plain.entries.size() == 8);
  CHECK(plain.cursor == 12);
  const auto folded = s.List("?cursor=4&moves=1");
  REQUIRE(folded.entries.size() == 1);
  CHECK(folded.entries[0].meta.path == "dst");
  CHECK(folded.entries[0].moved_from == "src");
  CHECK(folded.entries[0].covers == 7);
  CHECK(folded.cursor == 12);
  CHECK_FALSE(folded.has_more);
  // The raw answer carries the two fields only on the move entry.
  const auto raw = s.Get("/v1/ns/docs/list?cursor=0&moves=1");
  CHECK(raw.body.find("\"moved_from\":\"src\"") != std::string::npos);
  CHECK(raw.body.find("\"covers\":7") != std::string::npos);
  CHECK(s.Get("/v1/ns/docs/list?cursor=0").body.find("moved_from") == std::string::npos);
  // moves=0 (or anything but 1) is the plain listing.
  CHECK(s.List("?cursor=4&moves=0").entries.size() == 8);

  // A second move of the old name conflicts: it is a tombstone now.
  const auto stale = s.Move(MoveRequest{"laptop", "src", src, "elsewhere", 0, ""});
  CHECK(stale.outcome == MoveOutcome::kConflict);
  CHECK(stale.latest_jid == 9);  // M + N + 1: src's tombstone
  // A destination that exists: conflict with its JID.
  const uint64_t other = s.Commit(DirItem("other", 0));
  const auto taken = s.Move(MoveRequest{"laptop", "dst", moved.jid, "other", 0, ""});
  CHECK(taken.outcome == MoveOutcome::kConflict);
  CHECK(taken.latest_jid == other);
}

TEST_CASE("move api: bad requests are 400 and write nothing") {
  Server s;
  const uint64_t src = s.Commit(DirItem("src", 0));
  for (const std::string& body :
       {std::string("{"), std::string("[]"), std::string(R"({"device":"d","from":"src"})"),
        common::wire::Encode(MoveRequest{"d", "../src", src, "dst", 0, ""}),
        common::wire::Encode(MoveRequest{"d", "src", src, "/dst", 0, ""}),
        common::wire::Encode(MoveRequest{"d", "src", src, "src/inner", 0, ""}),
        common::wire::Encode(MoveRequest{"d", "src", src, "src", 0, ""}),
        common::wire::Encode(MoveRequest{std::string(300, 'd'), "src", src, "dst", 0, ""})}) {
    CAPTURE(body);
    CHECK(s.Post("/v1/ns/docs/move", body).status == 400);
  }
  CHECK(s.Post("/v1/ns/bad%20name/move",
               common::wire::Encode(MoveRequest{"d", "src", src, "dst", 0, ""}))
            .status == 400);
  for (const char* query : {"?moves=1&limit=0", "?moves=1&cursor=x", "?moves=1&deltas=2"}) {
    CAPTURE(query);
    CHECK(s.Get(std::string("/v1/ns/docs/list") + query).status == 400);
  }
  CHECK(s.List("?cursor=0").head == 1);
}

}  // namespace
}  // namespace tessera::metaserver
