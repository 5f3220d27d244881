// Journal::Move and Journal::ListMoves (metaserver/journal/journal_move.cc, journal_reads.cc).
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/log.h"
#include "metaserver/journal/journal.h"
#include "tests/metaserver/journal/journal_test_util.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::metaserver {
namespace {

using common::wire::CommitOutcome;
using common::wire::FileKind;
using common::wire::MoveOutcome;
using common::wire::MoveRequest;
using common::wire::MoveResponse;
using testing::CommitOne;
using testing::DeleteItem;
using testing::DirItem;
using testing::FileItem;

// The one journal fixture (journal_test_util.h), on namespace "docs".
struct Fixture : testing::JournalFixture {
  uint64_t ns = Ns("docs");

  Fixture() { store.Add({"a", "b", "c", "d", "e"}); }
  uint64_t Commit(common::wire::CommitItem item) {
    const auto r = CommitOne(*journal, ns, std::move(item), store);
    REQUIRE(r.outcome == CommitOutcome::kCommitted);
    return r.jid;
  }
  // A move by a client that knows the journal's whole current state under `from`.
  MoveResponse Move(const std::string& from, uint64_t from_jid, const std::string& to,
                    uint64_t to_parent = 0) {
    return MoveWith(from, from_jid, to, to_parent, Subtree(from));
  }
  MoveResponse MoveWith(const std::string& from, uint64_t from_jid, const std::string& to,
                        uint64_t to_parent, std::string subtree) {
    MoveRequest request{"laptop", from, from_jid, to, to_parent, std::move(subtree)};
    auto out = journal->Move(ns, request);
    REQUIRE_MESSAGE(out.ok(), out.status().ToString());
    return out->response;
  }
  // The digest of the live paths under from/ now, from the full listing.
  std::string Subtree(const std::string& from) {
    std::map<std::string, journal::Entry> latest;  // bytewise order
    for (auto& e : List()) latest[e.meta.path] = std::move(e);
    common::wire::SubtreeDigest digest;
    for (const auto& [path, e] : latest) {
      if (path.starts_with(from + "/") && e.meta.kind != FileKind::kDeleted)
        digest.Add(path, e.jid);
    }
    return digest.Finish();
  }
  std::vector<journal::Entry> List(uint64_t cursor = 0) {
    auto list = journal->List(ns, cursor, common::wire::kMaxListLimit);
    REQUIRE_MESSAGE(list.ok(), list.status().ToString());
    return list->entries;
  }
  uint64_t Head() {
    auto head = journal->Head(ns);
    REQUIRE(head.ok());
    return *head;
  }
};

TEST_CASE(
    "journal move: a directory moves as one entry, its copies in bytewise order, then "
    "tombstones") {
  Fixture f;
  const uint64_t src = f.Commit(DirItem("src", 0));
  const uint64_t sub = f.Commit(DirItem("src/sub", 0));
  const uint64_t b = f.Commit(FileItem("src/b.txt", 0, {"b", "c"}));
  const uint64_t a = f.Commit(FileItem("src/a b", 0, {"a"}));  // ' ' sorts before '.' and '/'
  const uint64_t deep = f.Commit(FileItem("src/sub/x", 0, {"d"}));
  const uint64_t gone = f.Commit(FileItem("src/gone", 0, {"e"}));
  f.Commit(DeleteItem("src/gone", gone));   // a tombstone under src: not moved
  f.Commit(FileItem("srcfile", 0, {"e"}));  // shares the prefix but is not under src/
  const uint64_t before = f.Head();

  const MoveResponse r = f.Move("src", src, "dst");
  REQUIRE(r.outcome == MoveOutcome::kCommitted);
  CHECK(r.jid == before + 1);
  CHECK(r.covers == 2 * 4 + 1);
  CHECK(f.Head() == r.jid + r.covers);

  const auto entries = f.List(before);
  REQUIRE(entries.size() == r.covers + 1);
  CHECK(entries[0].meta.path == "dst");
  CHECK(entries[0].meta.kind == FileKind::kDir);
  // A plain listing shows the move entry as an ordinary directory entry.
  CHECK(entries[0].moved_from.empty());
  CHECK(entries[0].covers == 0);
  auto folded = f.journal->ListMoves(f.ns, before, common::wire::kMaxListLimit);
  REQUIRE(folded.ok());
  REQUIRE(folded->entries.size() == 1);
  CHECK(folded->entries[0].jid == r.jid);
  CHECK(folded->entries[0].moved_from == "src");
  CHECK(folded->entries[0].covers == r.covers);
  CHECK(folded->cursor == f.Head());
  const std::vector<std::string> order = {"a b", "b.txt", "sub", "sub/x"};
  const auto all = f.List(0);
  auto version_at = [&](uint64_t jid) {
    for (const auto& e : all) {
      if (e.jid == jid) return e.meta;
    }
    FAIL("no entry " << jid);
    return common::wire::FileMeta{};
  };
  const std::vector<uint64_t> sources = {a, b, sub, deep};
  for (size_t i = 0; i < order.size(); ++i) {
    const auto& copy = entries[1 + i];
    CHECK(copy.jid == r.jid + 1 + i);
    CHECK(copy.meta.path == "dst/" + order[i]);
    CHECK(copy.moved_from.empty());
    CHECK(copy.covers == 0);
    auto expected = version_at(sources[i]);
    expected.path = copy.meta.path;
    CHECK(copy.meta == expected);  // the same content, blocks included
  }
  CHECK(entries[5].meta.path == "src");
  CHECK(entries[5].meta.kind == FileKind::kDeleted);
  for (size_t i = 0; i < order.size(); ++i) {
    CHECK(entries[6 + i].meta.path == "src/" + order[i]);
    CHECK(entries[6 + i].meta.kind == FileKind::kDeleted);
  }

  // The moved paths have a history and take ordinary commits on top of the copies.
  auto history = f.journal->History(f.ns, "dst/b.txt", 0, 10);
  REQUIRE(history.ok());
  REQUIRE(history->entries.size() == 1);
  CHECK(history->entries[0].jid == r.jid + 2);
  auto old_history = f.journal->History(f.ns, "src/b.txt", 0, 10);
  REQUIRE(old_history.ok());
  REQUIRE(old_history->entries.size() == 2);
  CHECK(old_history->entries[1].meta.kind == FileKind::kDeleted);
  const uint64_t edit = f.Commit(FileItem("dst/b.txt", r.jid + 2, {"a"}));
  CHECK(edit == r.jid + r.covers + 1);
  // The old name can be created again (its latest entry is a tombstone).
  const uint64_t again = f.Commit(DirItem("src", 0));
  CHECK(again == edit + 1);
}

TEST_CASE("journal move: stale or wrong source and destination are refused, nothing written") {
  Fixture f;
  const uint64_t src = f.Commit(DirItem("src", 0));
  f.Commit(FileItem("src/f", 0, {"a"}));
  const uint64_t file = f.Commit(FileItem("file", 0, {"b"}));
  const uint64_t head = f.Head();

  SUBCASE("a stale from_jid") {
    const auto r = f.Move("src", src + 100, "dst");
    CHECK(r.outcome == MoveOutcome::kConflict);
    CHECK(r.latest_jid == src);
  }
  SUBCASE("an absent source") {
    const auto r = f.Move("nothing", 1, "dst");
    CHECK(r.outcome == MoveOutcome::kConflict);
    CHECK(r.latest_jid == 0);
  }
  SUBCASE("a source that is a file") {
    CHECK(f.Move("file", file, "dst").outcome == MoveOutcome::kInvalid);
  }
  SUBCASE("a destination that exists") {
    const auto r = f.Move("src", src, "file");
    CHECK(r.outcome == MoveOutcome::kConflict);
    CHECK(r.latest_jid == file);
  }
  SUBCASE("a destination inside the source") {
    CHECK(f.Move("src", src, "src/inner").outcome == MoveOutcome::kInvalid);
    CHECK(f.Move("src", src, "src").outcome == MoveOutcome::kInvalid);
  }
  SUBCASE("a destination with live paths under it") {
    f.Commit(FileItem("dst/left", 0, {"c"}));
    const auto r = f.Move("src", src, "dst");
    CHECK(r.outcome == MoveOutcome::kInvalid);
    CHECK(r.error.find("live paths") != std::string::npos);
    CHECK(f.Head() == head + 1);
    return;
  }
  SUBCASE("a subtree the client knows differently") {
    const std::string known = f.Subtree("src");
    SUBCASE("a path edited since") { f.Commit(FileItem("src/f", src + 1, {"c"})); }
    SUBCASE("a path added since") { f.Commit(FileItem("src/new", 0, {"c"})); }
    SUBCASE("a path deleted since") { f.Commit(DeleteItem("src/f", src + 1)); }
    const uint64_t now = f.Head();
    const auto r = f.MoveWith("src", src, "dst", 0, known);
    CHECK(r.outcome == MoveOutcome::kConflict);
    CHECK(r.latest_jid == now);
    CHECK(f.Head() == now);
    CHECK(f.Move("src", src, "dst").outcome == MoveOutcome::kCommitted);  // knowing it all
    return;
  }
  SUBCASE("no subtree digest (an older client)") {
    CHECK(f.MoveWith("src", src, "dst", 0, "").outcome == MoveOutcome::kConflict);
  }
  SUBCASE("hostile paths") {
    CHECK(f.Move("../src", src, "dst").outcome == MoveOutcome::kInvalid);
    CHECK(f.Move("src", src, "/abs").outcome == MoveOutcome::kInvalid);
  }
  CHECK(f.Head() == head);
}

TEST_CASE("journal move: onto a deleted destination, with its tombstone JID or 0") {
  Fixture f;
  const uint64_t src = f.Commit(DirItem("src", 0));
  const uint64_t dst = f.Commit(DirItem("dst", 0));
  const uint64_t tomb = f.Commit(DeleteItem("dst", dst));
  SUBCASE("a stale tombstone parent conflicts") {
    const auto r = f.Move("src", src, "dst", dst);
    CHECK(r.outcome == MoveOutcome::kConflict);
    CHECK(r.latest_jid == tomb);
  }
  SUBCASE("the tombstone's JID") {
    const auto r = f.Move("src", src, "dst", tomb);
    CHECK(r.outcome == MoveOutcome::kCommitted);
    CHECK(r.covers == 1);  // an empty directory: the move entry and src's tombstone
  }
  SUBCASE("0") { CHECK(f.Move("src", src, "dst", 0).outcome == MoveOutcome::kCommitted); }
}

TEST_CASE("journal move: a list with moves folds each move into one entry and pages correctly") {
  Fixture f;
  const uint64_t one = f.Commit(DirItem("one", 0));
  for (const char* name : {"a", "b", "c"}) f.Commit(FileItem(std::string("one/") + name, 0, {"a"}));
  const auto m1 = f.Move("one", one, "two");
  REQUIRE(m1.outcome == MoveOutcome::kCommitted);
  const uint64_t after = f.Commit(FileItem("two/a", m1.jid + 1, {"b"}));
  const auto m2 = f.Move("two", m1.jid, "three");
  REQUIRE(m2.outcome == MoveOutcome::kCommitted);
  CHECK(m2.covers == 2 * 3 + 1);

  auto folded = f.journal->ListMoves(f.ns, 0, common::wire::kMaxListLimit);
  REQUIRE(folded.ok());
  std::vector<uint64_t> jids;
  for (const auto& e : folded->entries) jids.push_back(e.jid);
  // 4 commits, move 1, the edit, move 2.
  CHECK(jids == std::vector<uint64_t>{1, 2, 3, 4, m1.jid, after, m2.jid});
  CHECK(folded->entries[4].covers == m1.covers);
  CHECK(folded->entries[4].moved_from == "one");
  CHECK(folded->entries[6].moved_from == "two");
  CHECK(folded->cursor == f.Head());
  CHECK_FALSE(folded->has_more);

  // One at a time: the cursor jumps over each move's covered entries.
  std::vector<uint64_t> paged;
  uint64_t cursor = 0;
  for (int guard = 0; guard < 20; ++guard) {
    auto page = f.journal->ListMoves(f.ns, cursor, 1);
    REQUIRE(page.ok());
    for (const auto& e : page->entries) paged.push_back(e.jid);
    cursor = page->cursor;
    if (!page->has_more) break;
  }
  CHECK(paged == jids);
  CHECK(cursor == f.Head());

  // Without moves the covered entries are all there, as ordinary entries.
  CHECK(f.List(0).size() == f.Head());
  // A cursor inside a covered range lists the rest of the range as ordinary entries.
  auto inside = f.journal->ListMoves(f.ns, m1.jid + 2, common::wire::kMaxListLimit);
  REQUIRE(inside.ok());
  REQUIRE_FALSE(inside->entries.empty());
  CHECK(inside->entries[0].jid == m1.jid + 3);
  CHECK(inside->entries[0].covers == 0);
  CHECK(f.journal->ListMoves(f.ns, 0, 0).status().code() == common::Code::kInvalidArgument);
}

TEST_CASE("journal move: more than kMaxMovePaths live paths is refused") {
  // 100 001 live directories under src, committed in full batches (a few seconds).
  Fixture f;
  const uint64_t src = f.Commit(DirItem("src", 0));
  std::vector<common::wire::CommitItem> items;
  for (size_t i = 0; i < common::wire::kMaxMovePaths + 1; ++i) {
    items.push_back(DirItem("src/d" + std::to_string(i), 0));
    if (items.size() == common::wire::kMaxCommitItems) {
      auto out = f.journal->CommitBatch(f.ns, "laptop", items, f.store.Fn());
      REQUIRE(out.ok());
      items.clear();
    }
  }
  if (!items.empty()) REQUIRE(f.journal->CommitBatch(f.ns, "laptop", items, f.store.Fn()).ok());
  const uint64_t head = f.Head();
  const auto r = f.Move("src", src, "dst");
  CHECK(r.outcome == MoveOutcome::kInvalid);
  CHECK(r.error.find("one by one") != std::string::npos);
  CHECK(f.Head() == head);
}

}  // namespace
}  // namespace tessera::metaserver
