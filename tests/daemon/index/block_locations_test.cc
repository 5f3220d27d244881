#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "daemon/index/index.h"
#include "tests/daemon/index/raw_sql.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::daemon::index {
namespace {

using common::wire::BlockRef;
using common::wire::FileKind;

// A file made of the named blocks (each block's content is its name, so its size too).
FileVersion Blocks(const std::vector<std::string>& names) {
  FileVersion v;
  v.kind = FileKind::kFile;
  for (const auto& n : names) {
    v.blocks.push_back(BlockRef{common::BlockId::Of(n), static_cast<uint32_t>(n.size())});
    v.size += n.size();
  }
  return v;
}

// "path@offset+size" for each place holding block `name`, sorted.
std::vector<std::string> Places(Index& index, const std::string& name) {
  auto got = index.FindBlock(common::BlockId::Of(name), 100);
  REQUIRE(got.ok());
  std::vector<std::string> out;
  for (const auto& p : *got) {
    out.push_back(p.path + "@" + std::to_string(p.offset) + "+" + std::to_string(p.size));
  }
  std::sort(out.begin(), out.end());
  return out;
}

using V = std::vector<std::string>;

common::Status PutLocal(Index& index, const std::string& path,
                        const std::vector<std::string>& names) {
  FileRow row;
  row.path = path;
  row.base_jid = 1;
  row.local = Blocks(names);
  return index.Put(row);
}

TEST_CASE("block locations: rows follow each file's blocklist through edits and removals") {
  testutil::TempDir dir;
  auto opened = Index::Open(dir.Sub("index.db"));
  REQUIRE(opened.ok());
  Index& index = **opened;
  REQUIRE(PutLocal(index, "f", {"aa", "bbb", "cccc"}).ok());
  CHECK(Places(index, "aa") == V{"f@0+2"});
  CHECK(Places(index, "bbb") == V{"f@2+3"});
  CHECK(Places(index, "cccc") == V{"f@5+4"});

  // One block replaced by another of the same size: the rest stay where they were.
  REQUIRE(PutLocal(index, "f", {"aa", "xxx", "cccc"}).ok());
  CHECK(Places(index, "bbb").empty());
  CHECK(Places(index, "xxx") == V{"f@2+3"});
  CHECK(Places(index, "cccc") == V{"f@5+4"});

  // A block inserted: the blocks after it move; the same block twice is two places.
  REQUIRE(PutLocal(index, "f", {"aa", "y", "xxx", "cccc", "aa"}).ok());
  CHECK(Places(index, "aa") == V{"f@0+2", "f@10+2"});
  CHECK(Places(index, "xxx") == V{"f@3+3"});
  CHECK(Places(index, "cccc") == V{"f@6+4"});

  // Shortened, and a second file sharing a block.
  REQUIRE(PutLocal(index, "f", {"aa", "y"}).ok());
  REQUIRE(PutLocal(index, "g", {"y", "zz"}).ok());
  CHECK(Places(index, "aa") == V{"f@0+2"});
  CHECK(Places(index, "xxx").empty());
  CHECK(Places(index, "cccc").empty());
  CHECK(Places(index, "y") == V{"f@2+1", "g@0+1"});

  // The local file vanished (the row stays for its base): no places.
  FileRow gone;
  gone.path = "f";
  gone.base_jid = 1;
  gone.base = Blocks({"aa", "y"});
  REQUIRE(index.Put(gone).ok());
  CHECK(Places(index, "aa").empty());
  CHECK(Places(index, "y") == V{"g@0+1"});

  // The row removed outright.
  REQUIRE(index.Remove("g").ok());
  CHECK(Places(index, "y").empty());
  CHECK(Places(index, "zz").empty());
}

TEST_CASE(
    "block locations: a version 2 index is migrated with its locations rebuilt, a torn row "
    "skipped") {
  testutil::TempDir dir;
  const std::string db = dir.Sub("index.db");
  {
    auto idx = Index::Open(db);
    REQUIRE(idx.ok());
    REQUIRE(PutLocal(**idx, "kept", {"one", "two"}).ok());
    REQUIRE(PutLocal(**idx, "sub/other", {"two"}).ok());
  }
  // Turn it back into a version 2 file: the old table, empty as after a lost write of it.
  testing::RunRawSql(
      db,
      "DROP TABLE block_locations;"
      "CREATE TABLE block_locations (id BLOB NOT NULL, path TEXT NOT NULL REFERENCES "
      "files(path) ON DELETE CASCADE, offset INTEGER NOT NULL, size INTEGER NOT NULL) STRICT;"
      "CREATE INDEX block_locations_by_id ON block_locations(id);"
      "CREATE INDEX block_locations_by_path ON block_locations(path);"
      "INSERT INTO files(path, jid, kind, blocks) VALUES('torn', 3, 'file', x'0102030405');"
      "DROP TABLE held_deletes;"  // from later versions
      "DROP INDEX files_by_linked_inode; ALTER TABLE files DROP COLUMN ctime_ns;"
      "ALTER TABLE files DROP COLUMN nlink;"
      "PRAGMA user_version=2;");
  auto idx = Index::Open(db);
  REQUIRE_MESSAGE(idx.ok(), idx.status().ToString());
  CHECK(Places(**idx, "one") == V{"kept@0+3"});
  CHECK(Places(**idx, "two") == V{"kept@3+3", "sub/other@0+3"});
  // The damaged row got no locations and is still reported when read.
  CHECK((*idx)->Get("torn").status().code() == common::Code::kCorruption);
}

}  // namespace
}  // namespace tessera::daemon::index
