#include "metaserver/journal/journal.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/env.h"
#include "common/log.h"
#include "common/sqlite/sqlite.h"
#include "metaserver/journal/sqlite/schema.h"
#include "metaserver/journal/sqlite/sqlite_store.h"
#include "tests/metaserver/journal/journal_test_util.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::metaserver {
namespace {

using common::wire::CommitOutcome;
using common::wire::FileKind;
using testing::CommitOne;
using testing::DeleteItem;
using testing::DirItem;
using testing::FileItem;

// The one journal fixture (journal_test_util.h).
using Fixture = testing::JournalFixture;

TEST_CASE("journal: JIDs strictly increase and survive reopening") {
  Fixture f;
  f.store.Add({"a", "b", "c", "d"});
  const uint64_t ns = f.Ns("docs");
  CHECK(f.Head(ns) == 0);
  auto r1 = CommitOne(*f.journal, ns, FileItem("a.txt", 0, {"a"}), f.store);
  auto r2 = CommitOne(*f.journal, ns, FileItem("b.txt", 0, {"b"}), f.store);
  REQUIRE(r1.outcome == CommitOutcome::kCommitted);
  REQUIRE(r2.outcome == CommitOutcome::kCommitted);
  CHECK(r1.jid == 1);
  CHECK(r2.jid == 2);
  const std::string epoch = f.journal->epoch();

  f.Reopen();
  CHECK(f.journal->epoch() == epoch);
  CHECK(f.Ns("docs") == ns);
  CHECK(f.Head(ns) == 2);
  auto r3 = CommitOne(*f.journal, ns, FileItem("a.txt", r1.jid, {"c", "d"}), f.store);
  REQUIRE(r3.outcome == CommitOutcome::kCommitted);
  CHECK(r3.jid == 3);
  const auto entries = f.All(ns);
  REQUIRE(entries.size() == 3);
  for (size_t i = 1; i < entries.size(); ++i) CHECK(entries[i - 1].jid < entries[i].jid);
  // Everything written comes back as written, blocklist included.
  CHECK(entries[2].meta == FileItem("a.txt", 0, {"c", "d"}).meta);
  CHECK(entries[2].device == "laptop");
}

TEST_CASE("journal: a stale parent is refused with the latest JID and nothing is applied") {
  Fixture f;
  f.store.Add({"v1", "v2", "v3"});
  const uint64_t ns = f.Ns("docs");
  const auto v1 = CommitOne(*f.journal, ns, FileItem("f", 0, {"v1"}), f.store);
  const auto v2 = CommitOne(*f.journal, ns, FileItem("f", v1.jid, {"v2"}), f.store);
  REQUIRE(v2.outcome == CommitOutcome::kCommitted);

  SUBCASE("parent is an older version") {
    const auto stale = CommitOne(*f.journal, ns, FileItem("f", v1.jid, {"v3"}), f.store);
    CHECK(stale.outcome == CommitOutcome::kConflict);
    CHECK(stale.latest_jid == v2.jid);
  }
  SUBCASE("parent 0 for a path that exists") {
    const auto stale = CommitOne(*f.journal, ns, FileItem("f", 0, {"v3"}), f.store);
    CHECK(stale.outcome == CommitOutcome::kConflict);
    CHECK(stale.latest_jid == v2.jid);
  }
  SUBCASE("parent from the future") {
    const auto stale = CommitOne(*f.journal, ns, FileItem("f", 99, {"v3"}), f.store);
    CHECK(stale.outcome == CommitOutcome::kConflict);
    CHECK(stale.latest_jid == v2.jid);
  }
  CHECK(f.Head(ns) == v2.jid);
  CHECK(f.All(ns).size() == 2);
}

TEST_CASE("journal: a new path commits with parent 0, and a second create of it conflicts") {
  Fixture f;
  f.store.Add({"x", "y"});
  const uint64_t ns = f.Ns("docs");
  const auto first = CommitOne(*f.journal, ns, FileItem("dir/new.txt", 0, {"x"}), f.store);
  CHECK(first.outcome == CommitOutcome::kCommitted);
  const auto second = CommitOne(*f.journal, ns, FileItem("dir/new.txt", 0, {"y"}), f.store);
  CHECK(second.outcome == CommitOutcome::kConflict);
  CHECK(second.latest_jid == first.jid);
  // Directories and empty files need no blocks.
  CHECK(CommitOne(*f.journal, ns, DirItem("dir", 0), f.store).outcome == CommitOutcome::kCommitted);
  CHECK(CommitOne(*f.journal, ns, FileItem("empty", 0, {}), f.store).outcome ==
        CommitOutcome::kCommitted);
}

TEST_CASE("journal: delete then recreate a path") {
  Fixture f;
  f.store.Add({"one", "two"});
  const uint64_t ns = f.Ns("docs");
  const auto created = CommitOne(*f.journal, ns, FileItem("p", 0, {"one"}), f.store);
  const auto deleted = CommitOne(*f.journal, ns, DeleteItem("p", created.jid), f.store);
  REQUIRE(deleted.outcome == CommitOutcome::kCommitted);
  CHECK(deleted.jid > created.jid);

  SUBCASE("deleting it again is refused: nothing to delete") {
    const auto again = CommitOne(*f.journal, ns, DeleteItem("p", deleted.jid), f.store);
    CHECK(again.outcome == CommitOutcome::kInvalid);
    CHECK(again.error.find("nothing to delete") != std::string::npos);
    CHECK(f.Head(ns) == deleted.jid);
  }
  SUBCASE("recreate based on the tombstone") {
    const auto back = CommitOne(*f.journal, ns, FileItem("p", deleted.jid, {"two"}), f.store);
    CHECK(back.outcome == CommitOutcome::kCommitted);
    CHECK(back.jid > deleted.jid);
  }
  SUBCASE("recreate by a client that never saw the path (parent 0)") {
    const auto back = CommitOne(*f.journal, ns, FileItem("p", 0, {"two"}), f.store);
    CHECK(back.outcome == CommitOutcome::kCommitted);
  }
  SUBCASE("recreate based on the version before the delete conflicts") {
    const auto back = CommitOne(*f.journal, ns, FileItem("p", created.jid, {"two"}), f.store);
    CHECK(back.outcome == CommitOutcome::kConflict);
    CHECK(back.latest_jid == deleted.jid);
  }
}

TEST_CASE("journal: deleting a path that never existed is refused") {
  Fixture f;
  const uint64_t ns = f.Ns("docs");
  const auto result = CommitOne(*f.journal, ns, DeleteItem("ghost", 0), f.store);
  CHECK(result.outcome == CommitOutcome::kInvalid);
  CHECK(f.Head(ns) == 0);
}

TEST_CASE("journal: list pages through the namespace with a cursor") {
  Fixture f;
  f.store.Add({"c"});
  const uint64_t ns = f.Ns("docs");
  std::vector<common::wire::CommitItem> items;
  for (int i = 0; i < 25; ++i) items.push_back(FileItem("f" + std::to_string(i), 0, {"c"}));
  auto out = f.journal->CommitBatch(ns, "laptop", items, f.store.Fn());
  REQUIRE(out.ok());
  CHECK(out->committed == 25);
  CHECK(out->head == 25);

  std::vector<uint64_t> seen;
  uint64_t cursor = 0;
  int pages = 0;
  for (;;) {
    auto page = f.journal->List(ns, cursor, 10);
    REQUIRE(page.ok());
    CHECK(page->head == 25);
    CHECK(page->epoch == f.journal->epoch());
    CHECK(page->entries.size() <= 10);
    for (const auto& e : page->entries) seen.push_back(e.jid);
    ++pages;
    if (!page->has_more) {
      CHECK(page->entries.size() == 5);
      break;
    }
    CHECK(page->cursor == page->entries.back().jid);
    cursor = page->cursor;
    REQUIRE(pages < 10);
  }
  CHECK(pages == 3);
  REQUIRE(seen.size() == 25);
  for (size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == i + 1);

  // Past the head: empty, cursor unchanged, nothing more.
  auto tail = f.journal->List(ns, 25, 10);
  REQUIRE(tail.ok());
  CHECK(tail->entries.empty());
  CHECK(tail->cursor == 25);
  CHECK_FALSE(tail->has_more);
  // An exact page: has_more is false when nothing follows.
  auto exact = f.journal->List(ns, 15, 10);
  REQUIRE(exact.ok());
  CHECK(exact->entries.size() == 10);
  CHECK_FALSE(exact->has_more);
  // A huge cursor matches nothing rather than wrapping.
  auto huge = f.journal->List(ns, UINT64_MAX, 10);
  REQUIRE(huge.ok());
  CHECK(huge->entries.empty());
  // Limits out of range are refused.
  CHECK(f.journal->List(ns, 0, 0).status().code() == common::Code::kInvalidArgument);
  CHECK(f.journal->List(ns, 0, common::wire::kMaxListLimit + 1).status().code() ==
        common::Code::kInvalidArgument);
  CHECK(f.journal->List(ns + 100, 0, 10).status().code() == common::Code::kNotFound);
}

TEST_CASE("journal: missing blocks are reported and nothing is written until they exist") {
  Fixture f;
  const uint64_t ns = f.Ns("docs");
  f.store.Add({"have"});
  auto item = FileItem("big.bin", 0, {"have", "lack1", "lack2", "lack1"});
  const auto first = CommitOne(*f.journal, ns, item, f.store);
  CHECK(first.outcome == CommitOutcome::kNeedBlocks);
  // Each missing block once, in file order.
  REQUIRE(first.need_blocks.size() == 2);
  CHECK(first.need_blocks[0] == common::BlockId::Of("lack1"));
  CHECK(first.need_blocks[1] == common::BlockId::Of("lack2"));
  CHECK(f.Head(ns) == 0);
  CHECK(f.All(ns).empty());

  f.store.Add({"lack1", "lack2"});
  const auto second = CommitOne(*f.journal, ns, item, f.store);
  CHECK(second.outcome == CommitOutcome::kCommitted);
  CHECK(second.jid == 1);
}

TEST_CASE("journal: a failing block store fails the whole batch and writes nothing") {
  Fixture f;
  const uint64_t ns = f.Ns("docs");
  f.store.FailWith(common::Unavailable("blockserver down"));
  std::vector<common::wire::CommitItem> items = {DirItem("d", 0), FileItem("d/f", 0, {"x"})};
  auto out = f.journal->CommitBatch(ns, "laptop", items, f.store.Fn());
  CHECK(out.status().code() == common::Code::kUnavailable);
  CHECK(f.Head(ns) == 0);
  CHECK(f.All(ns).empty());

  // A batch without blocks never asks the block store.
  const int calls = f.store.calls();
  auto dirs = f.journal->CommitBatch(ns, "laptop", {DirItem("d", 0)}, f.store.Fn());
  REQUIRE(dirs.ok());
  CHECK(dirs->committed == 1);
  CHECK(f.store.calls() == calls);
}

TEST_CASE("journal: a write failing mid-batch rolls back every earlier item") {
  Fixture f;
  f.store.Add({"x"});
  const uint64_t ns = f.Ns("docs");
  REQUIRE(CommitOne(*f.journal, ns, FileItem("before", 0, {"x"}), f.store).outcome ==
          CommitOutcome::kCommitted);
  {
    // Fault injection from outside: a trigger makes the insert of one path fail.
    auto db = common::sqlite::SqliteDb::Open(f.db_path());
    REQUIRE(db.ok());
    REQUIRE(db->Exec("CREATE TRIGGER poison BEFORE INSERT ON entries WHEN NEW.path = 'b/poison' "
                     "BEGIN SELECT RAISE(ABORT, 'injected fault'); END")
                .ok());
  }
  std::vector<common::wire::CommitItem> items = {FileItem("a1", 0, {"x"}), DirItem("b", 0),
                                                 FileItem("b/poison", 0, {"x"}),
                                                 FileItem("c", 0, {"x"})};
  auto out = f.journal->CommitBatch(ns, "laptop", items, f.store.Fn());
  CHECK_FALSE(out.ok());
  CHECK(out.status().message().find("injected fault") != std::string::npos);
  CHECK(f.Head(ns) == 1);
  CHECK(f.All(ns).size() == 1);

  // The journal is still usable, and JIDs continue from the durable head.
  const auto after = CommitOne(*f.journal, ns, FileItem("a1", 0, {"x"}), f.store);
  CHECK(after.outcome == CommitOutcome::kCommitted);
  CHECK(after.jid == 2);
}

TEST_CASE("journal: hostile paths are refused and write nothing") {
  Fixture f;
  f.store.Add({"x"});
  const uint64_t ns = f.Ns("docs");
  const std::vector<std::string> hostile = {
      "",     "/etc/passwd",          "../up", "a/../../b",           "a//b", "a/", ".", "a/./b",
      "a\\b", std::string("a\0b", 3), "..",    std::string(5000, 'x')};
  for (const auto& path : hostile) {
    CAPTURE(path);
    const auto result = CommitOne(*f.journal, ns, FileItem(path, 0, {"x"}), f.store);
    CHECK(result.outcome == CommitOutcome::kInvalid);
    CHECK_FALSE(result.error.empty());
  }
  CHECK(f.Head(ns) == 0);
  CHECK(f.journal->History(ns, "../up", 0, 10).status().code() == common::Code::kInvalidArgument);
}

TEST_CASE("journal: inconsistent metadata is refused per item, the rest still commits") {
  Fixture f;
  f.store.Add({"x"});
  const uint64_t ns = f.Ns("docs");
  auto bad_size = FileItem("f", 0, {"x"});
  bad_size.meta.size = 1000;
  auto dir_with_blocks = DirItem("d", 0);
  dir_with_blocks.meta.blocks.push_back(testing::Ref("x"));
  auto bad_mode = FileItem("m", 0, {"x"});
  bad_mode.meta.mode = 0100644;
  auto out = f.journal->CommitBatch(
      ns, "laptop", {bad_size, dir_with_blocks, FileItem("ok", 0, {"x"}), bad_mode}, f.store.Fn());
  REQUIRE(out.ok());
  REQUIRE(out->response.results.size() == 4);
  CHECK(out->response.results[0].outcome == CommitOutcome::kInvalid);
  CHECK(out->response.results[1].outcome == CommitOutcome::kInvalid);
  CHECK(out->response.results[2].outcome == CommitOutcome::kCommitted);
  CHECK(out->response.results[3].outcome == CommitOutcome::kInvalid);
  CHECK(out->committed == 1);
}

TEST_CASE("journal: a bad device or an oversized batch is refused whole") {
  Fixture f;
  const uint64_t ns = f.Ns("docs");
  CHECK(f.journal->CommitBatch(ns, std::string(300, 'd'), {DirItem("d", 0)}, f.store.Fn())
            .status()
            .code() == common::Code::kInvalidArgument);
  CHECK(
      f.journal->CommitBatch(ns, "bad\ndevice", {DirItem("d", 0)}, f.store.Fn()).status().code() ==
      common::Code::kInvalidArgument);
  std::vector<common::wire::CommitItem> many(common::wire::kMaxCommitItems + 1, DirItem("d", 0));
  CHECK(f.journal->CommitBatch(ns, "laptop", many, f.store.Fn()).status().code() ==
        common::Code::kInvalidArgument);
  CHECK(f.journal->CommitBatch(ns + 7, "laptop", {DirItem("d", 0)}, f.store.Fn()).status().code() ==
        common::Code::kNotFound);
  CHECK(f.Head(ns) == 0);
}

TEST_CASE("journal: two namespaces are independent") {
  Fixture f;
  f.store.Add({"x", "y"});
  const uint64_t a = f.Ns("alpha");
  const uint64_t b = f.Ns("beta");
  CHECK(a != b);
  CHECK(f.journal->NamespaceId("gamma", /*create=*/false).status().code() ==
        common::Code::kNotFound);
  const auto in_a = CommitOne(*f.journal, a, FileItem("same", 0, {"x"}), f.store);
  const auto in_b = CommitOne(*f.journal, b, FileItem("same", 0, {"y"}), f.store);
  CHECK(in_a.jid == 1);
  CHECK(in_b.jid == 1);  // JIDs are per namespace
  CommitOne(*f.journal, a, FileItem("only-a", 0, {"x"}), f.store);
  CHECK(f.Head(a) == 2);
  CHECK(f.Head(b) == 1);
  const auto entries_b = f.All(b);
  REQUIRE(entries_b.size() == 1);
  CHECK(entries_b[0].meta.blocks[0].id == common::BlockId::Of("y"));
  // A parent from the other namespace means nothing here.
  const auto cross = CommitOne(*f.journal, b, FileItem("only-a", 2, {"y"}), f.store);
  CHECK(cross.outcome == CommitOutcome::kConflict);
  CHECK(cross.latest_jid == 0);
}

TEST_CASE("journal: history returns every version of a path, tombstones included") {
  Fixture f;
  f.store.Add({"1", "2", "3"});
  const uint64_t ns = f.Ns("docs");
  const auto v1 = CommitOne(*f.journal, ns, FileItem("h", 0, {"1"}), f.store);
  CommitOne(*f.journal, ns, FileItem("other", 0, {"1"}), f.store);
  const auto v2 = CommitOne(*f.journal, ns, FileItem("h", v1.jid, {"2"}), f.store, "desktop");
  const auto gone = CommitOne(*f.journal, ns, DeleteItem("h", v2.jid), f.store);
  const auto v3 = CommitOne(*f.journal, ns, FileItem("h", gone.jid, {"3"}), f.store);
  auto history = f.journal->History(ns, "h", 0, 100);
  REQUIRE(history.ok());
  REQUIRE(history->entries.size() == 4);
  CHECK(history->entries[0].jid == v1.jid);
  CHECK(history->entries[1].device == "desktop");
  CHECK(history->entries[2].meta.kind == FileKind::kDeleted);
  CHECK(history->entries[3].jid == v3.jid);
  CHECK(history->head == v3.jid);
  auto paged = f.journal->History(ns, "h", v1.jid, 2);
  REQUIRE(paged.ok());
  CHECK(paged->entries.size() == 2);
  CHECK(paged->has_more);
  auto none = f.journal->History(ns, "never", 0, 100);
  REQUIRE(none.ok());
  CHECK(none->entries.empty());
}

TEST_CASE("journal: concurrent commits from many threads get distinct increasing JIDs") {
  Fixture f;
  f.store.Add({"x"});
  const uint64_t ns = f.Ns("docs");
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::vector<uint64_t>> jids(kThreads);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          auto out = f.journal->CommitBatch(
              ns, "dev" + std::to_string(t),
              {FileItem("t" + std::to_string(t) + "/" + std::to_string(i), 0, {"x"})},
              f.store.Fn());
          if (out.ok() && out->committed == 1) jids[t].push_back(out->response.results[0].jid);
          // Readers run beside the writers.
          (void)f.journal->List(ns, 0, 50);
        }
      });
    }
  }
  std::vector<uint64_t> all;
  for (const auto& v : jids) {
    CHECK(v.size() == kPerThread);
    for (size_t i = 1; i < v.size(); ++i) CHECK(v[i - 1] < v[i]);
    all.insert(all.end(), v.begin(), v.end());
  }
  std::sort(all.begin(), all.end());
  REQUIRE(all.size() == kThreads * kPerThread);
  for (size_t i = 0; i < all.size(); ++i) CHECK(all[i] == i + 1);
  CHECK(f.Head(ns) == kThreads * kPerThread);
}

