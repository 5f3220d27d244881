// The index's ctime and link count (schema 5): kept with the local version, 0 in rows of an
// older index, and the other names of a hard-linked file found by inode (Index::LinkedPaths).
#include <doctest/doctest.h>

#include "daemon/index/index.h"
#include "tests/daemon/index/raw_sql.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::daemon::index {
namespace {

using common::wire::BlockRef;
using common::wire::FileKind;

FileRow LocalFile(const std::string& path, uint64_t inode, uint64_t nlink) {
  FileRow row;
  row.path = path;
  row.local = FileVersion{};
  row.local->kind = FileKind::kFile;
  row.local->size = 3;
  row.local->blocks = {BlockRef{common::BlockId::Of("abc"), 3}};
  row.stat.inode = inode;
  row.stat.nlink = nlink;
  row.stat.size = 3;
  row.stat.mtime_ns = 1'000;
  row.stat.ctime_ns = 2'000 + static_cast<int64_t>(inode);
  row.stat.format = "text";
  row.state = SyncState::kDirty;
  return row;
}

struct Fixture {
  testutil::TempDir dir;
  std::unique_ptr<Index> index;
  Fixture() {
    auto opened = Index::Open(dir.Sub("index.db"));
    REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    index = std::move(opened).value();
  }
  std::vector<std::string> Linked(uint64_t inode, bool any_links) {
    auto paths = index->LinkedPaths(inode, any_links, 10);
    REQUIRE(paths.ok());
    return *paths;
  }
};

TEST_CASE("index links: ctime and link count are kept with the local version") {
  Fixture f;
  REQUIRE(f.index->Put(LocalFile("a", 7, 2)).ok());
  auto row = f.index->Get("a");
  REQUIRE(row.ok());
  REQUIRE(row->has_value());
  CHECK((*row)->stat.ctime_ns == 2'007);
  CHECK((*row)->stat.nlink == 2);
  CHECK((*row)->stat == LocalFile("a", 7, 2).stat);
}

TEST_CASE("index links: the other names of an inode, by link count") {
  Fixture f;
  REQUIRE(f.index->Put(LocalFile("a", 7, 2)).ok());
  REQUIRE(f.index->Put(LocalFile("b", 7, 2)).ok());
  REQUIRE(f.index->Put(LocalFile("c", 7, 1)).ok());  // recorded before it got another name
  REQUIRE(f.index->Put(LocalFile("d", 8, 2)).ok());
  using V = std::vector<std::string>;
  CHECK(f.Linked(7, false) == V{"a", "b"});
  CHECK(f.Linked(7, true) == V{"a", "b", "c"});
  CHECK(f.Linked(8, false) == V{"d"});
  CHECK(f.Linked(9, true).empty());
  // An absent path is no name of anything.
  FileRow gone = LocalFile("b", 7, 2);
  gone.local.reset();
  gone.base_jid = 3;
  REQUIRE(f.index->Put(gone).ok());
  CHECK(f.Linked(7, true) == V{"a", "c"});
}

TEST_CASE("index links: a version 4 index is migrated; its rows' ctime is unknown") {
  testutil::TempDir dir;
  const std::string db = dir.Sub("index.db");
  {
    auto idx = Index::Open(db);
    REQUIRE(idx.ok());
    REQUIRE((*idx)->Put(LocalFile("kept", 7, 1)).ok());
  }
  testing::RunRawSql(db,
                     "DROP INDEX files_by_linked_inode; ALTER TABLE files DROP COLUMN ctime_ns;"
                     "ALTER TABLE files DROP COLUMN nlink; PRAGMA user_version=4;");
  auto idx = Index::Open(db);
  REQUIRE_MESSAGE(idx.ok(), idx.status().ToString());
  auto row = (*idx)->Get("kept");
  REQUIRE(row.ok());
  REQUIRE(row->has_value());
  CHECK((*row)->stat.inode == 7);
  CHECK((*row)->stat.ctime_ns == 0);
  CHECK((*row)->stat.nlink == 0);
}

}  // namespace
}  // namespace tessera::daemon::index
