#include <doctest/doctest.h>

#include <string>

#include "common/wire/journal_messages.h"

namespace tessera::common::wire {
namespace {

FileMeta AFile() {
  FileMeta m;
  m.path = "docs/readme.txt";
  m.kind = FileKind::kFile;
  m.blocks = {{BlockId::Of("one"), 3}, {BlockId::Of("four"), 4}};
  m.size = 7;
  m.mtime_ns = -5;  // before the epoch is legal
  m.mode = 0755;
  return m;
}

FileMeta ALink() {
  FileMeta m;
  m.path = "link";
  m.kind = FileKind::kSymlink;
  m.symlink_target = "../elsewhere";
  m.mtime_ns = 1'700'000'000'000'000'000;
  return m;
}

JournalEntry Entry(uint64_t jid, FileMeta meta, std::string device) {
  JournalEntry e;
  e.jid = jid;
  e.meta = std::move(meta);
  e.device = std::move(device);
  return e;
}

TEST_CASE("wire: a commit batch request round trips every kind") {
  CommitBatchRequest m;
  m.device = "laptop";
  m.items.push_back({0, AFile()});
  m.items.push_back({7, ALink()});
  FileMeta dir;
  dir.path = "docs";
  dir.kind = FileKind::kDir;
  m.items.push_back({UINT64_MAX, dir});
  FileMeta gone;
  gone.path = "old.txt";
  gone.kind = FileKind::kDeleted;
  m.items.push_back({3, gone});
  FileMeta empty;
  empty.path = "empty";
  m.items.push_back({0, empty});
  auto back = DecodeCommitBatchRequest(Encode(m));
  REQUIRE_MESSAGE(back.ok(), back.status().ToString());
  CHECK(back->device == m.device);
  REQUIRE(back->items.size() == m.items.size());
  for (size_t i = 0; i < m.items.size(); ++i) {
    CHECK(back->items[i].parent_jid == m.items[i].parent_jid);
    CHECK(back->items[i].meta == m.items[i].meta);
  }
}

TEST_CASE("wire: commit results, list and notify responses round trip") {
  CommitBatchResponse r;
  r.results.push_back({"a", CommitOutcome::kCommitted, 42, {}, 0, ""});
  r.results.push_back({"b", CommitOutcome::kNeedBlocks, 0, {BlockId::Of("z")}, 0, ""});
  r.results.push_back({"c", CommitOutcome::kConflict, 0, {}, 17, ""});
  r.results.push_back({"../bad", CommitOutcome::kInvalid, 0, {}, 0, "path escapes"});
  auto rb = DecodeCommitBatchResponse(Encode(r));
  REQUIRE_MESSAGE(rb.ok(), rb.status().ToString());
  REQUIRE(rb->results.size() == 4);
  CHECK(rb->results[0].jid == 42);
  CHECK(rb->results[1].need_blocks == std::vector<BlockId>{BlockId::Of("z")});
  CHECK(rb->results[2].latest_jid == 17);
  CHECK(rb->results[3].outcome == CommitOutcome::kInvalid);
  CHECK(rb->results[3].error == "path escapes");

  ListResponse l;
  l.entries.push_back(Entry(5, AFile(), "laptop"));
  l.entries.push_back(Entry(6, ALink(), "desktop"));
  l.cursor = 6;
  l.has_more = true;
  l.head = 90;
  l.epoch = "e1";
  auto lb = DecodeListResponse(Encode(l));
  REQUIRE_MESSAGE(lb.ok(), lb.status().ToString());
  CHECK(lb->entries == l.entries);
  CHECK(lb->cursor == 6);
  CHECK(lb->has_more);
  CHECK(lb->head == 90);
  CHECK(lb->epoch == "e1");

  auto nb = DecodeNotifyResponse(Encode(NotifyResponse{12, "e2"}));
  REQUIRE(nb.ok());
  CHECK(nb->head == 12);
  CHECK(nb->epoch == "e2");
}

// Encodes a request with one item and lets `edit` break its meta JSON.
std::string WithMeta(const std::string& meta_json) {
  return R"({"device":"d","items":[{"parent_jid":0,"meta":)" + meta_json + "}]}";
}

TEST_CASE("wire: hostile or inconsistent commit items are refused") {
  const std::string id = BlockId::Of("x").ToHex();
  const std::string blocks = R"([{"id":")" + id + R"(","size":3}])";
  const auto file = [&](const std::string& path, const std::string& extra, uint64_t size) {
    return R"({"path":")" + path + R"(","kind":"file","size":)" + std::to_string(size) +
           R"(,"mtime_ns":0,"mode":420)" + extra + "}";
  };
  // The good one decodes, so the failures below are for the stated reason.
  REQUIRE(DecodeCommitBatchRequest(WithMeta(file("a", ",\"blocks\":" + blocks, 3))).ok());
  const std::string bad_cases[] = {
      file("../a", ",\"blocks\":" + blocks, 3),
      file("/etc/passwd", ",\"blocks\":" + blocks, 3),
      file("a//b", ",\"blocks\":" + blocks, 3),
      file("a\\\\b", ",\"blocks\":" + blocks, 3),
      file("a\\u0000b", ",\"blocks\":" + blocks, 3),
      file("a", ",\"blocks\":" + blocks, 4),                           // size != sum
      file("a", ",\"blocks\":" + blocks + ",\"target\":\"t\"", 3),     // target on a file
      file("a", R"(,"blocks":[{"id":"zz","size":3}])", 3),             // bad hex
      file("a", R"(,"blocks":[{"id":")" + id + R"(","size":0}])", 0),  // empty block
      file("a", R"(,"blocks":[{"id":")" + id + R"(","size":-3}])", 3),
      R"({"path":"d","kind":"dir","size":0,"mtime_ns":0,"mode":493,"blocks":)" + blocks + "}",
      R"({"path":"l","kind":"symlink","size":0,"mtime_ns":0,"mode":511})",  // no target
      R"({"path":"x","kind":"socket","size":0,"mtime_ns":0,"mode":0})",
      R"({"path":"x","kind":"deleted","size":5,"mtime_ns":0,"mode":0})",
      R"({"path":"x","kind":"dir","size":0,"mtime_ns":0,"mode":65536})",
      R"({"path":"x","kind":"dir","size":0,"mtime_ns":"0","mode":0})",
      R"({"kind":"dir","size":0,"mtime_ns":0,"mode":0})",
      R"("not an object")",
  };
  for (const std::string& meta : bad_cases) {
    const auto r = DecodeCommitBatchRequest(WithMeta(meta));
    CHECK_MESSAGE(!r.ok(), meta);
    CHECK_MESSAGE(r.status().code() == Code::kInvalidArgument, meta);
  }
  CHECK(!DecodeCommitBatchRequest(R"({"device":"d"})").ok());
  CHECK(!DecodeCommitBatchRequest(R"({"device":"d","items":[{"meta":{}}]})").ok());
  CHECK(!DecodeCommitBatchRequest("{\"device\":\"d\",\"items\":[").ok());
  CHECK(!DecodeCommitBatchRequest(std::string(100, '[') + std::string(100, ']')).ok());
}

TEST_CASE("wire: too many commit items are refused") {
  std::string body = R"({"device":"d","items":[)";
  for (size_t i = 0; i <= kMaxCommitItems; ++i) {
    if (i) body += ',';
    body += R"({"parent_jid":0,"meta":{"path":"d","kind":"dir","size":0,"mtime_ns":0,"mode":0}})";
  }
  body += "]}";
  CHECK(DecodeCommitBatchRequest(body).status().code() == Code::kResourceExhausted);
}

TEST_CASE("wire: ValidateFileMeta checks the kind rules directly") {
  CHECK(ValidateFileMeta(AFile()).ok());
  FileMeta m = AFile();
  m.size = 8;
  CHECK(!ValidateFileMeta(m).ok());
  m = ALink();
  m.symlink_target = std::string("a\0b", 3);
  CHECK(!ValidateFileMeta(m).ok());
}

}  // namespace
}  // namespace tessera::common::wire

