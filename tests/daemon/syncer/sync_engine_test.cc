#include "daemon/syncer/sync_engine.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/syncer/local_fs.h"
#include "tests/daemon/test_cluster.h"

namespace tessera::daemon::syncer {
namespace {

using testing::Exists;
using testing::ReadFile;
using testing::TestPeer;
using testing::TestServers;
using testing::WriteFile;

std::string ListTree(const std::string& root, const std::string& rel = "") {
  std::string out;
  auto names = common::PosixEnv().ListDir(rel.empty() ? root : root + "/" + rel);
  if (!names.ok()) return out;
  std::sort(names->begin(), names->end());
  for (const auto& n : *names) {
    const std::string path = rel.empty() ? n : rel + "/" + n;
    struct stat st {};
    ::lstat((root + "/" + path).c_str(), &st);
    out += path;
    if (S_ISDIR(st.st_mode)) {
      out += "/\n" + ListTree(root, path);
    } else if (S_ISLNK(st.st_mode)) {
      char buf[256] = {};
      (void)!::readlink((root + "/" + path).c_str(), buf, sizeof buf - 1);
      out += " -> " + std::string(buf) + "\n";
    } else {
      out += " " + ReadFile(root + "/" + path) + ((st.st_mode & 0100) ? " (x)" : "") + "\n";
    }
  }
  return out;
}

TEST_CASE(
    "sync: a renamed directory of more files than one round takes leaves no stale directory") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  // 3 subdirectories x 200 files: the rename lists ~1,200 entries, more than one round's 1,000,
  // so a directory's tombstone can come in a round before its children's.
  for (int d = 0; d < 3; ++d) {
    const std::string dir = "tree/sub" + std::to_string(d);
    if (d == 0) REQUIRE(::mkdir(a.Abs("tree").c_str(), 0755) == 0);
    REQUIRE(::mkdir(a.Abs(dir).c_str(), 0755) == 0);
    for (int f = 0; f < 200; ++f) {
      WriteFile(a.Abs(dir + "/f" + std::to_string(f)), "file " + std::to_string(d * 1000 + f));
    }
  }
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  REQUIRE(ListTree(b.root()) == ListTree(a.root()));
  REQUIRE(::rename(a.Abs("tree").c_str(), a.Abs("renamed").c_str()) == 0);
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  CHECK(!Exists(b.Abs("tree")));
  CHECK(ListTree(b.root()) == ListTree(a.root()));
  REQUIRE(a.Sync().ok());  // nothing comes back to A either
  CHECK(!Exists(a.Abs("tree")));
}

TEST_CASE(
    "sync: files, dirs, symlinks and the executable bit go up from one root and down to another") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  WriteFile(a.Abs("hello.txt"), "hello\nworld\n");
  REQUIRE(::mkdir(a.Abs("dir").c_str(), 0755) == 0);
  REQUIRE(::mkdir(a.Abs("dir/empty").c_str(), 0755) == 0);
  WriteFile(a.Abs("dir/run.sh"), "#!/bin/sh\necho hi\n");
  REQUIRE(::chmod(a.Abs("dir/run.sh").c_str(), 0755) == 0);
  REQUIRE(::symlink("hello.txt", a.Abs("link").c_str()) == 0);
  std::string big(3 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7919) >> 5);
  WriteFile(a.Abs("dir/blob.bin"), big);
  WriteFile(a.Abs("empty.txt"), "");
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  CHECK(ListTree(b.root()) == ListTree(a.root()));
  CHECK(a.engine().stats().uploaded == 7);
  CHECK(b.engine().stats().downloaded == 7);

  SUBCASE("an edit of one line travels") {
    WriteFile(a.Abs("hello.txt"), "hello\nthere\n");
    REQUIRE(a.Sync().ok());
    REQUIRE(b.Sync().ok());
    CHECK(ReadFile(b.Abs("hello.txt")) == "hello\nthere\n");
  }
  SUBCASE("a rename is a delete plus a create whose blocks the server already has") {
    REQUIRE(::rename(a.Abs("dir/blob.bin").c_str(), a.Abs("moved.bin").c_str()) == 0);
    REQUIRE(a.Sync().ok());
    REQUIRE(b.Sync().ok());
    CHECK(ListTree(b.root()) == ListTree(a.root()));
    CHECK(ReadFile(b.Abs("moved.bin")) == big);
  }
  SUBCASE("a delete moves the other side's copy to its trash") {
    REQUIRE(::unlink(a.Abs("hello.txt").c_str()) == 0);
    REQUIRE(::rmdir(a.Abs("dir/empty").c_str()) == 0);
    REQUIRE(a.Sync().ok());
    REQUIRE(b.Sync().ok());
    CHECK(!Exists(b.Abs("hello.txt")));
    CHECK(!Exists(b.Abs("dir/empty")));
    CHECK(ReadFile(b.state() + "/trash/" + DateString(std::chrono::system_clock::now()) +
                   "/hello.txt") == "hello\nworld\n");
  }
  SUBCASE("chmod -x travels") {
    REQUIRE(::chmod(a.Abs("dir/run.sh").c_str(), 0644) == 0);
    REQUIRE(a.Sync().ok());
    REQUIRE(b.Sync().ok());
    struct stat st {};
    REQUIRE(::stat(b.Abs("dir/run.sh").c_str(), &st) == 0);
    CHECK((st.st_mode & 0100) == 0);
  }
}

