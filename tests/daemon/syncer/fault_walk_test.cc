// Fault-point walks of the daemon's file-system steps (daemon/syncer/ through common::Env): for
// each scenario, for n = 0, 1, 2, ... until the fault no longer fires: set up two desktops over
// real in-process servers, fail the n-th file operation of desktop A's sync (FaultEnv), drop
// everything not fsynced (power loss), then start A again on the real Env over the same root
// and state dir and sync until both sides settle. Checked after the power loss: every path in
// A's tree holds its old or its new content, never half of one, and no temp file is left.
// Checked at the end: A's tree is the expected one (and B's), the index agrees with it (every
// path present and synced, nothing dirty or pending) and both cursors are the journal's head.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/temp_name.h"
#include "daemon/syncer/local_fs.h"
#include "daemon/syncer/sync_engine.h"
#include "tests/daemon/test_cluster.h"
#include "tests/testutil/fault_env.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::daemon::syncer {
namespace {

using testing::ReadFile;
using testing::SyncStack;
using testing::TestPeer;
using testing::TestServers;
using testing::WriteFile;
using testutil::FaultEnv;

// Every entry under `root`: a file's content, "<dir>", or "-> target" for a symlink.
using Listing = std::map<std::string, std::string>;

Listing ListingOf(const std::string& root) {
  Listing out;
  namespace fs = std::filesystem;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    const std::string rel = e.path().string().substr(root.size() + 1);
    if (e.is_symlink()) {
      out[rel] = "-> " + fs::read_symlink(e.path()).string();
    } else if (e.is_directory()) {
      out[rel] = "<dir>";
    } else {
      out[rel] = ReadFile(e.path().string());
    }
  }
  return out;
}

std::string Describe(const Listing& l) {
  std::string out;
  for (const auto& [path, value] : l) out += "  " + path + " = " + value.substr(0, 40) + "\n";
  return out;
}

bool HasTempName(const std::string& rel) {
  const auto slash = rel.rfind('/');
  return common::IsTempName(slash == std::string::npos ? rel : rel.substr(slash + 1));
}

struct Scenario {
  // Makes the first tree on B (A downloads it before the walk's sync).
  std::function<void(TestPeer& b)> setup;
  // The change A's faulty sync takes in: B's (synced by B) or A's own (under `a_root`).
  std::function<void(TestPeer& b, const std::string& a_root)> change;
  uint32_t ops = FaultEnv::kMutating;
  // The settled tree is A's own after the change (it goes up), not B's (it comes down).
  bool local_change = false;
  // Whether `value` at `path` in A's tree is fine beyond "old or new" (e.g. a conflicted copy).
  std::function<bool(const std::string& path, const std::string& value)> also_allowed;
  // Checks the settled tree of A (B's is checked equal to it). Default: equal to `expected`.
  std::function<void(const Listing& a, const Listing& expected)> check_final;
};

// Syncs until neither side has anything left, at most `rounds` rounds.
void Settle(SyncStack& a, TestPeer& b, int rounds) {
  for (int r = 0; r < rounds; ++r) {
    (void)a.Sync();
    (void)b.Sync();
  }
  (void)a.Sync();
}

void CheckIndexAgrees(SyncStack& a, const Listing& tree, int64_t n) {
  INFO("fault at operation " << n);
  auto paths = a.index().LocalPaths();
  REQUIRE(paths.ok());
  std::map<std::string, bool> in_index;
  for (const auto& p : *paths) in_index[p] = true;
  for (const auto& entry : tree) {
    const std::string& path = entry.first;
    const std::string& value = entry.second;
    CHECK_MESSAGE(in_index.contains(path), "on disk, not in the index: " << path);
    auto row = a.index().Get(path);
    REQUIRE(row.ok());
    if (!row->has_value() || !(*row)->local) continue;
    CHECK_MESSAGE((*row)->state == index::SyncState::kSynced, "not synced: " << path);
    if (value != "<dir>" && !value.starts_with("-> ")) {
      CHECK_MESSAGE((*row)->local->size == value.size(), "size differs: " << path);
    }
  }
  for (const auto& entry : in_index) {
    const std::string& path = entry.first;
    CHECK_MESSAGE(tree.contains(path), "in the index, not on disk: " << path);
  }
  auto dirty = a.index().DirtyPaths(10);
  REQUIRE(dirty.ok());
  CHECK_MESSAGE(dirty->empty(), "still dirty: " << (dirty->empty() ? "" : dirty->front()));
  auto pending = a.index().PendingPaths(10);
  REQUIRE(pending.ok());
  CHECK_MESSAGE(pending->empty(), "still pending: " << (pending->empty() ? "" : pending->front()));
}

