// SyncEngine's subtree moves (daemon/syncer/move_applier.h) against real in-process servers: the
// sending side commits one move, the receiving side renames; and the safety nets, where the
// derived entries would not match the journal, list the move's entries one by one instead.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "daemon/syncer/sync_engine.h"
#include "tests/daemon/test_cluster.h"

namespace tessera::daemon::syncer {
namespace {

using testing::Exists;
using testing::ReadFile;
using testing::TestPeer;
using testing::TestServers;
using testing::TreeOf;
using testing::WriteFile;

void MakeTree(TestPeer& p, const std::string& top, int files) {
  REQUIRE(::mkdir(p.Abs(top).c_str(), 0755) == 0);
  REQUIRE(::mkdir(p.Abs(top + "/sub").c_str(), 0755) == 0);
  for (int f = 0; f < files; ++f) {
    WriteFile(p.Abs(top + (f % 2 ? "/sub/f" : "/f") + std::to_string(f)),
              "content " + std::to_string(f));
  }
}

common::wire::ListResponse Folded(TestPeer& p, uint64_t cursor) {
  auto list = p.meta().List(cursor, 1000, /*deltas=*/false, /*moves=*/true);
  REQUIRE_MESSAGE(list.ok(), list.status().ToString());
  return *list;
}

TEST_CASE("moves: a renamed directory is committed as one move and renamed on the other side") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  MakeTree(a, "src", 40);
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  const uint64_t head = Folded(a, 0).head;
  struct stat before {};
  REQUIRE(::lstat(b.Abs("src/sub/f1").c_str(), &before) == 0);

  REQUIRE(::rename(a.Abs("src").c_str(), a.Abs("dst").c_str()) == 0);
  const auto commits = a.meta().stats().commit_requests;
  REQUIRE(a.Sync().ok());
  CHECK(a.meta().stats().move_requests == 1);
  CHECK(a.meta().stats().commit_requests == commits);  // nothing else was committed
  const auto folded = Folded(a, head);
  REQUIRE(folded.entries.size() == 1);
  CHECK(folded.entries[0].moved_from == "src");
  CHECK(folded.entries[0].covers == 2 * 41 + 1);  // 40 files + sub

  const auto lists = b.meta().stats().list_requests;
  REQUIRE(b.Sync().ok());
  CHECK(b.meta().stats().list_requests == lists + 1);  // the one folded page, nothing more
  CHECK_FALSE(Exists(b.Abs("src")));
  CHECK(ReadFile(b.Abs("dst/sub/f1")) == "content 1");
  CHECK(ReadFile(b.Abs("dst/f0")) == "content 0");
  struct stat after {};
  REQUIRE(::lstat(b.Abs("dst/sub/f1").c_str(), &after) == 0);
  CHECK(after.st_ino == before.st_ino);  // renamed, not rewritten
  // Every row is synced at the JIDs the server assigned, so nothing moves again.
  auto row = b.index().Get("dst/sub/f1");
  REQUIRE(row.ok());
  REQUIRE(row->has_value());
  CHECK((*row)->state == index::SyncState::kSynced);
  CHECK((*row)->base_jid > folded.entries[0].jid);
  CHECK(b.index().DirtyPaths(10)->empty());
  CHECK(b.index().PendingPaths(10)->empty());
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  CHECK(Folded(a, 0).head == folded.head);

  // An edit of a moved file on B goes up on top of the copy A derived the same way.
  WriteFile(b.Abs("dst/f0"), "edited on B");
  REQUIRE(b.Sync().ok());
  REQUIRE(a.Sync().ok());
  CHECK(ReadFile(a.Abs("dst/f0")) == "edited on B");
  CHECK(a.index().DirtyPaths(10)->empty());
}

TEST_CASE("moves: a directory of more rows than one index page moves whole, every row re-keyed") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  constexpr int kFiles = 1100;  // the rows are read in pages of 512
  MakeTree(a, "src", kFiles);
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  const uint64_t head = Folded(a, 0).head;

