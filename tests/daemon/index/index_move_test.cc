// The index's support for subtree moves (daemon/syncer/move_applier.cc): gone_inode, pending move
// entries, re-listed entries, and the rename candidates.
#include <doctest/doctest.h>

#include "daemon/index/index.h"
#include "tests/daemon/index/raw_sql.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::daemon::index {
namespace {

using common::wire::BlockRef;
using common::wire::FileKind;

FileVersion Dir() {
  FileVersion v;
  v.kind = FileKind::kDir;
  return v;
}

FileVersion AFile(std::string_view content) {
  FileVersion v;
  v.kind = FileKind::kFile;
  v.size = content.size();
  v.blocks = {BlockRef{common::BlockId::Of(content), static_cast<uint32_t>(content.size())}};
  return v;
}

struct Fixture {
  testutil::TempDir dir;
  std::unique_ptr<Index> index;
  Fixture() {
    auto opened = Index::Open(dir.Sub("index.db"));
    REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    index = std::move(opened).value();
  }
  FileRow Row(const std::string& path) {
    auto row = index->Get(path);
    REQUIRE(row.ok());
    REQUIRE(row->has_value());
    return **row;
  }
};

TEST_CASE("index moves: a vanished directory keeps its inode until it reappears") {
  Fixture f;
  FileRow row;
  row.path = "src";
  row.base_jid = 3;
  row.base = Dir();
  row.local = Dir();
  row.stat.inode = 4242;
  REQUIRE(f.index->Put(row).ok());
  CHECK(f.Row("src").gone_inode == 0);
  CHECK(f.index->VanishedDirs(4242)->empty());

  row.local.reset();  // what the scanner writes when it is gone
  row.stat = LocalStat{};
  row.state = SyncState::kDirty;
  REQUIRE(f.index->Put(row).ok());
  CHECK(f.Row("src").gone_inode == 4242);
  // Written again while still absent (e.g. a state change): the inode stays.
  row.state = SyncState::kError;
  REQUIRE(f.index->Put(row).ok());
  CHECK(f.Row("src").gone_inode == 4242);
  CHECK(*f.index->VanishedDirs(4242) == std::vector<std::string>{"src"});
  CHECK(f.index->VanishedDirs(4243)->empty());

  // A tombstone base is no candidate; nor is a row whose local version is back.
  row.base.reset();
  REQUIRE(f.index->Put(row).ok());
  CHECK(f.index->VanishedDirs(4242)->empty());
  row.base = Dir();
  row.local = Dir();
  row.stat.inode = 7;
  REQUIRE(f.index->Put(row).ok());
  CHECK(f.Row("src").gone_inode == 0);
  CHECK(f.index->VanishedDirs(4242)->empty());
}

TEST_CASE("index moves: new local directories are dirty dirs without a live base") {
  Fixture f;
  auto put = [&](const std::string& path, bool base, uint64_t base_jid, SyncState state) {
    FileRow row;
    row.path = path;
    row.base_jid = base_jid;
    if (base) row.base = Dir();
    row.local = Dir();
    row.state = state;
    REQUIRE(f.index->Put(row).ok());
  };
  put("new", false, 0, SyncState::kDirty);
  put("new/sub", false, 0, SyncState::kDirty);
  put("recreated", false, 9, SyncState::kDirty);  // a tombstone base
  put("synced", true, 4, SyncState::kSynced);
  put("known", true, 5, SyncState::kDirty);
  FileRow file;
  file.path = "file";
  file.local = AFile("x");
  file.state = SyncState::kDirty;
  REQUIRE(f.index->Put(file).ok());
  CHECK(*f.index->NewLocalDirs(10) == std::vector<std::string>{"new", "new/sub", "recreated"});
  CHECK(*f.index->NewLocalDirs(1) == std::vector<std::string>{"new"});
}

TEST_CASE("index moves: a pending move keeps moved_from and covers, and can become ordinary") {
  Fixture f;
  PendingEntry move;
  move.path = "dst";
  move.jid = 10;
  move.version = Dir();
  move.mode = 0755;
  move.device = "laptop";
  move.moved_from = "src";
  move.covers = 7;
  PendingEntry plain;
  plain.path = "other";
  plain.jid = 18;
  plain.version = AFile("o");
  REQUIRE(f.index->StorePage("default", {move, plain}, 18, "e").ok());
  auto got = f.index->GetPending("dst");
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK((*got)->moved_from == "src");
  CHECK((*got)->covers == 7);
  CHECK(*f.index->PendingMovePaths(10) == std::vector<std::string>{"dst"});
  REQUIRE(f.index->ClearPendingMove("dst").ok());
  CHECK(f.index->PendingMovePaths(10)->empty());
  got = f.index->GetPending("dst");
  REQUIRE(got->has_value());
  CHECK((*got)->covers == 0);
  CHECK((*got)->moved_from.empty());
  CHECK((*got)->jid == 10);
}

TEST_CASE("index moves: re-listed entries never replace a newer pending entry or base") {
  Fixture f;
  FileRow row;
  row.path = "based";
  row.base_jid = 20;
  row.base = AFile("b");
  row.local = AFile("b");
  REQUIRE(f.index->Put(row).ok());
  PendingEntry newer;
  newer.path = "pending";
  newer.jid = 30;
  newer.version = AFile("new");
  REQUIRE(f.index->StorePage("default", {newer}, 30, "e").ok());

  auto entry = [](const std::string& path, uint64_t jid) {
    PendingEntry e;
    e.path = path;
    e.jid = jid;  // a tombstone
    return e;
  };
  REQUIRE(f.index
              ->StoreListedEntries({entry("based", 15), entry("pending", 25), entry("fresh", 12),
                                    entry("based2", 21)})
              .ok());
  CHECK(f.index->GetPending("based")->has_value() == false);
  CHECK((*f.index->GetPending("pending"))->jid == 30);
  CHECK((*f.index->GetPending("fresh"))->jid == 12);
  CHECK((*f.index->GetPending("based2"))->jid == 21);
  // The cursor is not touched.
  CHECK(f.index->GetNs("default")->cursor == 30);
}

TEST_CASE("index moves: a version 1 index is migrated and keeps its rows") {
  testutil::TempDir dir;
  const std::string db = dir.Sub("index.db");
  {
    auto idx = Index::Open(db);
    REQUIRE(idx.ok());
  }
  // Turn it back into a version 1 file: without the move columns.
  testing::RunRawSql(db,
                     "DROP INDEX files_by_gone_inode; ALTER TABLE files DROP COLUMN gone_inode;"
                     "ALTER TABLE remote_pending DROP COLUMN moved_from;"
                     "ALTER TABLE remote_pending DROP COLUMN covers;"
                     "INSERT INTO files(path, jid, base_kind) VALUES('kept', 4, 'dir');"
                     "DROP TABLE held_deletes;"  // from later versions
                     "DROP INDEX files_by_linked_inode; ALTER TABLE files DROP COLUMN ctime_ns;"
                     "ALTER TABLE files DROP COLUMN nlink;"
                     "PRAGMA user_version=1;");
  auto idx = Index::Open(db);
  REQUIRE_MESSAGE(idx.ok(), idx.status().ToString());
  auto row = (*idx)->Get("kept");
  REQUIRE(row.ok());
  REQUIRE(row->has_value());
  CHECK((*row)->base_jid == 4);
  CHECK((*row)->gone_inode == 0);
}

}  // namespace
}  // namespace tessera::daemon::index