// Walks the fault points of A's sync in `scenario`; returns how many faults were injected.
int64_t Walk(const Scenario& scenario) {
  common::PosixEnv base;
  std::FILE* devnull = std::fopen("/dev/null", "w");
  REQUIRE(devnull != nullptr);
  common::Logger log(common::LogLevel::kError, devnull);  // injected faults log errors
  int64_t n = 0;
  for (;; ++n) {
    INFO("fault at operation " << n);
    TestServers servers;
    TestPeer b(servers, "B");
    testutil::TempDir a_root, a_state;
    scenario.setup(b);
    REQUIRE(b.Sync().ok());
    {
      SyncStack a(servers, base, log, a_root.path(), a_state.path(), "A");
      REQUIRE(a.Sync().ok());
    }
    scenario.change(b, a_root.path());
    const Listing before = ListingOf(a_root.path());
    FaultEnv fault(base);
    {
      SyncStack a(servers, fault, log, a_root.path(), a_state.path(), "A");
      fault.FailNthOperation(n, scenario.ops);
      (void)a.Sync();
    }
    const bool fired = fault.fault_fired();
    fault.DropUnsyncedData();  // power loss

    // Every path holds its old content or its new one, never a torn write.
    const Listing expected = scenario.local_change ? before : ListingOf(b.root());
    const Listing crashed = ListingOf(a_root.path());
    for (const auto& entry : crashed) {
      const std::string& path = entry.first;
      const std::string& value = entry.second;
      CHECK_MESSAGE(!HasTempName(path), "a temp file is left: " << path);
      const bool old_value = before.contains(path) && before.at(path) == value;
      const bool new_value = expected.contains(path) && expected.at(path) == value;
      const bool allowed = scenario.also_allowed && scenario.also_allowed(path, value);
      CHECK_MESSAGE((old_value || new_value || allowed),
                    "after the power loss " << path << " = '" << value << "'\nbefore:\n"
                                            << Describe(before) << "expected:\n"
                                            << Describe(expected));
    }

    // A restarts on the real Env and syncs until both sides settle.
    {
      SyncStack a(servers, base, log, a_root.path(), a_state.path(), "A");
      Settle(a, b, 3);
      const Listing tree = ListingOf(a_root.path());
      const Listing final_b = ListingOf(b.root());
      CHECK_MESSAGE(tree == final_b, "A:\n" << Describe(tree) << "B:\n" << Describe(final_b));
      if (scenario.check_final) {
        scenario.check_final(tree, expected);
      } else {
        CHECK_MESSAGE(tree == expected, "A:\n"
                                            << Describe(tree) << "expected:\n"
                                            << Describe(expected));
      }
      CheckIndexAgrees(a, tree, n);
      auto head = a.meta().List(a.engine().cursor(), 1);
      REQUIRE(head.ok());
      CHECK(a.engine().cursor() == head->head);
      CHECK(b.engine().cursor() == head->head);
    }
    if (!fired) break;
  }
  std::fclose(devnull);
  return n;
}