TEST_CASE(
    "sync: both sides edited: the remote version takes the path, the local one a conflicted copy") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  WriteFile(a.Abs("doc.txt"), "base\n");
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  WriteFile(a.Abs("doc.txt"), "from A\n");
  WriteFile(b.Abs("doc.txt"), "from B, longer\n");
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  REQUIRE(a.Sync().ok());
  const std::string copy =
      "doc (conflicted copy from B " + DateString(std::chrono::system_clock::now()) + ").txt";
  CHECK(ReadFile(b.Abs("doc.txt")) == "from A\n");
  CHECK(ReadFile(b.Abs(copy)) == "from B, longer\n");
  CHECK(ReadFile(a.Abs(copy)) == "from B, longer\n");
  CHECK(b.engine().stats().conflicts == 1);
  auto snap = b.index().Snapshot("");
  REQUIRE(snap.ok());
  CHECK(snap->conflicts == 1);
}

TEST_CASE("sync: a download never clobbers a local edit made after the last scan") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  WriteFile(a.Abs("f.txt"), "v1\n");
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  WriteFile(a.Abs("f.txt"), "v2 from A\n");
  REQUIRE(a.Sync().ok());
  // B edits after its last scan; its engine runs without scanning first.
  WriteFile(b.Abs("f.txt"), "local edit in B\n");
  REQUIRE(b.engine().Pull().ok());
  (void)b.engine().Process();
  (void)b.engine().Process();
  // Nothing lost: both versions are on B's disk.
  std::string all = ListTree(b.root());
  CHECK(all.find("local edit in B") != std::string::npos);
  CHECK(ReadFile(b.Abs("f.txt")) == "v2 from A\n");
}

TEST_CASE("sync: a remote path through a local symlink is refused, logged, never written") {
  TestServers servers;
  TestPeer b(servers, "B");
  testutil::TempDir outside;
  // B has a symlink "evil" pointing outside its root; the journal gets "evil/x.txt".
  REQUIRE(::symlink(outside.path().c_str(), b.Abs("evil").c_str()) == 0);
  const std::string payload = "payload";
  const common::BlockId id = common::BlockId::Of(payload);
  common::wire::BlockBatch batch;
  batch.blocks.push_back(common::wire::Block{id, payload});
  REQUIRE(b.blocks().StoreBatch(batch).ok());
  common::wire::CommitBatchRequest request;
  request.device = "attacker";
  common::wire::CommitItem item;
  item.meta.path = "evil/x.txt";
  item.meta.size = payload.size();
  item.meta.blocks = {common::wire::BlockRef{id, static_cast<uint32_t>(payload.size())}};
  request.items.push_back(item);
  auto committed = b.meta().Commit(request);
  REQUIRE(committed.ok());
  REQUIRE(committed->results[0].outcome == common::wire::CommitOutcome::kCommitted);

  (void)b.Sync();
  CHECK(!Exists(outside.Sub("x.txt")));
  auto snap = b.index().Snapshot("");
  REQUIRE(snap.ok());
  CHECK(snap->last_error.find("evil/x.txt") != std::string::npos);
  CHECK(b.engine().stats().refused >= 1);
}

