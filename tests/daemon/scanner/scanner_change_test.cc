// Changes the stat fields other than size and mtime tell: an edit whose mtime was set back
// (ctime), rows from before the index kept ctime, and edits through one of a file's hard links.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "daemon/scanner/scanner.h"
#include "tests/daemon/test_cluster.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::daemon::scanner {
namespace {

using testing::WriteFile;

struct Fixture {
  testutil::TempDir root;
  testutil::TempDir state;
  common::PosixEnv env;
  common::Logger log{common::LogLevel::kWarn};
  std::unique_ptr<index::Index> idx = std::move(*index::Index::Open(state.Sub("index.db")));
  Scanner scanner{env, *idx, log, root.path(), state.path()};

  index::FileRow Row(const std::string& path) {
    auto r = idx->Get(path);
    REQUIRE(r.ok());
    REQUIRE(r->has_value());
    return **r;
  }
  // Marks everything synced, as if uploaded, so later changes show up as dirty.
  void MarkSynced() {
    auto paths = idx->LocalPaths();
    REQUIRE(paths.ok());
    for (const auto& p : *paths) {
      auto row = Row(p);
      row.base = row.local;
      row.base_jid = 1;
      row.state = index::SyncState::kSynced;
      REQUIRE(idx->Put(row).ok());
    }
  }
  ScanStats Scan() {
    auto stats = scanner.FullScan();
    REQUIRE(stats.ok());
    return *stats;
  }
  ScanStats ScanOnly(const std::string& rel) {
    auto stats = scanner.ScanPaths({rel});
    REQUIRE(stats.ok());
    return *stats;
  }
};

void SetMtime(const std::string& path, int64_t sec) {
  const struct timespec t[2] = {{sec, 0}, {sec, 0}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), t, AT_SYMLINK_NOFOLLOW) == 0);
}

// Until the kernel's (coarse) timestamp clock has moved on: a probe file's ctime, set to "now"
// again and again, passes the one it had (a deadline bounds a clock that never moves).
void NextTick() {
  testutil::TempDir dir;
  const std::string probe = dir.Sub("probe");
  WriteFile(probe, "");
  struct stat first {};
  REQUIRE(::stat(probe.c_str(), &first) == 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    REQUIRE(::utimensat(AT_FDCWD, probe.c_str(), nullptr, 0) == 0);  // ctime := now
    struct stat now {};
    REQUIRE(::stat(probe.c_str(), &now) == 0);
    if (now.st_ctim.tv_sec != first.st_ctim.tv_sec || now.st_ctim.tv_nsec != first.st_ctim.tv_nsec)
      return;
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::yield();
  }
}
// Past the doubt window, which the scanner measures on the real clock from a file's ctime: a
// file changed just now is hashed again until then, so the wait is the condition itself.
void PastDoubt() { std::this_thread::sleep_for(kDoubtWindow + std::chrono::milliseconds(50)); }

constexpr int64_t kLongAgo = 978'307'200;  // 2001-01-01: long before any hash, not in doubt

TEST_CASE("scanner: a same-size edit whose mtime was set back is found by its ctime") {
  Fixture f;
  WriteFile(f.root.Sub("f"), "hello world\n");
  SetMtime(f.root.Sub("f"), kLongAgo);
  f.Scan();
  f.MarkSynced();
  const auto before = f.Row("f");
  CHECK(before.stat.ctime_ns != 0);
  NextTick();
  // printf X > f keeping the size, then touch -d 2001-01-01 f.
  WriteFile(f.root.Sub("f"), "HELLO WORLD\n");
  SetMtime(f.root.Sub("f"), kLongAgo);
  const ScanStats stats = f.Scan();
  CHECK(stats.hashed == 1);
  const auto after = f.Row("f");
  CHECK(after.stat.mtime_ns == before.stat.mtime_ns);
  CHECK(after.stat.ctime_ns != before.stat.ctime_ns);
  CHECK(!(after.local->blocks == before.local->blocks));
  CHECK(after.state == index::SyncState::kDirty);
}

TEST_CASE("scanner: a ctime change alone is hashed again but is no edit") {
  Fixture f;
  WriteFile(f.root.Sub("f"), "same\n");
  SetMtime(f.root.Sub("f"), kLongAgo);
  f.Scan();
  f.MarkSynced();
  NextTick();
  SetMtime(f.root.Sub("f"), kLongAgo);  // moves ctime only
  PastDoubt();
  CHECK(f.Scan().hashed == 1);
  CHECK(f.Row("f").state == index::SyncState::kSynced);
  CHECK(f.Scan().hashed == 0);  // the new ctime is recorded: trusted from now on
}