void MakeFolder(TestPeer& p, const std::string& dir, int files) {
  REQUIRE(::mkdir(p.Abs(dir).c_str(), 0755) == 0);
  REQUIRE(::mkdir(p.Abs(dir + "/sub").c_str(), 0755) == 0);
  for (int f = 0; f < files; ++f) {
    WriteFile(p.Abs(dir + (f % 2 ? "/sub/f" : "/f") + std::to_string(f)),
              "content " + std::to_string(f) + "\n");
  }
}

TEST_CASE("fault walk: a group of downloads from another desktop") {
  Scenario s;
  s.setup = [](TestPeer& b) {
    WriteFile(b.Abs("edit.txt"), "the old version\n");
    WriteFile(b.Abs("keep.txt"), "unchanged\n");
  };
  s.change = [](TestPeer& b, const std::string&) {
    WriteFile(b.Abs("edit.txt"), "the new version, longer than the old\n");
    MakeFolder(b, "new", 4);
    REQUIRE(::symlink("f0", b.Abs("new/link").c_str()) == 0);
    REQUIRE(::chmod(b.Abs("new/f0").c_str(), 0755) == 0);
    REQUIRE(b.Sync().ok());
  };
  const int64_t walked = Walk(s);
  MESSAGE("download group: fault points walked: " << walked);
  CHECK(walked > 0);
}

TEST_CASE("fault walk: a conflict keeps both edits, the local one as a conflicted copy") {
  Scenario s;
  s.setup = [](TestPeer& b) { WriteFile(b.Abs("doc.txt"), "base\n"); };
  s.change = [](TestPeer& b, const std::string& a_root) {
    WriteFile(b.Abs("doc.txt"), "from B\n");
    REQUIRE(b.Sync().ok());
    WriteFile(a_root + "/doc.txt", "from A, edited here\n");
  };
  auto is_copy = [](const std::string& path) {
    return path.starts_with("doc (conflicted copy from A ");
  };
  s.also_allowed = [is_copy](const std::string& path, const std::string& value) {
    return is_copy(path) && value == "from A, edited here\n";
  };
  s.check_final = [is_copy](const Listing& a, const Listing&) {
    REQUIRE(a.contains("doc.txt"));
    CHECK(a.at("doc.txt") == "from B\n");
    size_t copies = 0;
    for (const auto& entry : a) {
      const std::string& path = entry.first;
      const std::string& value = entry.second;
      if (path == "doc.txt") continue;
      CHECK_MESSAGE(is_copy(path), "unexpected: " << path);
      CHECK(value == "from A, edited here\n");
      ++copies;
    }
    CHECK(copies >= 1);
  };
  const int64_t walked = Walk(s);
  MESSAGE("conflict: fault points walked: " << walked);
  CHECK(walked > 0);
}

TEST_CASE("fault walk: a folder renamed on another desktop") {
  Scenario s;
  s.setup = [](TestPeer& b) { MakeFolder(b, "src", 6); };
  s.change = [](TestPeer& b, const std::string&) {
    REQUIRE(::mkdir(b.Abs("to").c_str(), 0755) == 0);
    REQUIRE(::rename(b.Abs("src").c_str(), b.Abs("to/dst").c_str()) == 0);
    REQUIRE(b.Sync().ok());
  };
  const int64_t walked = Walk(s);
  MESSAGE("remote move: fault points walked: " << walked);
  CHECK(walked > 0);
}

TEST_CASE("fault walk: a folder renamed on this desktop") {
  Scenario s;
  s.setup = [](TestPeer& b) { MakeFolder(b, "src", 4); };
  s.change = [](TestPeer&, const std::string& a_root) {
    REQUIRE(::rename((a_root + "/src").c_str(), (a_root + "/dst").c_str()) == 0);
  };
  // Sending a move writes nothing locally: every call fails in turn, lookups and reads too.
  s.ops = FaultEnv::kAllOps;
  s.local_change = true;
  const int64_t walked = Walk(s);
  MESSAGE("local move: fault points walked: " << walked);
  CHECK(walked > 0);
}

}  // namespace
}  // namespace tessera::daemon::syncer
