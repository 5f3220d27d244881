// The journal's blocklist deltas: delta commits (good, stale, bogus, on non-files), compact
// storage of many versions, and listings with deltas.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/log.h"
#include "common/sqlite/sqlite.h"
#include "common/wire/blocklist_delta.h"
#include "metaserver/journal/journal.h"
#include "tests/metaserver/journal/journal_test_util.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::metaserver {
namespace {

using common::wire::BlocklistDelta;
using common::wire::CommitItem;
using common::wire::CommitOutcome;
using testing::CommitOne;
using testing::FileItem;

// The one journal fixture (journal_test_util.h), on namespace "docs".
struct Fixture : testing::JournalFixture {
  uint64_t ns = Ns("docs");

  // Commits `chunks` as path `path` on `parent`, every chunk stored first.
  common::wire::CommitResult Put(const std::string& path, uint64_t parent,
                                 const std::vector<std::string>& chunks) {
    store.Add(chunks);
    return CommitOne(*journal, ns, FileItem(path, parent, chunks), store);
  }
};

std::vector<std::string> Lines(int n, const std::string& tag = "") {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(tag + "line " + std::to_string(i) + "\n");
  return out;
}

// The delta item turning `from` (committed as `base_jid`) into `to`.
CommitItem DeltaItem(const std::string& path, uint64_t base_jid,
                     const std::vector<std::string>& from, const std::vector<std::string>& to) {
  CommitItem full = FileItem(path, base_jid, to);
  CommitItem item = full;
  item.meta.blocks.clear();
  item.delta =
      common::wire::ComputeBlocklistDelta(FileItem(path, 0, from).meta.blocks, full.meta.blocks);
  item.delta->base_jid = base_jid;
  return item;
}

TEST_CASE("journal deltas: a delta commit is applied to the latest version and reads back whole") {
  Fixture f;
  const auto v1 = Lines(5000);
  const auto first = f.Put("big.txt", 0, v1);
  REQUIRE(first.outcome == CommitOutcome::kCommitted);
  auto v2 = v1;
  v2[2500] = "an edited line\n";
  v2.insert(v2.begin() + 2501, "and a new one\n");
  f.store.Add({"an edited line\n", "and a new one\n"});
  // The block store is asked about the delta's new blocks only.
  size_t asked = 0;
  auto missing = f.store.Fn();
  const auto out = f.journal->CommitBatch(f.ns, "laptop", {DeltaItem("big.txt", first.jid, v1, v2)},
                                          [&](const std::vector<common::BlockId>& ids) {
                                            asked += ids.size();
                                            return missing(ids);
                                          });
  REQUIRE_MESSAGE(out.ok(), out.status().ToString());
  REQUIRE(out->response.results[0].outcome == CommitOutcome::kCommitted);
  CHECK(asked == 2);
  CHECK(out->response.head_before == first.jid);
  CHECK(out->response.head == out->response.results[0].jid);
  CHECK(out->response.epoch == f.journal->epoch());
  const uint64_t jid = out->response.results[0].jid;

  auto entry = f.journal->EntryAt(f.ns, jid);
  REQUIRE_MESSAGE(entry.ok(), entry.status().ToString());
  CHECK(entry->meta == FileItem("big.txt", 0, v2).meta);
  CHECK(!entry->delta.has_value());
  auto list = f.journal->List(f.ns, 0, 10);
  REQUIRE(list.ok());
  REQUIRE(list->entries.size() == 2);
  CHECK(list->entries[1].meta == FileItem("big.txt", 0, v2).meta);
  // Stored as a delta against the first version.
  CHECK(f.Sql("SELECT blocklist_base FROM entries WHERE jid = " + std::to_string(jid)) ==
        static_cast<int64_t>(first.jid));
  CHECK(f.Sql("SELECT length(blocklist) FROM entries WHERE jid = " + std::to_string(jid)) < 200);
  CHECK(f.journal->EntryAt(f.ns, 99).status().code() == common::Code::kNotFound);
}

TEST_CASE("journal deltas: a delta on a stale base conflicts, one naming another base is invalid") {
  Fixture f;
  const auto v1 = Lines(10);
  const auto a = f.Put("f", 0, v1);
  auto v2 = v1;
  v2[3] = "second\n";
  const auto b = f.Put("f", a.jid, v2);
  REQUIRE(b.outcome == CommitOutcome::kCommitted);
  auto v3 = v1;
  v3[5] = "third\n";
  f.store.Add(v3);

  SUBCASE("parent and base are the older version") {
    const auto r = CommitOne(*f.journal, f.ns, DeltaItem("f", a.jid, v1, v3), f.store);
    CHECK(r.outcome == CommitOutcome::kConflict);
    CHECK(r.latest_jid == b.jid);
  }
  SUBCASE("the parent is latest but the base is not") {
    CommitItem item = DeltaItem("f", a.jid, v1, v3);
    item.parent_jid = b.jid;
    const auto r = CommitOne(*f.journal, f.ns, item, f.store);
    CHECK(r.outcome == CommitOutcome::kInvalid);
    CHECK(r.error.find("base " + std::to_string(a.jid)) != std::string::npos);
  }
  CHECK(f.journal->Head(f.ns).value() == b.jid);
}

TEST_CASE("journal deltas: a bogus delta is invalid and writes nothing, the rest commits") {
  Fixture f;
  const auto v1 = Lines(10);
  const auto a = f.Put("f", 0, v1);
  auto v2 = v1;
  v2[4] = "x\n";
  f.store.Add(v2);
  CommitItem bogus = DeltaItem("f", a.jid, v1, v2);
  SUBCASE("keeps more than the base has") { bogus.delta->keep_suffix = 10; }
  SUBCASE("keeps blocks past the end, overflowing") { bogus.delta->keep_prefix = UINT64_MAX - 1; }
  SUBCASE("the size is not the sum of the result") { bogus.meta.size += 1; }
  const auto out =
      f.journal->CommitBatch(f.ns, "laptop", {bogus, FileItem("g", 0, {"line 0\n"})}, f.store.Fn());
  REQUIRE_MESSAGE(out.ok(), out.status().ToString());
  CHECK(out->response.results[0].outcome == CommitOutcome::kInvalid);
  CHECK(out->response.results[0].error.find("blocklist delta base") != std::string::npos);
  CHECK(out->response.results[1].outcome == CommitOutcome::kCommitted);
  CHECK(f.journal->EntryAt(f.ns, a.jid)->meta == FileItem("f", 0, v1).meta);
  CHECK(f.journal->Head(f.ns).value() == a.jid + 1);
}

TEST_CASE("journal deltas: a delta whose base is not a file, or on a non-file, is invalid") {
  Fixture f;
  const auto a = f.Put("f", 0, Lines(4));
  SUBCASE("the base was deleted") {
    const auto gone = CommitOne(*f.journal, f.ns, testing::DeleteItem("f", a.jid), f.store);
    REQUIRE(gone.outcome == CommitOutcome::kCommitted);
    const auto r =
        CommitOne(*f.journal, f.ns, DeltaItem("f", gone.jid, Lines(4), Lines(5)), f.store);
    CHECK(r.outcome == CommitOutcome::kInvalid);
    CHECK(r.error.find("not a file") != std::string::npos);
  }
  SUBCASE("the base is a directory") {
    const auto d = CommitOne(*f.journal, f.ns, testing::DirItem("d", 0), f.store);
    const auto r = CommitOne(*f.journal, f.ns, DeltaItem("d", d.jid, Lines(4), Lines(5)), f.store);
    CHECK(r.outcome == CommitOutcome::kInvalid);
  }
  SUBCASE("the item is a directory carrying a delta") {
    CommitItem item = testing::DirItem("f", a.jid);
    item.delta = BlocklistDelta{a.jid, 0, 0, {}};
    const auto r = CommitOne(*f.journal, f.ns, item, f.store);
    CHECK(r.outcome == CommitOutcome::kInvalid);
  }
  CHECK(f.journal->EntryAt(f.ns, a.jid)->meta == FileItem("f", 0, Lines(4)).meta);
}

TEST_CASE("journal deltas: 100 versions of a 5,000-block file cost far less than 100 lists") {
  Fixture f;
  auto lines = Lines(5000);
  std::vector<std::vector<std::string>> versions;
  uint64_t parent = 0;
  std::vector<uint64_t> jids;
  for (int v = 0; v < 100; ++v) {
    if (v > 0) lines[(v * 997) % lines.size()] = "version " + std::to_string(v) + "\n";
    versions.push_back(lines);
    // Full lists from the client: the server chooses how to store them.
    const auto r = f.Put("big.txt", parent, lines);
    REQUIRE(r.outcome == CommitOutcome::kCommitted);
    parent = r.jid;
    jids.push_back(r.jid);
  }
  const int64_t stored = f.Sql("SELECT sum(length(blocklist)) FROM entries");
  const int64_t one_full = f.Sql("SELECT length(blocklist) FROM entries WHERE jid = 1");
  MESSAGE("100 versions of 5,000 blocks: " << stored << " bytes of blocklists, against "
                                           << 100 * one_full << " stored whole");
  CHECK(stored < 100 * one_full / 10);
  // Chains are bounded: a full list at least every 16 versions.
  CHECK(f.Sql("SELECT count(*) FROM entries WHERE blocklist_base IS NULL") >= 100 / 16);
  // Every version reads back exactly, by history and one by one.
  auto history = f.journal->History(f.ns, "big.txt", 0, 1000);
  REQUIRE(history.ok());
  REQUIRE(history->entries.size() == 100);
  for (size_t v = 0; v < 100; ++v) {
    CHECK(history->entries[v].meta == FileItem("big.txt", 0, versions[v]).meta);
  }
  for (size_t v : {size_t{0}, size_t{15}, size_t{16}, size_t{17}, size_t{63}, size_t{99}}) {
    auto e = f.journal->EntryAt(f.ns, jids[v]);
    REQUIRE(e.ok());
    CHECK(e->meta == FileItem("big.txt", 0, versions[v]).meta);
  }
}

TEST_CASE("journal deltas: list with deltas gives small deltas against the previous version") {
  Fixture f;
  auto v1 = Lines(100);
  const auto a = f.Put("f", 0, v1);
  const auto other = f.Put("g", 0, Lines(3, "g"));
  auto v2 = v1;
  v2[50] = "changed\n";
  const auto b = f.Put("f", a.jid, v2);
  const auto unrelated = Lines(100, "new ");  // nothing in common: the full list is sent
  const auto c = f.Put("f", b.jid, unrelated);
  REQUIRE(c.outcome == CommitOutcome::kCommitted);

  auto plain = f.journal->List(f.ns, 0, 100);
  REQUIRE(plain.ok());
  for (const auto& e : plain->entries) CHECK(!e.delta.has_value());

  auto list = f.journal->List(f.ns, 0, 100, /*deltas=*/true);
  REQUIRE(list.ok());
  REQUIRE(list->entries.size() == 4);
  CHECK(!list->entries[0].delta.has_value());  // no previous version
  CHECK(!list->entries[1].delta.has_value());
  REQUIRE(list->entries[2].delta.has_value());
  const auto& d = *list->entries[2].delta;
  CHECK(d.base_jid == a.jid);
  CHECK(d.blocks.size() == 1);
  CHECK(list->entries[2].meta.blocks.empty());
  auto applied = common::wire::ApplyBlocklistDelta(plain->entries[0].meta.blocks, d);
  REQUIRE(applied.ok());
  CHECK(*applied == plain->entries[2].meta.blocks);
  CHECK(!list->entries[3].delta.has_value());
  CHECK(list->entries[3].meta == plain->entries[3].meta);
  (void)other;
}

}  // namespace
}  // namespace tessera::metaserver