namespace tessera::common::wire {
namespace {

BlocklistDelta ADelta() {
  BlocklistDelta d;
  d.base_jid = 4;
  d.keep_prefix = 2500;
  d.keep_suffix = 2499;
  d.blocks = {{BlockId::Of("new line"), 8}};
  return d;
}

TEST_CASE("wire: a commit item with a blocklist delta round trips and carries no blocks") {
  CommitBatchRequest m;
  m.device = "laptop";
  CommitItem item;
  item.parent_jid = 4;
  item.meta = AFile();
  item.meta.blocks.clear();
  item.meta.size = 20 << 20;
  item.delta = ADelta();
  m.items.push_back(item);
  m.items.push_back(CommitItem{7, ALink()});
  const std::string body = Encode(m);
  CHECK(body.find("\"blocks\":[{") == body.find("\"blocks\":[{", body.find("\"delta\"")));
  CHECK(body.size() < 512);  // two items, one of them the delta
  auto back = DecodeCommitBatchRequest(body);
  REQUIRE_MESSAGE(back.ok(), back.status().ToString());
  REQUIRE(back->items.size() == 2);
  CHECK(back->items[0].meta == item.meta);
  REQUIRE(back->items[0].delta.has_value());
  CHECK(*back->items[0].delta == *item.delta);
  CHECK(!back->items[1].delta.has_value());
}

TEST_CASE("wire: hostile blocklist deltas are refused by the decoder") {
  const std::string id = BlockId::Of("x").ToHex();
  const std::string meta = R"({"path":"a","kind":"file","size":99,"mtime_ns":0,"mode":420)";
  const auto item = [&](const std::string& meta_json, const std::string& delta_json) {
    return R"({"device":"d","items":[{"parent_jid":3,"meta":)" + meta_json + R"(,"delta":)" +
           delta_json + "}]}";
  };
  const std::string good_delta =
      R"({"base_jid":3,"keep_prefix":1,"keep_suffix":0,"blocks":[{"id":")" + id +
      R"(","size":3}]})";
  REQUIRE(DecodeCommitBatchRequest(item(meta + "}", good_delta)).ok());
  const std::string blocks = R"(,"blocks":[{"id":")" + id + R"(","size":99}]})";
  const std::vector<std::pair<std::string, std::string>> bad = {
      {meta + blocks, good_delta},  // blocks and a delta
      {R"({"path":"d","kind":"dir","size":0,"mtime_ns":0,"mode":493})", good_delta},
      {meta + "}", R"({"base_jid":0,"keep_prefix":0,"keep_suffix":0,"blocks":[]})"},
      {meta + "}", R"({"base_jid":3,"keep_prefix":-1,"keep_suffix":0,"blocks":[]})"},
      {meta + "}", R"({"base_jid":3,"keep_prefix":1000001,"keep_suffix":0,"blocks":[]})"},
      {meta + "}", R"({"base_jid":3,"keep_prefix":600000,"keep_suffix":600000,"blocks":[]})"},
      {meta + "}", R"({"base_jid":3,"keep_prefix":18446744073709551615,"keep_suffix":1,)"
                   R"("blocks":[]})"},
      {meta + "}", R"({"base_jid":3,"keep_prefix":0,"keep_suffix":0,"blocks":[{"id":")" + id +
                       R"(","size":0}]})"},
      {meta + "}", R"({"base_jid":3,"keep_prefix":0,"keep_suffix":0,"blocks":[{"id":"00",)"
                   R"("size":3}]})"},
      {meta + "}", R"({"base_jid":3,"keep_prefix":0,"keep_suffix":0})"},
      {meta + "}", R"("delta")"},
  };
  for (const auto& [m, d] : bad) {
    const auto r = DecodeCommitBatchRequest(item(m, d));
    // CHECK_MESSAGE builds its message in a lambda: Clang 14 cannot capture bindings.
    const std::string what = m + " " + d;
    CHECK_MESSAGE(r.status().code() == Code::kInvalidArgument, what);
  }
}