// A path that is a directory on one side and a file on the other, created or replaced
// concurrently: both sides end with the same tree, nothing dropped (one of the two under a
// conflicted-copy name). Each case runs with either side syncing first.
TEST_CASE("sync: a directory and a file at the same path on two sides end the same, both kept") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  std::string a_content, b_content;  // what each side made, found in the final tree
  bool a_first = true;
  auto choose_order = [&] {
    SUBCASE("A syncs first") { a_first = true; }
    SUBCASE("B syncs first") { a_first = false; }
  };
  SUBCASE("both new: a directory on A, a file on B") {
    REQUIRE(::mkdir(a.Abs("x").c_str(), 0755) == 0);
    WriteFile(a.Abs("x/inner.txt"), a_content = "from A");
    WriteFile(b.Abs("x"), b_content = "file from B");
    choose_order();
  }
  SUBCASE("a synced file replaced by a directory on A, edited on B") {
    WriteFile(a.Abs("x"), "v1");
    REQUIRE(a.Sync().ok());
    REQUIRE(b.Sync().ok());
    REQUIRE(::unlink(a.Abs("x").c_str()) == 0);
    REQUIRE(::mkdir(a.Abs("x").c_str(), 0755) == 0);
    WriteFile(a.Abs("x/inner.txt"), a_content = "from A");
    WriteFile(b.Abs("x"), b_content = "edited on B");
    choose_order();
  }
  SUBCASE("a synced directory replaced by a file on A, a file added inside on B") {
    REQUIRE(::mkdir(a.Abs("x").c_str(), 0755) == 0);
    WriteFile(a.Abs("x/old.txt"), "old");
    REQUIRE(a.Sync().ok());
    REQUIRE(b.Sync().ok());
    REQUIRE(::unlink(a.Abs("x/old.txt").c_str()) == 0);
    REQUIRE(::rmdir(a.Abs("x").c_str()) == 0);
    WriteFile(a.Abs("x"), a_content = "x is a file on A");
    WriteFile(b.Abs("x/new.txt"), b_content = "new on B");
    choose_order();
  }
  REQUIRE((a_first ? a : b).Sync().ok());
  for (int round = 0; round < 3; ++round) {
    (void)a.Sync();
    (void)b.Sync();
  }
  const auto tree = testing::TreeOf(a.root());
  CHECK(tree == testing::TreeOf(b.root()));
  size_t found = 0;
  for (const auto& [path, data] : tree) found += (data == a_content) + (data == b_content);
  CHECK(found == 2);
  for (TestPeer* p : {&a, &b}) {
    const auto dirty = p->index().DirtyPaths(10);
    REQUIRE(dirty.ok());
    for (const auto& path : *dirty) FAIL_CHECK("still dirty: " << path);
  }
  CHECK(a.index().PendingPaths(10)->empty());
  CHECK(b.index().PendingPaths(10)->empty());
}

TEST_CASE("trash: a file holding a name on the way goes to the next day folder") {
  testutil::TempDir dir;
  const std::string trash = dir.Sub("trash");
  REQUIRE(::mkdir(trash.c_str(), 0755) == 0);  // made by SyncEngine::Create
  WriteFile(dir.Sub("x"), "x was a file");
  common::PosixEnv env;
  auto first = MoveToTrash(env, dir.Sub("x"), trash, "2026-11-21", "x");
  REQUIRE_MESSAGE(first.ok(), first.status().ToString());
  CHECK(*first == trash + "/2026-11-21/x");
  // Later x is a directory, and a file inside it is trashed: "2026-11-21/x" is a file.
  REQUIRE(::mkdir(dir.Sub("x").c_str(), 0755) == 0);
  WriteFile(dir.Sub("x/inner"), "inside");
  auto second = MoveToTrash(env, dir.Sub("x/inner"), trash, "2026-11-21", "x/inner");
  REQUIRE_MESSAGE(second.ok(), second.status().ToString());
  CHECK(*second == trash + "/2026-11-21 2/x/inner");
  CHECK(ReadFile(*first) == "x was a file");
  CHECK(ReadFile(*second) == "inside");
}

