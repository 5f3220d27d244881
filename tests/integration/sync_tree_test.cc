// End-to-end: what real programs do to whole trees in a synced folder, seen from two desktops:
// `rm -rf` of a tree bigger than one commit batch (no directory comes back), the same tree
// made on both desktops at once and one directory renamed differently on both (each converges
// at once, not at the once-a-minute safety-net pull), and a directory replaced by a symlink to
// another directory (B ends with the link, no conflicted copies, no error).
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "common/http/client.h"
#include "common/wire/journal_messages.h"
#include "tests/integration/e2e_helpers.h"

namespace tessera::integration {
namespace {

constexpr size_t kA = 0;
constexpr size_t kB = 1;

// Without the periodic full rescan of the default test cluster (every 2 s), which would hide
// work left for the safety net; the safety-net pull runs every 60 s.
ClusterOptions NoRescans() {
  ClusterOptions options;
  options.rescan_interval_seconds = 3600;
  return options;
}

// `dirs` directories of `files` small files each under `top`, in `root`.
void MakeTree(const std::string& root, const std::string& top, int dirs, int files,
              const std::string& tag = "") {
  MakeDir(root + "/" + top);
  for (int d = 0; d < dirs; ++d) {
    const std::string sub = top + "/dir" + std::to_string(d);
    MakeDir(root + "/" + sub);
    MakeDir(root + "/" + sub + "/nested");
    for (int f = 0; f < files; ++f) {
      const std::string name = (f % 2 ? sub + "/nested/f" : sub + "/f") + std::to_string(f);
      Write(root + "/" + name, "file " + std::to_string(f) + " of " + sub + tag + "\n");
    }
  }
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  REQUIRE_MESSAGE(!ec, "rm -rf " << path << ": " << ec.message());
}

// Seconds since `start`, for the messages.
double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Waits until both roots are equal and hold `path` as `kind` (or not at all: kOther).
void RequireConvergedWith(const Cluster& cluster, const std::string& path, EntryKind kind,
                          std::chrono::milliseconds timeout) {
  const common::Status st = WaitUntil(
      [&] {
        auto a = SnapshotTree(cluster.root(kA));
        auto b = SnapshotTree(cluster.root(kB));
        if (!a.ok() || !b.ok() || *a != *b) return false;
        auto it = a->find(path);
        return kind == EntryKind::kOther ? it == a->end()
                                         : it != a->end() && it->second.kind == kind;
      },
      timeout, "both desktops equal, with " + path + " as expected");
  if (!st.ok()) {
    auto a = SnapshotTree(cluster.root(kA));
    auto b = SnapshotTree(cluster.root(kB));
    REQUIRE_MESSAGE(st.ok(), st.message() << "\n"
                                          << (a.ok() && b.ok() ? DiffSnapshots(*a, *b) : ""));
  }
}

// The journal's head, from the metaserver (0 when it does not answer).
uint64_t JournalHead(const Cluster& cluster) {
  auto client = common::http::HttpClient::Create(cluster.metaserver_url());
  if (!client.ok()) return 0;
  auto r = (*client)->Get("/v1/ns/default/list?limit=1&cursor=0");
  if (!r.ok() || r->status != 200) return 0;
  auto list = common::wire::DecodeListResponse(r->body);
  return list.ok() ? list->head : 0;
}

// Whether both daemons are done: nothing queued either way, and both at the journal's head,
// once it reached `head_at_least` (the same tree made on both sides is equal on disk long
// before the daemons are done with it).
bool BothQuiet(const Cluster& cluster, uint64_t head_at_least = 0) {
  const uint64_t head = JournalHead(cluster);
  if (head == 0 || head < head_at_least) return false;
  for (size_t i : {kA, kB}) {
    auto s = cluster.StatusOf(i);
    if (!s.ok() || !s->running || !s->connected || s->upload_pending_files != 0 ||
        s->download_pending_files != 0 || s->cursor != head) {
      return false;
    }
  }
  return true;
}

// Paths of `snapshot` whose name says they are a conflicted copy.
std::string ConflictedCopies(const Snapshot& snapshot) {
  std::string out;
  for (const auto& [path, entry] : snapshot) {
    if (path.find("conflicted copy") != std::string::npos) out += path + "\n";
  }
  return out;
}

// TESSERA_E2E_TREE_SCALE=N (default 1) makes the rm -rf test's tree N times bigger (6N
// directories of 40 files), for a run by hand at the sizes users delete (84: 20,160 files).
int TreeScale() {
  const char* env = std::getenv("TESSERA_E2E_TREE_SCALE");
  const int n = env != nullptr ? std::atoi(env) : 1;
  return n > 0 ? n : 1;
}

TEST_CASE("e2e trees: rm -rf of a tree over many commit batches leaves no directory behind") {
  testutil::TempDir dir;
  ClusterOptions options;
  // Commit batches of 16 items: the tree spans dozens of them (and of B's pulls between them).
  options.daemon_args = {"--commit-batch-items=16", "--mass-delete-files=100000"};
  auto cluster = StartClusterOrFail(dir, options);
  INFO(*cluster);
  const int scale = TreeScale();
  const auto timeout = kConvergeLarge * scale;
  Write(cluster->Path(kA, "keep.txt"), "stays\n");
  MakeTree(cluster->root(kA), "tree", 6 * scale, 40);
  auto start = std::chrono::steady_clock::now();
  RequireConverged(*cluster, kA, kB, timeout);
  MESSAGE((6 * scale * 40) << " files: B has them " << SecondsSince(start)
                           << " s after they were made");
  REQUIRE(Exists(cluster->Path(kB, "tree/dir5/nested/f39")));

  start = std::chrono::steady_clock::now();
  RemoveTree(cluster->Path(kA, "tree"));
  RequireConvergedWith(*cluster, "tree", EntryKind::kOther, timeout);
  MESSAGE("rm -rf: gone from B " << SecondsSince(start) << " s later");
  // Some seconds more: nothing comes back on either side.
  std::this_thread::sleep_for(3s);
  RequireConvergedWith(*cluster, "tree", EntryKind::kOther, kConverge);
  CHECK(Read(cluster->Path(kB, "keep.txt")) == "stays\n");
}

TEST_CASE("e2e trees: the same tree made on both desktops at once converges at once") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir, NoRescans());
  INFO(*cluster);
  Write(cluster->Path(kA, "hello.txt"), "hello\n");
  RequireConverged(*cluster);
  const uint64_t head0 = JournalHead(*cluster);
  REQUIRE(head0 > 0);