TEST_CASE("wire: list entries may carry deltas; a single entry never does") {
  ListResponse l;
  JournalEntry e = Entry(9, AFile(), "laptop");
  e.meta.blocks.clear();
  e.delta = ADelta();
  l.entries.push_back(e);
  l.entries.push_back(Entry(10, AFile(), "desktop"));
  l.epoch = "e";
  auto back = DecodeListResponse(Encode(l));
  REQUIRE_MESSAGE(back.ok(), back.status().ToString());
  CHECK(back->entries == l.entries);

  // A delta whose base is not before the entry is refused.
  JournalEntry self = e;
  self.delta->base_jid = 9;
  ListResponse bad;
  bad.entries.push_back(self);
  bad.epoch = "e";
  CHECK(DecodeListResponse(Encode(bad)).status().code() == Code::kInvalidArgument);

  // entry?jid= answers: always the full list.
  JournalEntry full = Entry(10, AFile(), "desktop");
  auto one = DecodeJournalEntry(Encode(full));
  REQUIRE_MESSAGE(one.ok(), one.status().ToString());
  CHECK(*one == full);
  CHECK(DecodeJournalEntry(R"({"jid":9,"device":"x","meta":{"path":"a","kind":"file","size":8,)"
                           R"("mtime_ns":0,"mode":420},"delta":{"base_jid":4,"keep_prefix":0,)"
                           R"("keep_suffix":0,"blocks":[]}})")
            .status()
            .code() == Code::kInvalidArgument);
}