  REQUIRE(::rename(a.Abs("src").c_str(), a.Abs("dst").c_str()) == 0);
  REQUIRE(a.Sync().ok());
  CHECK(a.meta().stats().move_requests == 1);
  const auto folded = Folded(a, head);
  REQUIRE(folded.entries.size() == 1);
  CHECK(folded.entries[0].covers == 2 * (kFiles + 1) + 1);
  REQUIRE(b.Sync().ok());
  CHECK_FALSE(Exists(b.Abs("src")));
  for (int f = 0; f < kFiles; f += 97) {
    const std::string rel = std::string(f % 2 ? "dst/sub/f" : "dst/f") + std::to_string(f);
    CHECK(ReadFile(b.Abs(rel)) == "content " + std::to_string(f));
  }
  // Both sides hold every row at the JIDs the server assigned: nothing left to do.
  for (TestPeer* p : {&a, &b}) {
    CHECK(p->index().DirtyPaths(10)->empty());
    CHECK(p->index().PendingPaths(10)->empty());
    auto last = p->index().Get("dst/sub/f" + std::to_string(kFiles - 1));
    REQUIRE(last.ok());
    REQUIRE(last->has_value());
    CHECK((*last)->state == index::SyncState::kSynced);
    CHECK((*last)->base_jid > folded.entries[0].jid);
    CHECK((*last)->base_jid <= folded.entries[0].jid + kFiles + 1);
  }
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  CHECK(Folded(a, 0).head == folded.head);  // nothing was committed again
}

TEST_CASE("moves: a move from a stale view of the directory is refused; its paths go one by one") {
  // The server moves only what the sender knows (the subtree digest): a change made under the
  // directory elsewhere, not yet listed by the sender, is never carried along unseen.
  TestServers servers;
  TestPeer a(servers, "A"), c(servers, "C");
  MakeTree(a, "src", 6);
  REQUIRE(a.Sync().ok());
  REQUIRE(c.Sync().ok());
  std::string changed;  // the path C changed, and what it holds afterwards ("" = gone)
  std::string content;
  SUBCASE("a path added") {
    changed = "src/extra";
    content = "from C";
    WriteFile(c.Abs(changed), content);
  }
  SUBCASE("a path edited") {
    changed = "src/f2";
    content = "edited on C";
    WriteFile(c.Abs(changed), content);
  }
  SUBCASE("a path deleted") {
    changed = "src/f2";
    REQUIRE(::unlink(c.Abs(changed).c_str()) == 0);
  }
  REQUIRE(c.Sync().ok());

  REQUIRE(::rename(a.Abs("src").c_str(), a.Abs("dst").c_str()) == 0);
  REQUIRE(a.scanner().FullScan().ok());
  REQUIRE(a.engine().Process().ok());  // no pull first: A's view of src is stale
  CHECK(a.meta().stats().move_requests >= 1);
  // Refused: src was not moved (src/sub, which C did not touch, may move as one).
  for (const auto& e : Folded(a, 0).entries) CHECK(e.moved_from != "src");
  for (int round = 0; round < 2; ++round) {
    REQUIRE(a.Sync().ok());
    REQUIRE(c.Sync().ok());
  }
  // Both sides agree, A's files are all under dst, and C's change is kept.
  CHECK(TreeOf(a.root()) == TreeOf(c.root()));
  CHECK(ReadFile(a.Abs("dst/f0")) == "content 0");
  CHECK(ReadFile(a.Abs("dst/sub/f1")) == "content 1");
  // C's added or edited file stays where C made it, next to the renamed directory.
  if (!content.empty()) CHECK(ReadFile(a.Abs(changed)) == content);
  CHECK(a.index().DirtyPaths(10)->empty());
  CHECK(c.index().DirtyPaths(10)->empty());
  CHECK(a.index().PendingPaths(10)->empty());
  CHECK(c.index().PendingPaths(10)->empty());
}