  // The same tree made beside each root, then moved in on both at once (as an archive
  // extracted elsewhere and moved in): both daemons commit it at the same time, and one of
  // them finds every path taken (a stale parent).
  MakeDir(dir.Sub("stage-a"));
  MakeDir(dir.Sub("stage-b"));
  MakeTree(dir.Sub("stage-a"), "tree", 8, 40);
  MakeTree(dir.Sub("stage-b"), "tree", 8, 40);
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(::rename(dir.Sub("stage-a/tree").c_str(), cluster->Path(kA, "tree").c_str()) == 0);
  REQUIRE(::rename(dir.Sub("stage-b/tree").c_str(), cluster->Path(kB, "tree").c_str()) == 0);
  // Well before the 60 s safety-net pull.
  RequireConvergedWith(*cluster, "tree/dir7/nested/f39", EntryKind::kFile, 20s);
  // Every path of the tree is in the journal (from one side or the other), and both daemons
  // are done with it.
  const uint64_t tree_paths = 1 + 8 * (2 + 40);
  const common::Status quiet =
      WaitUntil([&] { return BothQuiet(*cluster, head0 + tree_paths); }, 20s, "both quiet", 200ms);
  REQUIRE_MESSAGE(quiet.ok(), quiet.message());
  MESSAGE("the same tree made on both desktops converged in " << SecondsSince(start) << " s");
  auto snap = SnapshotTree(cluster->root(kA));
  REQUIRE(snap.ok());
  CHECK(ConflictedCopies(*snap) == "");
}

TEST_CASE("e2e trees: one directory renamed differently on both desktops converges at once") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir, NoRescans());
  INFO(*cluster);
  MakeTree(cluster->root(kA), "project", 3, 10);
  RequireConverged(*cluster);
  // Both daemons quiet (the rows of the tree recorded) before the renames.
  std::this_thread::sleep_for(1s);

  const auto start = std::chrono::steady_clock::now();
  REQUIRE(::rename(cluster->Path(kA, "project").c_str(), cluster->Path(kA, "name-a").c_str()) == 0);
  REQUIRE(::rename(cluster->Path(kB, "project").c_str(), cluster->Path(kB, "name-b").c_str()) == 0);
  // Both names are kept, each with the whole content (docs/sync.md "Renamed directories").
  const common::Status st = WaitUntil(
      [&] {
        auto a = SnapshotTree(cluster->root(kA));
        auto b = SnapshotTree(cluster->root(kB));
        return a.ok() && b.ok() && *a == *b && a->contains("name-a/dir2/nested/f9") &&
               a->contains("name-b/dir2/nested/f9") && !a->contains("project") &&
               BothQuiet(*cluster);
      },
      20s, "both names on both desktops, both quiet");
  auto a = SnapshotTree(cluster->root(kA));
  auto b = SnapshotTree(cluster->root(kB));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE_MESSAGE(st.ok(), st.message() << "\n" << DiffSnapshots(*a, *b));
  MESSAGE("two renames of one directory converged in " << SecondsSince(start) << " s");
  CHECK(Read(cluster->Path(kB, "name-a/dir1/f2")) == "file 2 of project/dir1\n");
}

TEST_CASE("e2e trees: a directory replaced by a symlink to another arrives as the symlink") {
  testutil::TempDir dir;
  auto cluster = StartClusterOrFail(dir);
  INFO(*cluster);
  MakeTree(cluster->root(kA), "other", 1, 4);
  MakeTree(cluster->root(kA), "d", 2, 6);
  RequireConverged(*cluster);
  REQUIRE(Exists(cluster->Path(kB, "d/dir1/nested/f5")));

  RemoveTree(cluster->Path(kA, "d"));
  REQUIRE(::symlink("other", cluster->Path(kA, "d").c_str()) == 0);
  RequireConvergedWith(*cluster, "d", EntryKind::kSymlink, kConverge);
  std::this_thread::sleep_for(3s);  // nothing else comes, on either side
  RequireConvergedWith(*cluster, "d", EntryKind::kSymlink, kConverge);
  auto snap = SnapshotTree(cluster->root(kB));
  REQUIRE(snap.ok());
  CHECK(snap->at("d").symlink_target == "other");
  CHECK(ConflictedCopies(*snap) == "");
  for (size_t i : {kA, kB}) {
    auto status = cluster->StatusOf(i);
    REQUIRE(status.ok());
    CHECK_MESSAGE(status->last_error == "", "daemon " << i << ": " << status->raw);
    CHECK(status->conflicts == 0);
  }
}

}  // namespace
}  // namespace tessera::integration