TEST_CASE("scanner: a row without a ctime (an older index) is hashed once, then trusted") {
  Fixture f;
  WriteFile(f.root.Sub("f"), "old row\n");
  SetMtime(f.root.Sub("f"), kLongAgo);
  PastDoubt();
  f.Scan();
  f.MarkSynced();
  auto row = f.Row("f");
  row.stat.ctime_ns = 0;  // as migrated from schema 4
  row.stat.nlink = 0;
  REQUIRE(f.idx->Put(row).ok());
  CHECK(f.Scan().hashed == 1);
  CHECK(f.Row("f").stat.ctime_ns != 0);
  CHECK(f.Row("f").stat.nlink == 1);
  CHECK(f.Row("f").state == index::SyncState::kSynced);
  CHECK(f.Scan().hashed == 0);
}

TEST_CASE("scanner: an edit through one hard link is seen under every name") {
  Fixture f;
  WriteFile(f.root.Sub("a"), "linked v1\n");
  REQUIRE(::mkdir(f.root.Sub("sub").c_str(), 0755) == 0);
  REQUIRE(::link(f.root.Sub("a").c_str(), f.root.Sub("sub/b").c_str()) == 0);
  f.Scan();
  CHECK(f.Row("a").stat.nlink == 2);
  CHECK(f.Row("sub/b").stat.nlink == 2);
  f.MarkSynced();
  NextTick();
  WriteFile(f.root.Sub("a"), "linked v2, longer\n");  // in place: the inode stays
  // Only the name the event named is asked for.
  f.ScanOnly("a");
  CHECK(f.Row("a").state == index::SyncState::kDirty);
  const auto b = f.Row("sub/b");
  CHECK(b.state == index::SyncState::kDirty);
  CHECK(b.local->size == 18);
  CHECK(b.local->blocks == f.Row("a").local->blocks);
}

TEST_CASE("scanner: a name linked after the file was recorded makes its other names known") {
  Fixture f;
  WriteFile(f.root.Sub("a"), "one name\n");
  f.Scan();
  CHECK(f.Row("a").stat.nlink == 1);
  REQUIRE(::link(f.root.Sub("a").c_str(), f.root.Sub("b").c_str()) == 0);
  f.ScanOnly("b");  // the event names the new link only
  CHECK(f.Row("a").stat.nlink == 2);
  f.MarkSynced();
  NextTick();
  WriteFile(f.root.Sub("b"), "edited through b\n");
  f.ScanOnly("b");
  CHECK(f.Row("a").state == index::SyncState::kDirty);
  CHECK(f.Row("a").local->size == 17);
}

TEST_CASE("scanner: a full scan records the new link count under every name") {
  Fixture f;
  WriteFile(f.root.Sub("a"), "one name\n");
  f.Scan();
  REQUIRE(::link(f.root.Sub("a").c_str(), f.root.Sub("b").c_str()) == 0);
  f.Scan();  // no search of every row: the walk sees both names (the link moved their ctime)
  CHECK(f.Row("a").stat.nlink == 2);
  CHECK(f.Row("b").stat.nlink == 2);
  f.MarkSynced();
  NextTick();
  WriteFile(f.root.Sub("b"), "edited through b\n");
  f.ScanOnly("b");
  CHECK(f.Row("a").state == index::SyncState::kDirty);
}

TEST_CASE("scanner: a name that is no longer a link of the file is left to its own events") {
  Fixture f;
  WriteFile(f.root.Sub("a"), "linked\n");
  REQUIRE(::link(f.root.Sub("a").c_str(), f.root.Sub("b").c_str()) == 0);
  f.Scan();
  f.MarkSynced();
  // b replaced by another file (another inode) with the same size and mtime as recorded.
  const auto b_row = f.Row("b");
  REQUIRE(::unlink(f.root.Sub("b").c_str()) == 0);
  WriteFile(f.root.Sub("b"), "LINKED\n");
  NextTick();
  WriteFile(f.root.Sub("a"), "edited\n");
  f.ScanOnly("a");
  CHECK(f.Row("a").state == index::SyncState::kDirty);
  // Not looked at: still as recorded (its own event or the rescan finds it).
  CHECK(f.Row("b").stat == b_row.stat);
}

}  // namespace
}  // namespace tessera::daemon::scanner