TEST_CASE("moves: a move superseded before the receiver applies it still brings its entries") {
  // The receiver lists a move entry and, later in the same listing, a newer entry for the
  // moved directory: the move's own entries (the old paths' tombstones) must not be lost.
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  MakeTree(a, "src", 4);
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  REQUIRE(::rename(a.Abs("src").c_str(), a.Abs("dst").c_str()) == 0);
  REQUIRE(a.Sync().ok());
  REQUIRE(a.meta().stats().move_requests == 1);
  SUBCASE("the new directory deleted") { std::filesystem::remove_all(a.Abs("dst")); }
  SUBCASE("the new directory replaced by a file") {
    std::filesystem::remove_all(a.Abs("dst"));
    WriteFile(a.Abs("dst"), "now a file");
  }
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  REQUIRE(b.Sync().ok());
  CHECK_FALSE(Exists(b.Abs("src")));
  CHECK(TreeOf(b.root()) == TreeOf(a.root()));
  CHECK(b.index().DirtyPaths(10)->empty());
  CHECK(b.index().PendingPaths(10)->empty());
}

TEST_CASE("moves: a receiver whose directory differs lists the move's entries, losing nothing") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  MakeTree(a, "src", 6);
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());

  SUBCASE("a local edit inside") {
    WriteFile(b.Abs("src/f2"), "edited on B");
    REQUIRE(b.scanner().FullScan().ok());  // recorded, not yet uploaded
    REQUIRE(::rename(a.Abs("src").c_str(), a.Abs("dst").c_str()) == 0);
    REQUIRE(a.Sync().ok());
    const auto lists = b.meta().stats().list_requests;
    REQUIRE(b.engine().Pull().ok());
    REQUIRE(b.engine().Process().ok());
    CHECK(b.meta().stats().list_requests > lists + 1);  // the covered range, listed
    REQUIRE(b.Sync().ok());
    REQUIRE(a.Sync().ok());
    CHECK(ReadFile(b.Abs("dst/f0")) == "content 0");
    // The edit is not lost: it went up (as src/f2 again, the edit winning over the delete).
    CHECK(ReadFile(a.Abs("src/f2")) == "edited on B");
    CHECK(ReadFile(b.Abs("src/f2")) == "edited on B");
  }
  SUBCASE("a count that does not match the move's") {
    // A row B believes is live under src that the journal never had: B derives one path more.
    index::FileRow ghost;
    ghost.path = "src/ghost";
    ghost.base_jid = 1;
    FileVersion dir;
    dir.kind = common::wire::FileKind::kDir;
    ghost.base = dir;
    REQUIRE(::mkdir(b.Abs("src/ghost").c_str(), 0755) == 0);
    REQUIRE(b.scanner().FullScan().ok());
    auto scanned = b.index().Get("src/ghost");
    REQUIRE(scanned.ok());
    REQUIRE(scanned->has_value());
    ghost.local = (*scanned)->local;
    ghost.stat = (*scanned)->stat;
    REQUIRE(b.index().Put(ghost).ok());
    REQUIRE(::rename(a.Abs("src").c_str(), a.Abs("dst").c_str()) == 0);
    REQUIRE(a.Sync().ok());
    const auto lists = b.meta().stats().list_requests;
    REQUIRE(b.engine().Pull().ok());
    REQUIRE(b.engine().Process().ok());
    CHECK(b.meta().stats().list_requests > lists + 1);
    REQUIRE(b.Sync().ok());
    CHECK(ReadFile(b.Abs("dst/f0")) == "content 0");
    CHECK(ReadFile(b.Abs("dst/sub/f1")) == "content 1");
    CHECK_FALSE(Exists(b.Abs("src/f0")));
  }
}

}  // namespace
}  // namespace tessera::daemon::syncer
