// Tests for daemon/reconcile/path_plan.h: the step of a pass for one path, as a table of rows
// and pending entries, and the rules around Reconcile() that moved out of the syncer.
#include "daemon/reconcile/path_plan.h"

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

struct Case {
  const char* name;
  std::optional<index::FileRow> row;
  std::optional<index::PendingEntry> pending;
  PathStep want;
  bool drop_pending;
  uint64_t parent_jid;
};

TEST_CASE("path plan: each row and pending entry gives the documented step") {
  const FileVersion a = FileOf("a\n");
  const FileVersion b = FileOf("b\n");
  const FileVersion c = FileOf("c\n");
  const FileVersion d = DirVersion();
  constexpr auto kError = SyncState::kError;
  constexpr auto kDirty = SyncState::kDirty;
  const std::vector<Case> cases = {
      {"an unknown path", std::nullopt, std::nullopt, PathStep::kRecordBase, false, 0},
      {"synced, nothing new", Row("p", 5, a, a), std::nullopt, PathStep::kRecordBase, false, 5},
      {"a new local file", Row("p", 0, std::nullopt, a, kDirty), std::nullopt, PathStep::kUpload,
       false, 0},
      {"a local edit", Row("p", 5, a, b, kDirty), std::nullopt, PathStep::kUpload, false, 5},
      {"a local delete", Row("p", 5, a, std::nullopt, kDirty), std::nullopt, PathStep::kUpload,
       false, 5},
      // The server refused this version: it waits for a new local change or news.
      {"a refused edit, nothing new", Row("p", 5, a, b, kError), std::nullopt, PathStep::kHold,
       false, 5},
      {"a refused delete, nothing new", Row("p", 5, a, std::nullopt, kError), std::nullopt,
       PathStep::kHold, false, 5},
      {"a refused new file, nothing new", Row("p", 0, std::nullopt, b, kError), std::nullopt,
       PathStep::kHold, false, 0},
      {"a refused edit with news that leaves it an upload", Row("p", 5, a, b, kError),
       Pending("p", 9, a), PathStep::kUpload, false, 9},
      // A pending entry at or below the base JID is applied already: dropped, and the path is
      // planned as if it were not there (a refused edit then stays held).
      {"our own commit listed back", Row("p", 9, b, b), Pending("p", 9, b), PathStep::kRecordBase,
       true, 9},
      {"an older entry listed late", Row("p", 9, b, b), Pending("p", 7, a), PathStep::kRecordBase,
       true, 9},
      {"an applied entry beside a refused edit", Row("p", 9, a, b, kError), Pending("p", 8, c),
       PathStep::kHold, true, 9},
      {"an applied entry beside a local edit", Row("p", 9, a, b, kDirty), Pending("p", 9, a),
       PathStep::kUpload, true, 9},
      // Downloads.
      {"a remote new file", std::nullopt, Pending("p", 3, a), PathStep::kWrite, false, 3},
      {"a remote edit", Row("p", 5, a, a), Pending("p", 6, b), PathStep::kWrite, false, 6},
      {"a remote edit of a file deleted here", Row("p", 5, a, std::nullopt, kDirty),
       Pending("p", 6, b), PathStep::kWrite, false, 6},
      {"a remote new directory", std::nullopt, Pending("p", 3, d), PathStep::kWrite, false, 3},
      {"a file replaced remotely by a directory", Row("p", 5, a, a), Pending("p", 6, d),
       PathStep::kMakeRoom, false, 6},
      {"a directory replaced remotely by a file", Row("p", 5, d, d), Pending("p", 6, a),
       PathStep::kMakeRoom, false, 6},
      {"a remote edit beside an equal local one", Row("p", 5, a, b, kDirty), Pending("p", 6, b),
       PathStep::kRecordBase, false, 6},
      {"both edited differently", Row("p", 5, a, b, kDirty), Pending("p", 6, c),
       PathStep::kMoveAside, false, 6},
      {"both created different files", Row("p", 0, std::nullopt, b, kDirty), Pending("p", 6, c),
       PathStep::kMoveAside, false, 6},
      {"a remote delete", Row("p", 5, a, a), Pending("p", 6, std::nullopt), PathStep::kDeleteLocal,
       false, 6},
      {"a remote delete of a local edit", Row("p", 5, a, b, kDirty), Pending("p", 6, std::nullopt),
       PathStep::kUpload, false, 6},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const PathPlan plan = PlanPath(c.row, c.pending);
    CHECK(PathStepName(plan.step) == PathStepName(c.want));
    CHECK(plan.drop_pending == c.drop_pending);
    CHECK(plan.parent_jid == c.parent_jid);
  }
}

TEST_CASE("path plan: the step agrees with Reconcile's action over the pending entry kept") {
  const FileVersion a = FileOf("a\n");
  const FileVersion b = FileOf("b\n");
  const PathPlan kept = PlanPath(Row("p", 5, a, a), Pending("p", 6, b));
  CHECK(kept.action == SyncAction::kDownload);
  const PathPlan dropped = PlanPath(Row("p", 6, a, a), Pending("p", 6, b));
  CHECK(dropped.drop_pending);
  CHECK(dropped.action == SyncAction::kNothing);  // decided without the applied entry
}

TEST_CASE("path plan: a local directory delete waits while its children's entries are queued") {
  CHECK(LocalDeleteWaits(Row("d", 5, DirVersion(), DirVersion()), /*children_pending=*/true));
  CHECK_FALSE(LocalDeleteWaits(Row("d", 5, DirVersion(), DirVersion()), false));
  CHECK_FALSE(LocalDeleteWaits(Row("f", 5, FileOf("x"), FileOf("x")), true));
  CHECK_FALSE(LocalDeleteWaits(Row("d", 5, DirVersion(), std::nullopt), true));
}

}  // namespace
}  // namespace tessera::daemon
