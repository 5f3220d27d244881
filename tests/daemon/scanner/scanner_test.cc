#include "daemon/scanner/scanner.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/temp_name.h"
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
  scanner.SetTempTag("5eed0001");
  const std::string ours = common::TempFileName("5eed0001");
  const std::string other_install = common::TempFileName("0ther000");
  WriteFile(root.Sub(ours), "half");
  WriteFile(root.Sub(other_install), "another daemon's");
  WriteFile(root.Sub(".tessera-tmp-notes.txt"), "a user's file");
  WriteFile(root.Sub("real"), "x");
  REQUIRE(scanner.RemoveStaleTempFiles().ok());
  // Only this daemon's own leftover goes; names that merely look like temp files stay.
  CHECK(!testing::Exists(root.Sub(ours)));
  CHECK(testing::Exists(root.Sub(other_install)));
  CHECK(testing::Exists(root.Sub(".tessera-tmp-notes.txt")));
  const std::string in_progress = common::TempFileName("5eed0001");
  WriteFile(root.Sub(in_progress), "in progress");
  auto stats = scanner.FullScan();
  REQUIRE(stats.ok());
  auto paths = (*idx)->LocalPaths();
  REQUIRE(paths.ok());
  CHECK(*paths == std::vector<std::string>{"real"});
  // Not synced, but said: the two names that are not this daemon's temp files.
  CHECK(stats->skipped == 2);
  auto snap = (*idx)->Snapshot("default");
  REQUIRE(snap.ok());
  CHECK(snap->skipped_names.find("kept for Tessera's temp files") != std::string::npos);
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

TEST_CASE("scanner: paths under a directory scanned in the same call are looked at once") {
  Fixture f;
  REQUIRE(::mkdir(f.root.Sub("d").c_str(), 0755) == 0);
  REQUIRE(::mkdir(f.root.Sub("d/e").c_str(), 0755) == 0);
  WriteFile(f.root.Sub("d/x"), "x");
  WriteFile(f.root.Sub("d/e/y"), "y");
  WriteFile(f.root.Sub("d-side"), "z");  // sorts between "d" and "d/..." but is not under it
  auto stats = f.scanner.ScanPaths({"d", "d-side", "d/e", "d/e/y", "d/x"});
  REQUIRE(stats.ok());
  CHECK(stats->seen == 5);  // d, d/e, d/e/y, d/x by the walk of d; d-side on its own
  CHECK(f.Row("d/e/y"));
  CHECK(f.Row("d-side"));
}

TEST_CASE("scanner: deletions anywhere in a tree larger than one index page are all found") {
  Fixture f;
  // 3 pages of kVanishPage paths, plus the directories.
  const int dirs = 30, per_dir = 110;
  for (int d = 0; d < dirs; ++d) {
    REQUIRE(::mkdir(f.root.Sub("d" + std::to_string(d)).c_str(), 0755) == 0);
    for (int i = 0; i < per_dir; ++i) {
      WriteFile(f.root.Sub("d" + std::to_string(d) + "/f" + std::to_string(i)), std::to_string(i));
    }
  }
  f.Scan();
  REQUIRE(f.idx->LocalPaths()->size() == static_cast<size_t>(dirs * (per_dir + 1)));
  REQUIRE(f.idx->LocalPaths()->size() > 3 * kVanishPage);
  f.MarkSynced();
  // The first path, one on each page boundary's side, the last, and a whole directory.
  const std::vector<std::string> gone = {"d0/f0", "d17/f50", "d9/f99", "d9/f100", "d99/f0"};
  for (const auto& p : gone) (void)::unlink(f.root.Sub(p).c_str());
  for (int i = 0; i < per_dir; ++i) {
    REQUIRE(::unlink(f.root.Sub("d5/f" + std::to_string(i)).c_str()) == 0);
  }
  REQUIRE(::rmdir(f.root.Sub("d5").c_str()) == 0);
  f.Scan();
  for (const auto& p : gone) {
    if (p == "d99/f0") continue;  // never existed
    CHECK_MESSAGE(!f.Row(p)->local, p);
  }
  CHECK(!f.Row("d5")->local);
  CHECK(!f.Row("d5/f42")->local);
  CHECK(f.Row("d5/f42")->state == index::SyncState::kDirty);
  CHECK(f.idx->LocalPaths()->size() ==
        static_cast<size_t>(dirs * (per_dir + 1) - 4 - (per_dir + 1)));
  CHECK(f.Row("d17/f49")->local);
  CHECK(f.Row("d29/f109")->local);
}

TEST_CASE("scanner: a directory replaced by a symlink to a copy of it loses its children") {
  Fixture f;
  REQUIRE(::mkdir(f.root.Sub("d").c_str(), 0755) == 0);
  REQUIRE(::mkdir(f.root.Sub("d/sub").c_str(), 0755) == 0);
  WriteFile(f.root.Sub("d/x"), "x");
  WriteFile(f.root.Sub("d/sub/y"), "y");
  f.Scan();
  f.MarkSynced();
  // The same names stay reachable through the link: lstat("d/x") follows "d".
  testutil::TempDir elsewhere;
  REQUIRE(::rename(f.root.Sub("d").c_str(), elsewhere.Sub("d").c_str()) == 0);
  REQUIRE(::symlink(elsewhere.Sub("d").c_str(), f.root.Sub("d").c_str()) == 0);
  REQUIRE(testing::Exists(f.root.Sub("d/sub/y")));

  SUBCASE("full scan") { f.Scan(); }
  SUBCASE("the directory scanned by path") { REQUIRE(f.scanner.ScanPaths({"d"}).ok()); }
  SUBCASE("only the children scanned by path") {
    REQUIRE(f.scanner.ScanPaths({"d/x", "d/sub/y"}).ok());
    CHECK(!f.Row("d/x")->local);
    CHECK(!f.Row("d/sub/y")->local);
    REQUIRE(f.scanner.ScanPaths({"d"}).ok());
  }
  CHECK(f.Row("d")->local->kind == FileKind::kSymlink);
  CHECK(!f.Row("d/x")->local);
  CHECK(!f.Row("d/sub")->local);
  CHECK(!f.Row("d/sub/y")->local);
  CHECK(f.Row("d/sub/y")->state == index::SyncState::kDirty);
}

