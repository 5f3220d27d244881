#include "daemon/index/index.h"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include "tests/testutil/temp_dir.h"

namespace tessera::daemon::index {
namespace {

using common::wire::BlockRef;
using common::wire::FileKind;

FileVersion AFile(std::string_view content, bool exec = false) {
  FileVersion v;
  v.kind = FileKind::kFile;
  v.size = content.size();
  v.executable = exec;
  v.blocks = {BlockRef{common::BlockId::Of(content), static_cast<uint32_t>(content.size())}};
  v.mtime_ns = 1'700'000'000'123'456'789;
  return v;
}

TEST_CASE("index: a reader of a file the daemon has not yet set up is told to retry") {
  testutil::TempDir dir;
  const std::string db = dir.Sub("index.db");
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);  // an empty database: user_version 0
  REQUIRE(sqlite3_exec(raw, "CREATE TABLE t(x)", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
  CHECK(Index::OpenReadOnly(db).status().code() == common::Code::kUnavailable);
  REQUIRE(Index::Open(db).ok());
  CHECK(Index::OpenReadOnly(db).ok());
}

TEST_CASE("index: a row, the cursor and pending entries survive a reopen unchanged") {
  testutil::TempDir dir;
  const std::string db = dir.Sub("index.db");
  FileRow row;
  row.path = "dir/a.txt";
  row.base_jid = 7;
  row.base = AFile("old");
  row.local = AFile("new", true);
  row.stat = LocalStat{42, 0755, row.local->mtime_ns, 3, 99, "text"};
  row.state = SyncState::kDirty;
  {
    auto idx = Index::Open(db);
    REQUIRE(idx.ok());
    REQUIRE((*idx)->BindIdentity("/root", "default").ok());
    REQUIRE((*idx)->Put(row).ok());
    PendingEntry p;
    p.path = "b";
    p.jid = 9;
    p.version = AFile("remote");
    p.mode = 0644;
    p.device = "other";
    REQUIRE((*idx)->StorePage("default", {p}, 9, "epoch-1").ok());
  }
  auto idx = Index::Open(db);
  REQUIRE(idx.ok());
  auto got = (*idx)->Get("dir/a.txt");
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK((*got)->base_jid == 7);
  CHECK((*got)->base->SameContent(*row.base));
  CHECK((*got)->local->SameContent(*row.local));
  CHECK((*got)->local->executable);
  CHECK((*got)->stat == row.stat);
  CHECK((*got)->state == SyncState::kDirty);
  auto ns = (*idx)->GetNs("default");
  REQUIRE(ns.ok());
  CHECK(ns->cursor == 9);
  CHECK(ns->epoch == "epoch-1");
  auto pending = (*idx)->GetPending("b");
  REQUIRE(pending.ok());
  REQUIRE(pending->has_value());
  CHECK((*pending)->jid == 9);
  CHECK((*pending)->version->SameContent(AFile("remote")));
  auto where = (*idx)->FindBlock(common::BlockId::Of("new"), 4);
  REQUIRE(where.ok());
  REQUIRE(where->size() == 1);
  CHECK((*where)[0].path == "dir/a.txt");
  auto snap = (*idx)->Snapshot("");
  REQUIRE(snap.ok());
  CHECK(snap->upload_pending_files == 1);
  CHECK(snap->download_pending_files == 1);
  CHECK(snap->root == "/root");
  CHECK(!(*idx)->BindIdentity("/elsewhere", "default").ok());
}

TEST_CASE("index: local paths come in pages, by subtree, and survive writes between pages") {
  testutil::TempDir dir;
  auto idx = Index::Open(dir.Sub("index.db"));
  REQUIRE(idx.ok());
  Index& index = **idx;
  for (const std::string p : {"a", "a/1", "a/2", "a!", "a0", "b", "b/x", "gone"}) {
    FileRow row;
    row.path = p;
    row.local = AFile(p);
    REQUIRE(index.Put(row).ok());
  }
  FileRow remote_only;  // no local version: never listed
  remote_only.path = "a/remote";
  remote_only.base_jid = 3;
  remote_only.base = AFile("r");
  REQUIRE(index.Put(remote_only).ok());

  // The whole tree, two at a time; a row changed between pages shifts nothing.
  std::vector<std::string> all;
  std::string after;
  for (;;) {
    auto page = index.LocalPathsPage("", after, 2);
    REQUIRE(page.ok());
    all.insert(all.end(), page->begin(), page->end());
    if (page->size() < 2) break;
    after = page->back();
    if (after == "a!") {
      REQUIRE(index.Remove("a!").ok());    // already listed
      REQUIRE(index.Remove("gone").ok());  // not yet listed: not listed
    }
  }
  CHECK(all == std::vector<std::string>{"a", "a!", "a/1", "a/2", "a0", "b", "b/x"});
  // A subtree: the directory and what is under "a/", not "a0" or "a!".
  CHECK(*index.LocalPathsPage("a", "", 10) == std::vector<std::string>{"a", "a/1", "a/2"});
  CHECK(*index.LocalPathsPage("a", "a", 10) == std::vector<std::string>{"a/1", "a/2"});
  CHECK(*index.LocalPathsPage("a", "a/1", 1) == std::vector<std::string>{"a/2"});
  CHECK(index.LocalPathsPage("a/2", "", 10)->size() == 1);
  CHECK(index.LocalPathsPage("c", "", 10)->empty());
  // Every row strictly under "a/", with or without a local version.
  CHECK(*index.PathsUnderPage("a", "", 10) == std::vector<std::string>{"a/1", "a/2", "a/remote"});
  CHECK(*index.PathsUnderPage("a", "a/1", 1) == std::vector<std::string>{"a/2"});
}

TEST_CASE("index: a journal entry at or below the path's base JID is not stored as pending") {
  testutil::TempDir dir;
  auto idx = Index::Open(dir.Sub("index.db"));
  REQUIRE(idx.ok());
  FileRow row;
  row.path = "a";
  row.base_jid = 5;
  row.base = AFile("x");
  row.local = AFile("x");
  REQUIRE((*idx)->Put(row).ok());
  PendingEntry own{"a", 5, AFile("x"), 0644, "me", "", 0};
  REQUIRE((*idx)->StorePage("default", {own}, 5, "e").ok());
  auto pending = (*idx)->GetPending("a");
  REQUIRE(pending.ok());
  CHECK(!pending->has_value());
}

TEST_CASE("index: a journal reset forgets bases and pending entries but keeps local files dirty") {
  testutil::TempDir dir;
  auto idx = Index::Open(dir.Sub("index.db"));
  REQUIRE(idx.ok());
  FileRow row;
  row.path = "a";
  row.base_jid = 5;
  row.base = AFile("x");
  row.local = AFile("x");
  REQUIRE((*idx)->Put(row).ok());
  REQUIRE((*idx)->ResetJournal("default", "new-epoch").ok());
  auto got = (*idx)->Get("a");
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK((*got)->base_jid == 0);
  CHECK(!(*got)->base);
  CHECK((*got)->local);
  CHECK((*got)->state == SyncState::kDirty);
  CHECK((*idx)->GetNs("default")->epoch == "new-epoch");
}

TEST_CASE("index: a database from a newer schema or another application is refused") {
  testutil::TempDir dir;
  const std::string db = dir.Sub("index.db");
  { REQUIRE(Index::Open(db).ok()); }
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
  SUBCASE("newer schema") {
    REQUIRE(sqlite3_exec(raw, "PRAGMA user_version=99", nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  SUBCASE("another application") {
    REQUIRE(sqlite3_exec(raw, "PRAGMA application_id=1234", nullptr, nullptr, nullptr) ==
            SQLITE_OK);
  }
  sqlite3_close(raw);
  auto idx = Index::Open(db);
  CHECK(!idx.ok());
  CHECK(idx.status().code() == common::Code::kInvalidArgument);
}

TEST_CASE("index: a torn blocklist blob is corruption, a whole one round-trips") {
  const std::vector<BlockRef> blocks = {BlockRef{common::BlockId::Of("a"), 1},
                                        BlockRef{common::BlockId::Of("bc"), 70000}};
  const std::string blob = EncodeBlocks(blocks);
  auto back = DecodeBlocks(blob);
  REQUIRE(back.ok());
  CHECK(*back == blocks);
  auto torn = DecodeBlocks(std::string_view(blob).substr(0, blob.size() - 1));
  CHECK(torn.status().code() == common::Code::kCorruption);
}

}  // namespace
}  // namespace tessera::daemon::index