TEST_CASE("wire: the commit answer says the head before and after, or nothing for old servers") {
  CommitBatchResponse r;
  r.results.push_back({"a", CommitOutcome::kCommitted, 42, {}, 0, ""});
  r.head_before = 41;
  r.head = 42;
  r.epoch = "ep";
  auto back = DecodeCommitBatchResponse(Encode(r));
  REQUIRE_MESSAGE(back.ok(), back.status().ToString());
  CHECK(back->head_before == 41);
  CHECK(back->head == 42);
  CHECK(back->epoch == "ep");
  auto old = DecodeCommitBatchResponse(R"({"results":[]})");
  REQUIRE(old.ok());
  CHECK(old->epoch.empty());
  CHECK(old->head == 0);
  CHECK(!DecodeCommitBatchResponse(R"({"results":[],"epoch":"e","head_before":5,"head":4})").ok());
}

TEST_CASE("wire: wanted blocks ride on a list page only when there are some; reports are checked") {
  ListResponse page;
  page.head = 3;
  page.epoch = "ep";
  CHECK(Encode(page).find("wanted") == std::string::npos);
  page.wanted = {BlockId::Of("a"), BlockId::Of("b")};
  auto back = DecodeListResponse(Encode(page));
  REQUIRE_MESSAGE(back.ok(), back.status().ToString());
  CHECK(back->wanted == page.wanted);

  const MissingBlocksRequest report{7, {BlockId::Of("a")}};
  auto got = DecodeMissingBlocksRequest(Encode(report));
  REQUIRE(got.ok());
  CHECK(got->jid == 7);
  CHECK(got->ids == report.ids);
  CHECK(DecodeMissingBlocksResponse(Encode(MissingBlocksResponse{2}))->wanted == 2);
  CHECK(DecodeMissingBlocksRequest(R"({"jid":0,"ids":[]})").status().code() ==
        Code::kInvalidArgument);
  CHECK(DecodeMissingBlocksRequest(R"({"jid":1,"ids":["xyz"]})").status().code() ==
        Code::kInvalidArgument);
  std::string many = R"({"jid":1,"ids":[)";
  for (size_t i = 0; i <= kMaxWantedIds; ++i) {
    many += (i ? ",\"" : "\"") + BlockId::Of(std::to_string(i)).ToHex() + "\"";
  }
  many += "]}";
  CHECK_FALSE(DecodeMissingBlocksRequest(many).ok());
}

}  // namespace
}  // namespace tessera::common::wire

namespace tessera::common::wire {
namespace {

// The parse bound of json_fields.h (kParseBytesPerByte per byte of text plus kParseSlackBytes)
// must let the largest legitimate messages through and stop arrays of tiny values.
TEST_CASE("wire: a commit batch of 500 files of 200 blocks parses within the parse bound") {
  CommitBatchRequest request{"laptop", {}};
  for (int f = 0; f < 500; ++f) {
    CommitItem item;
    item.meta.path = "photos/2026/img-" + std::to_string(f) + ".raw";
    item.meta.kind = FileKind::kFile;
    for (int b = 0; b < 200; ++b) {
      item.meta.blocks.push_back({BlockId::Of(std::to_string(f) + "/" + std::to_string(b)), 1});
    }
    item.meta.size = 200;
    request.items.push_back(std::move(item));
  }
  const std::string json = Encode(request);
  REQUIRE(json.size() > 8u << 19);  // well past the slack, so the per-byte factor is what counts
  const auto decoded = DecodeCommitBatchRequest(json);
  REQUIRE_MESSAGE(decoded.ok(), decoded.status().ToString());
  CHECK(decoded->items.size() == 500);
}

TEST_CASE("wire: an array of tiny values is refused once it passes the parse bound") {
  std::string json = R"({"device":"evil","items":[)";
  for (int i = 0; i < (4 << 20); ++i) json += "0,";
  json += "0]}";
  const auto decoded = DecodeCommitBatchRequest(json);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code() == Code::kResourceExhausted);
  CHECK(decoded.status().message().find("to parse") != std::string::npos);
}

}  // namespace
}  // namespace tessera::common::wire
