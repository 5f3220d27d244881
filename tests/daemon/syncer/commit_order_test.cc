#include "daemon/syncer/commit_order.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/testutil/temp_dir.h"

namespace tessera::daemon::syncer {
namespace {

using common::wire::FileKind;

UploadItem Delete(const std::string& path) { return UploadItem{path, 1, std::nullopt, {}}; }
UploadItem Put(const std::string& path, FileKind kind) {
  FileVersion v;
  v.kind = kind;
  if (kind == FileKind::kSymlink) v.symlink_target = "elsewhere";
  return UploadItem{path, 0, v, {}};
}

std::string Paths(const std::vector<UploadItem>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : " ") + item.path;
  return out;
}

TEST_CASE("commit order: a delete goes after everything under it, deepest first") {
  std::vector<UploadItem> items = {Delete("a"),
                                   Delete("a b"),
                                   Delete("a/x"),
                                   Delete("a/y"),
                                   Delete("a/y/z"),
                                   Put("b", FileKind::kDir),
                                   Put("b/f", FileKind::kFile),
                                   Delete("c")};
  PutDeletesAfterChildren(items);
  // "a b" sorts between "a" and "a/x" but is not under "a"; "a/y" goes after "a/y/z", "a"
  // after both; a new directory stays before what it holds.
  CHECK(Paths(items) == "a b a/x a/y/z a/y a b b/f c");
}

TEST_CASE("commit order: a symlink in place of a directory goes after the deletes under it") {
  std::vector<UploadItem> items = {Put("d/f", FileKind::kFile), Delete("d/old"),
                                   Put("d", FileKind::kSymlink), Put("e", FileKind::kFile)};
  PutDeletesAfterChildren(items);  // sorted first
  CHECK(Paths(items) == "d/f d/old d e");
}

TEST_CASE("commit order: a delete waits while the server holds something under it") {
  testutil::TempDir dir;
  auto index = index::Index::Open(dir.Sub("index.db"));
  REQUIRE(index.ok());
  // As last synced: t/, t/a, t/b, t/sub/, t/sub/c; t/b's delete was committed already.
  auto synced = [&](const std::string& path, FileKind kind, bool deleted) {
    index::FileRow row;
    row.path = path;
    row.base_jid = 1;
    if (!deleted) {
      FileVersion v;
      v.kind = kind;
      row.base = v;
    }
    REQUIRE((*index)->Put(row).ok());
  };
  synced("t", FileKind::kDir, false);
  synced("t/a", FileKind::kFile, false);
  synced("t/b", FileKind::kFile, true);
  synced("t/sub", FileKind::kDir, false);
  synced("t/sub/c", FileKind::kFile, false);

  SUBCASE("everything under it goes before it in the batch") {
    std::vector<UploadItem> batch = {Delete("t/a"), Delete("t/sub/c"), Delete("t/sub"),
                                     Delete("t")};
    auto held = HoldBackDirectoryDeletes(**index, batch);
    REQUIRE(held.ok());
    CHECK(held->empty());
    CHECK(Paths(batch) == "t/a t/sub/c t/sub t");
  }
  SUBCASE("a child beyond the batch holds back its directory and every directory above") {
    std::vector<UploadItem> batch = {Delete("t/a"), Delete("t/sub"), Delete("t")};
    auto held = HoldBackDirectoryDeletes(**index, batch);
    REQUIRE(held.ok());
    CHECK(*held == std::vector<std::string>{"t/sub", "t"});
    CHECK(Paths(batch) == "t/a");
  }
  SUBCASE("a symlink in place of the directory waits the same way") {
    std::vector<UploadItem> batch = {Delete("t/a"), Put("t", FileKind::kSymlink)};
    auto held = HoldBackDirectoryDeletes(**index, batch);
    REQUIRE(held.ok());
    CHECK(*held == std::vector<std::string>{"t"});
  }
  SUBCASE("a file's delete and a directory's upload never wait") {
    std::vector<UploadItem> batch = {Put("t", FileKind::kDir), Delete("t/a")};
    auto held = HoldBackDirectoryDeletes(**index, batch);
    REQUIRE(held.ok());
    CHECK(held->empty());
    CHECK(batch.size() == 2);
  }
}

}  // namespace
}  // namespace tessera::daemon::syncer
