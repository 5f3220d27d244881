#include "daemon/scanner/scanner.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/daemon/test_cluster.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::daemon::scanner {
namespace {

using common::wire::FileKind;
using testing::WriteFile;

struct Fixture {
  testutil::TempDir root;
  testutil::TempDir state;
  common::PosixEnv env;
  common::Logger log{common::LogLevel::kWarn};
  std::unique_ptr<index::Index> idx = std::move(*index::Index::Open(state.Sub("index.db")));
  Scanner scanner{env, *idx, log, root.path(), state.path()};

  std::optional<index::FileRow> Row(const std::string& path) {
    auto r = idx->Get(path);
    REQUIRE(r.ok());
    return *r;
  }
  // Marks everything synced, as if uploaded, so later changes show up as dirty.
  void MarkSynced() {
    auto paths = idx->LocalPaths();
    REQUIRE(paths.ok());
    for (const auto& p : *paths) {
      auto row = *Row(p);
      row.base = row.local;
      row.base_jid = 1;
      row.state = index::SyncState::kSynced;
      REQUIRE(idx->Put(row).ok());
    }
  }
  void Scan() { REQUIRE(scanner.FullScan().ok()); }
};

void SetMtime(const std::string& path, int64_t sec) {
  const struct timespec t[2] = {{sec, 0}, {sec, 0}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), t, AT_SYMLINK_NOFOLLOW) == 0);
}

TEST_CASE("scanner: creates, edits, deletes, chmods, symlinks and empty dirs are all recorded") {
  Fixture f;
  WriteFile(f.root.Sub("a.txt"), "one\ntwo\n");
  REQUIRE(::mkdir(f.root.Sub("empty").c_str(), 0755) == 0);
  REQUIRE(::symlink("a.txt", f.root.Sub("link").c_str()) == 0);
  f.Scan();
  auto a = f.Row("a.txt");
  REQUIRE(a);
  CHECK(a->local->kind == FileKind::kFile);
  CHECK(a->local->size == 8);
  CHECK(a->state == index::SyncState::kDirty);
  CHECK(f.Row("empty")->local->kind == FileKind::kDir);
  CHECK(f.Row("link")->local->kind == FileKind::kSymlink);
  CHECK(f.Row("link")->local->symlink_target == "a.txt");
  f.MarkSynced();

  SUBCASE("edit") {
    WriteFile(f.root.Sub("a.txt"), "one\ntwo\nthree\n");
    f.Scan();
    CHECK(f.Row("a.txt")->state == index::SyncState::kDirty);
    CHECK(f.Row("a.txt")->local->size == 14);
  }
  SUBCASE("a same-size edit with the same mtime is found by the re-hash in doubt") {
    SetMtime(f.root.Sub("a.txt"), 1'800'000'000);
    f.Scan();  // hashed now; its mtime is in the future relative to the hash: in doubt
    auto before = f.Row("a.txt");
    WriteFile(f.root.Sub("a.txt"), "ONE\ntwo\n");
    SetMtime(f.root.Sub("a.txt"), 1'800'000'000);
    f.Scan();
    auto after = f.Row("a.txt");
    CHECK(after->local->size == before->local->size);
    CHECK(!(after->local->blocks == before->local->blocks));
    CHECK(after->state == index::SyncState::kDirty);
  }
  SUBCASE("delete") {
    REQUIRE(::unlink(f.root.Sub("a.txt").c_str()) == 0);
    f.Scan();
    CHECK(!f.Row("a.txt")->local);
    CHECK(f.Row("a.txt")->state == index::SyncState::kDirty);
  }
  SUBCASE("an emptied file is an edit, not a delete") {
    WriteFile(f.root.Sub("a.txt"), "");
    f.Scan();
    REQUIRE(f.Row("a.txt")->local);
    CHECK(f.Row("a.txt")->local->size == 0);
    CHECK(f.Row("a.txt")->local->blocks.empty());
  }
  SUBCASE("chmod +x") {
    REQUIRE(::chmod(f.root.Sub("a.txt").c_str(), 0755) == 0);
    f.Scan();
    CHECK(f.Row("a.txt")->local->executable);
    CHECK(f.Row("a.txt")->state == index::SyncState::kDirty);
  }
  SUBCASE("a symlink retargeted") {
    REQUIRE(::unlink(f.root.Sub("link").c_str()) == 0);
    REQUIRE(::symlink("/etc/passwd", f.root.Sub("link").c_str()) == 0);
    f.Scan();
    CHECK(f.Row("link")->local->symlink_target == "/etc/passwd");
    CHECK(f.Row("link")->state == index::SyncState::kDirty);
  }
  SUBCASE("rmdir") {
    REQUIRE(::rmdir(f.root.Sub("empty").c_str()) == 0);
    f.Scan();
    CHECK(!f.Row("empty")->local);
  }
  SUBCASE("nothing changed: nothing dirty") {
    SetMtime(f.root.Sub("a.txt"), 1'600'000'000);  // long before the hash: not in doubt
    f.Scan();
    f.MarkSynced();
    f.Scan();
    auto dirty = f.idx->DirtyPaths(10);
    REQUIRE(dirty.ok());
    CHECK(dirty->empty());
  }
}

TEST_CASE("scanner: temp files are skipped, stale ones removed, the state dir ignored") {
  testutil::TempDir root;
  common::PosixEnv env;
  common::Logger log{common::LogLevel::kError};
  REQUIRE(::mkdir((root.path() + "/.state").c_str(), 0755) == 0);
  auto idx = index::Index::Open(root.path() + "/.state/index.db");
  REQUIRE(idx.ok());
  Scanner scanner(env, **idx, log, root.path(), root.path() + "/.state");
  WriteFile(root.Sub(".tessera-tmp-1234"), "half");
  WriteFile(root.Sub("real"), "x");
  REQUIRE(scanner.RemoveStaleTempFiles().ok());
  CHECK(!testing::Exists(root.Sub(".tessera-tmp-1234")));
  WriteFile(root.Sub(".tessera-tmp-5678"), "in progress");
  REQUIRE(scanner.FullScan().ok());
  auto paths = (*idx)->LocalPaths();
  REQUIRE(paths.ok());
  CHECK(*paths == std::vector<std::string>{"real"});
}

TEST_CASE("scanner: a directory scanned by path brings its new children and its deletions") {
  Fixture f;
  REQUIRE(::mkdir(f.root.Sub("d").c_str(), 0755) == 0);
  WriteFile(f.root.Sub("d/x"), "x");
  REQUIRE(f.scanner.ScanPaths({"d"}).ok());
  CHECK(f.Row("d/x"));
  REQUIRE(::unlink(f.root.Sub("d/x").c_str()) == 0);
  REQUIRE(::rmdir(f.root.Sub("d").c_str()) == 0);
  REQUIRE(f.scanner.ScanPaths({"d"}).ok());
  CHECK(!f.Row("d/x"));  // never synced and gone: forgotten
  CHECK(!f.Row("d"));
}

}  // namespace
}  // namespace tessera::daemon::scanner