TEST_CASE("sync: a commit based on a stale parent lists, reconciles and keeps both sides") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  WriteFile(a.Abs("n.txt"), "1\n");
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  WriteFile(a.Abs("n.txt"), "2 from A\n");
  REQUIRE(a.Sync().ok());
  // B edits without having listed A's change: its commit names a stale parent.
  WriteFile(b.Abs("n.txt"), "2 from B\n");
  REQUIRE(b.scanner().FullScan().ok());
  REQUIRE(b.engine().Process().ok());
  CHECK(b.engine().pull_needed());
  REQUIRE(b.Sync().ok());
  REQUIRE(a.Sync().ok());
  CHECK(ListTree(a.root()) == ListTree(b.root()));
  CHECK(ListTree(a.root()).find("2 from B") != std::string::npos);
  CHECK(ReadFile(a.Abs("n.txt")) == "2 from A\n");
}

TEST_CASE("sync: with the servers unreachable, changes stay queued and status says so") {
  TestServers servers;
  auto peer = std::make_unique<TestPeer>(servers, "A");
  WriteFile(peer->Abs("queued.txt"), "later");
  // A client pointed at a port nobody listens on.
  testutil::TempDir state;
  common::PosixEnv env;
  common::Logger log{common::LogLevel::kError};
  auto idx = index::Index::Open(state.Sub("index.db"));
  REQUIRE(idx.ok());
  scanner::Scanner scanner(env, **idx, log, peer->root(), state.path());
  auto meta = common::client::MetaClient::Create("http://127.0.0.1:1", "default");
  auto blocks = common::client::BlockClient::Create("http://127.0.0.1:1", log);
  REQUIRE(meta.ok());
  REQUIRE(blocks.ok());
  auto engine = SyncEngine::Create(env, **idx, scanner, log, **meta, **blocks,
                                   SyncConfig{peer->root(), state.path(), "default", "A"});
  REQUIRE(engine.ok());
  REQUIRE(scanner.FullScan().ok());
  CHECK((*engine)->Ping().code() == common::Code::kUnavailable);
  CHECK((*engine)->Process().code() == common::Code::kUnavailable);
  auto snap = (*idx)->Snapshot("");
  REQUIRE(snap.ok());
  CHECK(snap->upload_pending_files == 1);
  CHECK(snap->upload_pending_bytes == 5);
}

}  // namespace
}  // namespace tessera::daemon::syncer

namespace tessera::daemon::syncer {
namespace {

TEST_CASE("sync: a journal reset (another epoch) re-lists from 0 and deletes nothing local") {
  TestServers first, second;
  TestPeer a(first, "A");
  WriteFile(a.Abs("keep.txt"), "mine\n");
  REQUIRE(a.Sync().ok());
  REQUIRE(a.Sync().ok());  // lists its own commit: the cursor moves past it
  REQUIRE(a.engine().cursor() > 0);
  // The same root and index, now pointed at a fresh journal (another epoch, head 0).
  auto meta = common::client::MetaClient::Create(second.meta_url(), "default");
  auto blocks = common::client::BlockClient::Create(second.block_url(), a.log());
  REQUIRE(meta.ok());
  REQUIRE(blocks.ok());
  auto engine = SyncEngine::Create(second.env(), a.index(), a.scanner(), a.log(), **meta, **blocks,
                                   SyncConfig{a.root(), a.state(), "default", "A"});
  REQUIRE(engine.ok());
  REQUIRE((*engine)->Pull().ok());
  REQUIRE((*engine)->Process().ok());
  CHECK(ReadFile(a.Abs("keep.txt")) == "mine\n");
  auto listed = (*meta)->List(0, 10);
  REQUIRE(listed.ok());
  REQUIRE(listed->entries.size() == 1);
  CHECK(listed->entries[0].meta.path == "keep.txt");
}

}  // namespace
}  // namespace tessera::daemon::syncer