TEST_CASE("scanner: a directory replaced by a file loses its children") {
  Fixture f;
  REQUIRE(::mkdir(f.root.Sub("d").c_str(), 0755) == 0);
  WriteFile(f.root.Sub("d/x"), "x");
  f.Scan();
  f.MarkSynced();
  REQUIRE(::unlink(f.root.Sub("d/x").c_str()) == 0);
  REQUIRE(::rmdir(f.root.Sub("d").c_str()) == 0);
  WriteFile(f.root.Sub("d"), "now a file");

  SUBCASE("full scan") { f.Scan(); }
  SUBCASE("the file scanned by path") { REQUIRE(f.scanner.ScanPaths({"d"}).ok()); }
  SUBCASE("the old child scanned by path, then the file") {
    REQUIRE(f.scanner.ScanPaths({"d/x"}).ok());
    CHECK(!f.Row("d/x")->local);
    REQUIRE(f.scanner.ScanPaths({"d"}).ok());
  }
  CHECK(f.Row("d")->local->kind == FileKind::kFile);
  CHECK(!f.Row("d/x")->local);
}

TEST_CASE("scanner: paths reachable only through the state dir or a skipped name are absent") {
  testutil::TempDir root;
  common::PosixEnv env;
  common::Logger log{common::LogLevel::kError};
  REQUIRE(::mkdir((root.path() + "/.state").c_str(), 0755) == 0);
  auto idx = index::Index::Open(root.path() + "/.state/index.db");
  REQUIRE(idx.ok());
  Scanner scanner(env, **idx, log, root.path(), root.path() + "/.state");
  REQUIRE(::mkdir(root.Sub("dir").c_str(), 0755) == 0);
  WriteFile(root.Sub("dir/a"), "a");
  REQUIRE(scanner.FullScan().ok());
  REQUIRE((*idx)->Get("dir/a")->has_value());
  // Rows the walk can never see (as if an older build had recorded them).
  for (const std::string p : {".state/index.db", ".tessera-tmp-dir/b"}) {
    index::FileRow row = **(*idx)->Get("dir/a");
    row.path = p;
    REQUIRE((*idx)->Put(row).ok());
  }
  REQUIRE(::mkdir(root.Sub(".tessera-tmp-dir").c_str(), 0755) == 0);
  WriteFile(root.Sub(".tessera-tmp-dir/b"), "b");
  REQUIRE(scanner.FullScan().ok());
  CHECK(*(*idx)->LocalPaths() == std::vector<std::string>{"dir", "dir/a"});
}

TEST_CASE("scanner: a few files in doubt are listed for a recheck, too many ask for a rescan") {
  Fixture f;
  SUBCASE("a few") {
    for (int i = 0; i < 10; ++i) {
      WriteFile(f.root.Sub("f" + std::to_string(i)), "just written");
      SetMtime(f.root.Sub("f" + std::to_string(i)), 1'800'000'000);  // after the hash: in doubt
    }
    f.Scan();
    const Recheck recheck = f.scanner.TakeRecheck();
    CHECK(!recheck.all);
    CHECK(recheck.paths.size() == 10);
    CHECK(recheck.paths.contains("f7"));
    CHECK(f.scanner.TakeRecheck().empty());
  }
  SUBCASE("more than the cap") {
    for (size_t i = 0; i <= kMaxRecheckPaths; ++i) {
      WriteFile(f.root.Sub("f" + std::to_string(i)), "just written");
      SetMtime(f.root.Sub("f" + std::to_string(i)), 1'800'000'000);
    }
    f.Scan();
    const Recheck recheck = f.scanner.TakeRecheck();
    CHECK(recheck.all);
    CHECK(recheck.paths.empty());
  }
}

TEST_CASE("scanner: merged rechecks stay within the cap") {
  Recheck a;
  Recheck b;
  for (size_t i = 0; i < kMaxRecheckPaths - 1; ++i) a.Add("a" + std::to_string(i));
  b.Add("b0");
  a.Merge(std::move(b));
  CHECK(!a.all);
  CHECK(a.paths.size() == kMaxRecheckPaths);
  CHECK(b.empty());
  Recheck c;
  c.Add("c0");
  a.Merge(std::move(c));
  CHECK(a.all);
  CHECK(a.paths.empty());
  a.Add("later");  // already "everything"
  CHECK(a.paths.empty());
  Recheck d;
  Recheck all;
  all.all = true;
  d.Add("x");
  d.Merge(std::move(all));
  CHECK(d.all);
  CHECK(d.paths.empty());
}

}  // namespace
}  // namespace tessera::daemon::scanner
