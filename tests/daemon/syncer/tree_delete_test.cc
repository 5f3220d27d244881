// Whole trees deleted or replaced, between two desktops driven by hand (test_cluster.h): a
// directory's delete reaches the journal only after the deletes of everything under it, across
// commit batches and passes; a receiver never keeps (and uploads again) a directory whose
// children are deleted later in what it listed; a directory replaced by a symlink arrives as
// the symlink, with no conflicted copy.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>

#include "tests/daemon/test_cluster.h"

namespace tessera::daemon::syncer {
namespace {

using common::wire::FileKind;
using testing::Exists;
using testing::TestPeer;
using testing::TestServers;
using testing::TreeOf;
using testing::WriteFile;

// "top" with `dirs` subdirectories, each with a nested one, `files` files spread over both.
// Returns how many paths it made.
size_t MakeTree(const TestPeer& peer, const std::string& top, int dirs, int files) {
  size_t paths = 1;
  REQUIRE(::mkdir(peer.Abs(top).c_str(), 0755) == 0);
  for (int d = 0; d < dirs; ++d) {
    const std::string sub = top + "/dir" + std::to_string(d);
    REQUIRE(::mkdir(peer.Abs(sub).c_str(), 0755) == 0);
    REQUIRE(::mkdir(peer.Abs(sub + "/nested").c_str(), 0755) == 0);
    paths += 2;
    for (int f = 0; f < files; ++f) {
      WriteFile(peer.Abs((f % 2 ? sub + "/nested/f" : sub + "/f") + std::to_string(f)),
                "file " + std::to_string(f) + " of " + sub);
      ++paths;
    }
  }
  return paths;
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  REQUIRE(!ec);
}

uint64_t Head(TestPeer& peer) {
  auto list = peer.meta().List(0, 1);
  REQUIRE(list.ok());
  return list->head;
}

// Path -> JID of every tombstone after `cursor`.
std::map<std::string, uint64_t> Tombstones(TestPeer& peer, uint64_t cursor) {
  std::map<std::string, uint64_t> out;
  for (;;) {
    auto list = peer.meta().List(cursor, 1000);
    REQUIRE(list.ok());
    for (const auto& e : list->entries) {
      if (e.meta.kind == FileKind::kDeleted) out[e.meta.path] = e.jid;
    }
    if (!list->has_more || list->cursor <= cursor) return out;
    cursor = list->cursor;
  }
}

// Every tombstone committed before one of a path under it: "dir@jid before dir/x@jid".
std::string DeletesBeforeChildren(const std::map<std::string, uint64_t>& tombstones) {
  std::string out;
  for (const auto& [dir, jid] : tombstones) {
    for (auto it = tombstones.lower_bound(dir + "/"); it != tombstones.lower_bound(dir + "0");
         ++it) {
      if (it->second > jid) {
        out += dir + "@" + std::to_string(jid) + " before " + it->first + "@" +
               std::to_string(it->second) + "\n";
      }
    }
  }
  return out;
}

std::string ConflictedCopies(const std::string& root) {
  std::string out;
  for (const auto& [path, content] : TreeOf(root)) {
    if (path.find("conflicted copy") != std::string::npos) out += path + "\n";
  }
  return out;
}

TEST_CASE("tree delete: rm -rf over many batches and passes deletes each directory last") {
  TestServers servers;
  // Passes of 30 paths, commit batches of 8 items: the tree spans both many times.
  TestPeer a(servers, "A", 30, 50, 8);
  TestPeer b(servers, "B");
  WriteFile(a.Abs("keep.txt"), "stays");
  const size_t paths = MakeTree(a, "tree", 3, 20);
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  REQUIRE(Exists(b.Abs("tree/dir2/nested/f19")));
  const uint64_t before = Head(a);

  RemoveTree(a.Abs("tree"));
  REQUIRE(a.Sync().ok());
  const auto tombstones = Tombstones(a, before);
  CHECK(tombstones.size() == paths);
  CHECK(DeletesBeforeChildren(tombstones) == "");
  REQUIRE(b.Sync().ok());
  CHECK(!Exists(b.Abs("tree")));
  REQUIRE(a.Sync().ok());
  CHECK(!Exists(a.Abs("tree")));
  CHECK(Exists(b.Abs("keep.txt")));
}

TEST_CASE("tree delete: a desktop syncing between the sender's passes brings nothing back") {
  TestServers servers;
  // One pass of 20 paths per Sync(): B lists between A's passes.
  TestPeer a(servers, "A", 20, 1, 8);
  TestPeer b(servers, "B");
  WriteFile(a.Abs("keep.txt"), "stays");
  MakeTree(a, "tree", 3, 20);
  for (int i = 0; i < 10; ++i) REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  REQUIRE(Exists(b.Abs("tree/dir2/nested/f19")));

  RemoveTree(a.Abs("tree"));
  for (int i = 0; i < 12; ++i) {
    REQUIRE(a.Sync().ok());
    REQUIRE(b.Sync().ok());
  }
  for (int i = 0; i < 2; ++i) {
    REQUIRE(a.Sync().ok());
    REQUIRE(b.Sync().ok());
  }
  CHECK(!Exists(b.Abs("tree")));
  CHECK(!Exists(a.Abs("tree")));
  CHECK(TreeOf(a.root()) == TreeOf(b.root()));
}

TEST_CASE("tree delete: a directory's delete listed before its children's is applied after") {
  TestServers servers;
  TestPeer a(servers, "A");
  TestPeer b(servers, "B", 5, 50);  // passes of 5 paths: the listing takes many
  MakeTree(a, "old", 2, 6);
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  REQUIRE(Exists(b.Abs("old/dir1/nested/f5")));

  // As a daemon of before sent it: the directory's delete first, its children's after.
  auto jid = [&](const std::string& path) {
    auto row = b.index().Get(path);
    REQUIRE(row.ok());
    REQUIRE(row->has_value());
    return (*row)->base_jid;
  };
  auto del = [&](const std::string& path) {
    common::wire::CommitItem item;
    item.parent_jid = jid(path);
    item.meta.path = path;
    item.meta.kind = FileKind::kDeleted;
    item.meta.mode = 0;
    return item;
  };
  common::wire::CommitBatchRequest first;
  first.device = "old-daemon";
  first.items.push_back(del("old"));
  common::wire::CommitBatchRequest rest;
  rest.device = "old-daemon";
  for (const auto& [path, content] : TreeOf(b.Abs("old"))) {
    rest.items.push_back(del("old/" + path));
  }
  std::sort(rest.items.begin(), rest.items.end(),
            [](const auto& x, const auto& y) { return x.meta.path > y.meta.path; });
  for (auto* request : {&first, &rest}) {
    auto r = a.meta().Commit(*request);
    REQUIRE(r.ok());
    for (const auto& result : r->results) {
      REQUIRE(result.outcome == common::wire::CommitOutcome::kCommitted);
    }
  }
  const uint64_t head = Head(a);

  REQUIRE(b.Sync().ok());
  CHECK(!Exists(b.Abs("old")));
  CHECK(Head(b) == head);  // nothing went up again
  REQUIRE(a.Sync().ok());
  CHECK(!Exists(a.Abs("old")));
}

TEST_CASE("tree delete: a directory replaced by a symlink to another arrives as the symlink") {
  TestServers servers;
  TestPeer a(servers, "A");
  TestPeer b(servers, "B");
  MakeTree(a, "other", 1, 3);
  MakeTree(a, "d", 2, 6);
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  REQUIRE(Exists(b.Abs("d/dir1/nested/f5")));
  const uint64_t before = Head(a);

  RemoveTree(a.Abs("d"));
  REQUIRE(::symlink("other", a.Abs("d").c_str()) == 0);
  REQUIRE(a.Sync().ok());
  CHECK(DeletesBeforeChildren(Tombstones(a, before)) == "");
  REQUIRE(b.Sync().ok());
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  struct stat st {};
  REQUIRE(::lstat(b.Abs("d").c_str(), &st) == 0);
  CHECK(S_ISLNK(st.st_mode));
  char target[64] = {};
  CHECK(::readlink(b.Abs("d").c_str(), target, sizeof target - 1) == 5);
  CHECK(std::string(target) == "other");
  CHECK(ConflictedCopies(b.root()) == "");
  CHECK(ConflictedCopies(a.root()) == "");
  CHECK(b.engine().stats().conflicts == 0);
  CHECK(b.engine().stats().refused == 0);
  auto last_error = b.index().Snapshot("");
  REQUIRE(last_error.ok());
  CHECK(last_error->last_error == "");
  CHECK(TreeOf(a.root()) == TreeOf(b.root()));
}

}  // namespace
}  // namespace tessera::daemon::syncer
