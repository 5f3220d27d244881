// common/wire/move_messages.h: the move request/answer and the move fields of list entries.
#include <doctest/doctest.h>

#include "common/wire/journal_messages.h"
#include "common/wire/move_messages.h"

namespace tessera::common::wire {
namespace {

TEST_CASE("wire moves: requests and answers round-trip") {
  SubtreeDigest digest;
  digest.Add("a/src/x", 3);
  const MoveRequest request{"laptop", "a/src", 12, "b/dst", 7, digest.Finish()};
  auto decoded = DecodeMoveRequest(Encode(request));
  REQUIRE_MESSAGE(decoded.ok(), decoded.status().ToString());
  CHECK(decoded->device == "laptop");
  CHECK(decoded->from == "a/src");
  CHECK(decoded->from_jid == 12);
  CHECK(decoded->to == "b/dst");
  CHECK(decoded->to_parent_jid == 7);
  CHECK(decoded->subtree == request.subtree);
  // Without a digest (an older client) the request decodes; the server answers conflict.
  auto bare =
      DecodeMoveRequest(R"({"device":"d","from":"a","from_jid":1,"to":"b","to_parent_jid":0})");
  REQUIRE(bare.ok());
  CHECK(bare->subtree.empty());

  MoveResponse committed;
  committed.outcome = MoveOutcome::kCommitted;
  committed.jid = 40;
  committed.covers = 2023;
  auto c = DecodeMoveResponse(Encode(committed));
  REQUIRE(c.ok());
  CHECK(c->outcome == MoveOutcome::kCommitted);
  CHECK(c->jid == 40);
  CHECK(c->covers == 2023);
  MoveResponse conflict;
  conflict.outcome = MoveOutcome::kConflict;
  conflict.latest_jid = 17;
  CHECK(DecodeMoveResponse(Encode(conflict))->latest_jid == 17);
  MoveResponse invalid;
  invalid.error = "why";
  CHECK(DecodeMoveResponse(Encode(invalid))->error == "why");
}

TEST_CASE("wire moves: the subtree digest depends on every path, JID and their order") {
  auto of = [](std::initializer_list<std::pair<const char*, uint64_t>> paths) {
    SubtreeDigest d;
    for (const auto& [path, jid] : paths) d.Add(path, jid);
    return d.Finish();
  };
  const std::string base = of({{"s/a", 1}, {"s/b", 2}});
  CHECK(base.size() == 64);
  CHECK(base == of({{"s/a", 1}, {"s/b", 2}}));
  CHECK(base != of({{"s/a", 1}, {"s/b", 3}}));
  CHECK(base != of({{"s/a", 1}}));
  CHECK(base != of({{"s/a", 1}, {"s/b", 2}, {"s/c", 4}}));
  CHECK(base != of({{"s/b", 2}, {"s/a", 1}}));
  CHECK(of({{"s/a1", 2}}) != of({{"s/a", 12}}));  // the separator keeps fields apart
  CHECK(of({}) != base);
}

TEST_CASE("wire moves: hostile requests and answers are refused") {
  for (const char* body : {
           "",
           "[]",
           R"({"device":"d","from":"a","from_jid":1,"to":"b"})",
           R"({"device":"d","from":"../a","from_jid":1,"to":"b","to_parent_jid":0})",
           R"({"device":"d","from":"a","from_jid":1,"to":"/b","to_parent_jid":0})",
           R"({"device":"d","from":"a","from_jid":1,"to":"a/b","to_parent_jid":0})",
           R"({"device":"d","from":"a","from_jid":1,"to":"a","to_parent_jid":0})",
           R"({"device":"d","from":"a","from_jid":-1,"to":"b","to_parent_jid":0})",
           R"({"device":"d","from":"a\\b","from_jid":1,"to":"b","to_parent_jid":0})",
           R"({"device":"d","from":"a","from_jid":1,"to":"b","to_parent_jid":0,"subtree":"abc"})",
           R"({"device":"d","from":"a","from_jid":1,"to":"b","to_parent_jid":0,"subtree":7})",
       }) {
    CAPTURE(body);
    CHECK(DecodeMoveRequest(body).status().code() == Code::kInvalidArgument);
  }
  for (const char* body :
       {R"({"outcome":"committed","jid":3})", R"({"outcome":"committed","jid":3,"covers":0})",
        R"({"outcome":"committed","jid":3,"covers":999999999})", R"({"outcome":"moved"})",
        R"({"outcome":"conflict"})"}) {
    CAPTURE(body);
    CHECK_FALSE(DecodeMoveResponse(body).ok());
  }
}

TEST_CASE("wire moves: a list entry carries moved_from and covers only for a move") {
  ListResponse list;
  list.epoch = "e";
  JournalEntry move;
  move.jid = 5;
  move.meta.path = "dst";
  move.meta.kind = FileKind::kDir;
  move.meta.mode = 0755;
  move.moved_from = "src";
  move.covers = 9;
  JournalEntry plain = move;
  plain.jid = 15;
  plain.meta.path = "other";
  plain.moved_from.clear();
  plain.covers = 0;
  list.entries = {move, plain};
  const std::string json = Encode(list);
  auto decoded = DecodeListResponse(json);
  REQUIRE_MESSAGE(decoded.ok(), decoded.status().ToString());
  CHECK(decoded->entries[0] == move);
  CHECK(decoded->entries[1] == plain);
  CHECK(json.find("moved_from") == json.rfind("moved_from"));  // once

  const std::string head = R"({"cursor":1,"has_more":false,"head":1,"epoch":"e","entries":[)";
  const std::string dir = R"("meta":{"path":"dst","kind":"dir","size":0,"mtime_ns":0,"mode":493})";
  const std::string file =
      R"("meta":{"path":"dst","kind":"file","size":0,"mtime_ns":0,"mode":420})";
  for (const std::string& entry : {
           R"({"jid":1,)" + dir + R"(,"covers":3})",                          // no moved_from
           R"({"jid":1,)" + dir + R"(,"covers":3,"moved_from":"../x"})",      // bad path
           R"({"jid":1,)" + dir + R"(,"covers":3,"moved_from":"dst"})",       // itself
           R"({"jid":1,)" + dir + R"(,"covers":3,"moved_from":7})",           // not a string
           R"({"jid":1,)" + file + R"(,"covers":3,"moved_from":"src"})",      // not a dir
           R"({"jid":1,)" + dir + R"(,"covers":300000,"moved_from":"src"})",  // too many
       }) {
    CAPTURE(entry);
    CHECK_FALSE(DecodeListResponse(head + entry + "]}").ok());
  }
  // covers 0 means an ordinary entry; a stray moved_from beside it is ignored.
  auto ordinary =
      DecodeListResponse(head + R"({"jid":1,)" + dir + R"(,"covers":0,"moved_from":"x"})" + "]}");
  REQUIRE(ordinary.ok());
  CHECK(ordinary->entries[0].moved_from.empty());
}

}  // namespace
}  // namespace tessera::common::wire
