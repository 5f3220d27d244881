// Tests for daemon/reconcile/move_rules.h: when a renamed directory goes up as one move, when a
// listed move is applied as one rename, and the JIDs the server's rule gives every path.
#include "daemon/reconcile/move_rules.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/daemon/reconcile/rows.h"

namespace tessera::daemon {
namespace {

using index::SyncState;
using testing::DirVersion;
using testing::FileOf;
using testing::Pending;
using testing::Row;

TEST_CASE("move rules: the JID rule numbers the copies, then from's tombstone, then the rest") {
  const MoveJids jids{100, 3};  // a move at 100 of three live paths
  CHECK(jids.Copy(0) == 101);
  CHECK(jids.Copy(2) == 103);
  CHECK(jids.SourceTombstone() == 104);
  CHECK(jids.Tombstone(0) == 105);
  CHECK(jids.Tombstone(2) == 107);
  CHECK(jids.covers() == 7);
  CHECK(jids.move + jids.covers() == jids.Tombstone(2));  // the last entry it covers
  CHECK(MoveJids{7, 0}.covers() == 1);                    // an empty directory: its tombstone
}

TEST_CASE("move rules: a new local directory may be a move's target only when it is new here") {
  const FileVersion d = DirVersion();
  struct Case {
    const char* name;
    index::FileRow row;
    bool pending;
    bool want;
  };
  index::FileRow no_inode = Row("to", 0, std::nullopt, d, SyncState::kDirty);
  no_inode.stat.inode = 0;
  const std::vector<Case> cases = {
      {"a new local directory", Row("to", 0, std::nullopt, d, SyncState::kDirty), false, true},
      {"over a tombstone", Row("to", 8, std::nullopt, d, SyncState::kDirty), false, true},
      {"news about it from the journal", Row("to", 0, std::nullopt, d, SyncState::kDirty), true,
       false},
      {"synced already", Row("to", 8, d, d), false, false},
      {"a file", Row("to", 0, std::nullopt, FileOf("x"), SyncState::kDirty), false, false},
      {"gone", Row("to", 0, std::nullopt, std::nullopt, SyncState::kDirty), false, false},
      {"no inode known", no_inode, false, false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CHECK(MayBeMoveTarget(c.row, c.pending) == c.want);
  }
}

TEST_CASE("move rules: the source is the one vanished directory, neither inside the other") {
  CHECK(MoveSource("dst", {}) == std::nullopt);
  CHECK(MoveSource("dst", {"src"}) == std::optional<std::string>("src"));
  CHECK(MoveSource("dst", {"src", "other"}) == std::nullopt);         // ambiguous
  CHECK(MoveSource("src/inner", {"src"}) == std::nullopt);            // into itself
  CHECK(MoveSource("a", {"a/b"}) == std::nullopt);                    // out of itself
  CHECK(MoveSource("ab", {"a"}) == std::optional<std::string>("a"));  // a prefix, not a parent
}

TEST_CASE("move rules: the source must be a synced directory gone here with no news") {
  const FileVersion d = DirVersion();
  CHECK(MayBeMoveSource(Row("src", 5, d, std::nullopt, SyncState::kDirty), false));
  CHECK_FALSE(MayBeMoveSource(Row("src", 5, d, std::nullopt, SyncState::kDirty), true));
  CHECK_FALSE(MayBeMoveSource(Row("src", 5, d, d), false));                        // still here
  CHECK_FALSE(MayBeMoveSource(Row("src", 5, std::nullopt, std::nullopt), false));  // tombstone
  CHECK_FALSE(MayBeMoveSource(Row("src", 5, FileOf("x"), std::nullopt), false));   // a file
}

TEST_CASE("move rules: a subtree goes up as one move when it all left and half or more arrived") {
  const FileVersion f1 = FileOf("one");
  const FileVersion f2 = FileOf("two");
  const auto gone = [](const std::string& path, uint64_t jid, const FileVersion& v) {
    return Row(path, jid, v, std::nullopt, SyncState::kDirty);
  };
  const auto arrived = [](const std::string& path, const FileVersion& v) {
    return std::optional<index::FileRow>(Row(path, 0, std::nullopt, v, SyncState::kDirty));
  };
  SUBCASE("every path arrived with the same content") {
    SourceTally t;
    t.Add(gone("src/a", 2, f1), arrived("dst/a", f1));
    t.Add(gone("src/b", 3, f2), arrived("dst/b", f2));
    CHECK(t.live_paths == 2);
    CHECK(t.same_content == 2);
    CHECK(SendAsOneMove(t, /*live_under_to=*/false));
    CHECK_FALSE(SendAsOneMove(t, /*live_under_to=*/true));  // the server would refuse
  }
  SUBCASE("exactly half arrived the same: still a move (the other is an edit after it)") {
    SourceTally t;
    t.Add(gone("src/a", 2, f1), arrived("dst/a", f1));
    t.Add(gone("src/b", 3, f2), arrived("dst/b", f1));
    CHECK(SendAsOneMove(t, false));
  }
  SUBCASE("less than half arrived the same: not a rename") {
    SourceTally t;
    t.Add(gone("src/a", 2, f1), arrived("dst/a", f2));
    t.Add(gone("src/b", 3, f2), std::nullopt);
    t.Add(gone("src/c", 4, f2), arrived("dst/c", f2));
    CHECK(t.same_content == 1);
    CHECK_FALSE(SendAsOneMove(t, false));
  }
  SUBCASE("something is still there under the source: not (only) a rename") {
    SourceTally t;
    t.Add(gone("src/a", 2, f1), arrived("dst/a", f1));
    t.Add(Row("src/b", 3, f2, f2), std::nullopt);
    CHECK(t.still_there);
    CHECK(t.settled());
    CHECK_FALSE(SendAsOneMove(t, false));
  }
  SUBCASE("tombstones and paths never synced are not counted") {
    SourceTally t;
    t.Add(Row("src/old", 9, std::nullopt, std::nullopt), std::nullopt);
    t.Add(gone("src/a", 2, f1), arrived("dst/a", f1));
    CHECK(t.live_paths == 1);
    CHECK(SendAsOneMove(t, false));
  }
  SUBCASE("more than the protocol's move limit") {
    SourceTally t;
    t.live_paths = common::wire::kMaxMovePaths;
    t.same_content = t.live_paths;
    t.Add(gone("src/z", 2, f1), arrived("dst/z", f1));
    CHECK(t.too_many);
    CHECK(t.settled());
    CHECK_FALSE(SendAsOneMove(t, false));
  }
  SUBCASE("an empty directory renamed") { CHECK(SendAsOneMove(SourceTally{}, false)); }
}

TEST_CASE("move rules: after the answer, the rows are derived only when the count matches") {
  using common::wire::MoveOutcome;
  CHECK(AfterMoveAnswer(MoveOutcome::kCommitted, 7, 3) == MoveAnswerStep::kDeriveRows);
  CHECK(AfterMoveAnswer(MoveOutcome::kCommitted, 9, 3) == MoveAnswerStep::kExpand);
  CHECK(AfterMoveAnswer(MoveOutcome::kConflict, 7, 3) == MoveAnswerStep::kPerPath);
  CHECK(AfterMoveAnswer(MoveOutcome::kInvalid, 0, 3) == MoveAnswerStep::kPerPath);
}

TEST_CASE("move rules: a listed move is applied as a rename only over the synced directory") {
  const FileVersion d = DirVersion();
  index::PendingEntry move = Pending("dst", 20, d);
  move.moved_from = "src";
  move.covers = 5;
  CHECK(RemoteMoveRefusal(move) == std::nullopt);
  SUBCASE("the entry itself") {
    index::PendingEntry file = move;
    file.version = FileOf("x");
    CHECK(RemoteMoveRefusal(file).has_value());
    index::PendingEntry bad = move;
    bad.moved_from = "../src";
    CHECK(RemoteMoveRefusal(bad).has_value());
    index::PendingEntry same = move;
    same.moved_from = "dst";
    CHECK(RemoteMoveRefusal(same).has_value());
    index::PendingEntry into = move;
    into.path = "src/dst";
    CHECK(RemoteMoveRefusal(into).has_value());
  }
  SUBCASE("the source row") {
    CHECK(SourceRowRefusal(Row("src", 5, d, d), 20, false) == std::nullopt);
    CHECK(SourceRowRefusal(std::nullopt, 20, false).has_value());
    CHECK(SourceRowRefusal(Row("src", 5, d, d), 20, /*news=*/true).has_value());
    CHECK(SourceRowRefusal(Row("src", 20, d, d), 20, false).has_value());  // not older
    CHECK(SourceRowRefusal(Row("src", 5, d, std::nullopt), 20, false).has_value());
    CHECK(SourceRowRefusal(Row("src", 5, d, FileOf("x")), 20, false).has_value());
    CHECK(SourceRowRefusal(Row("src", 5, d, d, SyncState::kDirty), 20, false).has_value());
    CHECK(SourceRowRefusal(Row("src", 5, std::nullopt, d), 20, false).has_value());
  }
  SUBCASE("the rows under it") {
    const FileVersion a = FileOf("a");
    CHECK(RowUnderSourceRefusal(Row("src/a", 6, a, a)) == std::nullopt);
    CHECK(RowUnderSourceRefusal(Row("src/gone", 7, std::nullopt, std::nullopt)) == std::nullopt);
    const auto edit = RowUnderSourceRefusal(Row("src/a", 6, a, FileOf("b"), SyncState::kDirty));
    REQUIRE(edit.has_value());
    CHECK(edit->find("src/a") != std::string::npos);  // names the path
    CHECK(RowUnderSourceRefusal(Row("src/a", 6, a, std::nullopt, SyncState::kDirty)).has_value());
    CHECK(RowUnderSourceRefusal(Row("src/new", 0, std::nullopt, a, SyncState::kDirty)).has_value());
    CHECK(RowUnderSourceRefusal(Row("src/a", 6, a, a, SyncState::kError)).has_value());
  }
  SUBCASE("the count and the new name") {
    CHECK(CoverageRefusal(5, 2) == std::nullopt);
    CHECK(CoverageRefusal(7, 2).has_value());
    CHECK(TargetTaken(Row("dst", 0, std::nullopt, d, SyncState::kDirty)));
    CHECK_FALSE(TargetTaken(Row("dst", 3, std::nullopt, std::nullopt)));
  }
}

}  // namespace
}  // namespace tessera::daemon