TEST_CASE("journal: the database is WAL, versioned, and marked as a Tessera journal") {
  Fixture f;
  auto db = common::sqlite::SqliteDb::Open(f.db_path());
  REQUIRE(db.ok());
  CHECK(db->QueryText("PRAGMA journal_mode").value() == "wal");
  CHECK(db->QueryInt("PRAGMA user_version").value() ==
        static_cast<int64_t>(journal::sqlite::SchemaScripts().size()));
  CHECK(db->QueryInt("PRAGMA application_id").value() == 0x54534a31);
  // STRICT tables refuse a wrongly typed value.
  CHECK_FALSE(db->Exec("INSERT INTO namespaces (name, head_jid) VALUES ('x', 'ten')").ok());
}

TEST_CASE("journal: epochs differ between databases") {
  Fixture a;
  Fixture b;
  CHECK(a.journal->epoch().size() == 32);
  CHECK(a.journal->epoch() != b.journal->epoch());
}

TEST_CASE("journal: a file of another application or a newer schema is refused") {
  testutil::TempDir dir;
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kError);
  const std::string path = dir.Sub("journal.db");
  {
    auto db = common::sqlite::SqliteDb::Open(path);
    REQUIRE(db.ok());
    SUBCASE("someone else's tables") { REQUIRE(db->Exec("CREATE TABLE t (x)").ok()); }
    SUBCASE("someone else's application id") {
      REQUIRE(db->Exec("PRAGMA application_id = 42").ok());
    }
    SUBCASE("a schema from the future") {
      REQUIRE(db->Exec("PRAGMA application_id = 1414744625; PRAGMA user_version = 99").ok());
    }
  }
  auto opened = journal::sqlite::SqliteJournalStore::Open(path, log);
  CHECK(opened.status().code() == common::Code::kInvalidArgument);
}

TEST_CASE("journal: garbage instead of a database is refused, not overwritten") {
  testutil::TempDir dir;
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kError);
  const std::string path = dir.Sub("journal.db");
  REQUIRE(common::WriteFileAtomically(env, path, std::string(8192, 'G')).ok());
  auto opened = journal::sqlite::SqliteJournalStore::Open(path, log);
  CHECK_FALSE(opened.ok());
  auto content = env.ReadFileToString(path);
  REQUIRE(content.ok());
  CHECK(*content == std::string(8192, 'G'));
}

}  // namespace
}  // namespace tessera::metaserver
