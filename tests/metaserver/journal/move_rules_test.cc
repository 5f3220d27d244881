// The subtree move rules (metaserver/journal/move_rules.h) as pure functions: tables of cases,
// no SQLite.
#include "metaserver/journal/move_rules.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "common/path.h"

namespace tessera::metaserver::journal {
namespace {

using common::wire::MoveOutcome;
using common::wire::MoveRequest;

MoveRequest Request(std::string from, uint64_t from_jid, std::string to, uint64_t to_parent_jid = 0,
                    std::string subtree = "") {
  return MoveRequest{"laptop",      std::move(from), from_jid,
                     std::move(to), to_parent_jid,   std::move(subtree)};
}

std::string Digest(const std::vector<LivePath>& paths) {
  common::wire::SubtreeDigest digest;
  for (const auto& p : paths) digest.Add(p.path, p.jid);
  return digest.Finish();
}

TEST_CASE("move rules: from and to must be valid paths and to must not be inside from") {
  struct Case {
    std::string from, to;
    bool ok;
  };
  const std::vector<Case> cases = {
      {"src", "dst", true},      {"a/src", "b/src", true}, {"src", "src2", true},
      {"src", "srcdir/x", true}, {"src", "src", false},    {"src", "src/inner", false},
      {"../src", "dst", false},  {"src", "/dst", false},   {"", "dst", false},
      {"src", "a//b", false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.from);
    CAPTURE(c.to);
    const auto refused = CheckMovePaths(Request(c.from, 1, c.to));
    CHECK(refused.has_value() == !c.ok);
    if (refused) {
      CHECK(refused->outcome == MoveOutcome::kInvalid);
      CHECK_FALSE(refused->error.empty());
    }
  }
}

TEST_CASE("move rules: the source must be the client's live directory, the destination free") {
  const PathState dir{5, FileKind::kDir};
  struct Case {
    const char* name;
    MoveRequest request;
    std::optional<PathState> from, to;
    std::optional<MoveOutcome> outcome;  // nullopt: go on
    uint64_t latest_jid;
  };
  const std::vector<Case> cases = {
      {"a live dir to an absent path", Request("src", 5, "dst"), dir, std::nullopt, std::nullopt,
       0},
      {"a stale from_jid", Request("src", 4, "dst"), dir, std::nullopt, MoveOutcome::kConflict, 5},
      {"an absent source", Request("src", 5, "dst"), std::nullopt, std::nullopt,
       MoveOutcome::kConflict, 0},
      {"a source that is a file", Request("src", 5, "dst"), PathState{5, FileKind::kFile},
       std::nullopt, MoveOutcome::kInvalid, 0},
      {"a source that is a tombstone", Request("src", 5, "dst"), PathState{5, FileKind::kDeleted},
       std::nullopt, MoveOutcome::kInvalid, 0},
      {"a live destination", Request("src", 5, "dst"), dir, PathState{8, FileKind::kFile},
       MoveOutcome::kConflict, 8},
      {"a tombstone destination the client knows", Request("src", 5, "dst", 9), dir,
       PathState{9, FileKind::kDeleted}, std::nullopt, 0},
      {"a tombstone destination with to_parent_jid 0", Request("src", 5, "dst", 0), dir,
       PathState{9, FileKind::kDeleted}, std::nullopt, 0},
      {"a tombstone destination the client does not know", Request("src", 5, "dst", 7), dir,
       PathState{9, FileKind::kDeleted}, MoveOutcome::kConflict, 9},
      {"an absent destination the client thinks deleted", Request("src", 5, "dst", 7), dir,
       std::nullopt, MoveOutcome::kConflict, 0},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const auto refused = CheckMoveEnds(c.request, c.from, c.to);
    REQUIRE(refused.has_value() == c.outcome.has_value());
    if (refused) {
      CHECK(refused->outcome == *c.outcome);
      CHECK(refused->latest_jid == c.latest_jid);
    }
  }
}

TEST_CASE("move rules: the subtree must be what the client knows, small enough, paths short") {
  const std::vector<LivePath> moved = {{"src/a", 3}, {"src/b", 4}, {"src/b/c", 6}};
  const std::string known = Digest(moved);
  const uint64_t head = 20;

  CHECK_FALSE(CheckMoveSubtree(Request("src", 1, "dst", 0, known), false, moved, head));
  CHECK_FALSE(CheckMoveSubtree(Request("src", 1, "dst", 0, Digest({})), false, {}, head));

  const auto occupied = CheckMoveSubtree(Request("src", 1, "dst", 0, known), true, moved, head);
  REQUIRE(occupied.has_value());
  CHECK(occupied->outcome == MoveOutcome::kInvalid);

  for (const std::string& subtree : {std::string(), Digest({{"src/a", 3}, {"src/b", 4}}),
                                     Digest({{"src/a", 3}, {"src/b", 5}, {"src/b/c", 6}})}) {
    CAPTURE(subtree);
    const auto stale = CheckMoveSubtree(Request("src", 1, "dst", 0, subtree), false, moved, head);
    REQUIRE(stale.has_value());
    CHECK(stale->outcome == MoveOutcome::kConflict);
    CHECK(stale->latest_jid == head);
  }

  std::vector<LivePath> many(common::wire::kMaxMovePaths + 1, LivePath{"src/x", 1});
  const auto big = CheckMoveSubtree(Request("src", 1, "dst", 0, known), false, many, head);
  REQUIRE(big.has_value());
  CHECK(big->outcome == MoveOutcome::kInvalid);

  // A longer destination name must not push a moved path past the limit.
  const std::string deep = "src/" + std::string(common::kMaxPathBytes - 10, 'p');
  const std::vector<LivePath> long_paths = {{deep, 2}};
  const std::string long_known = Digest(long_paths);
  CHECK_FALSE(CheckMoveSubtree(Request("src", 1, "dst", 0, long_known), false, long_paths, head));
  const auto too_long = CheckMoveSubtree(Request("src", 1, std::string(20, 'd'), 0, long_known),
                                         false, long_paths, head);
  REQUIRE(too_long.has_value());
  CHECK(too_long->outcome == MoveOutcome::kInvalid);
}

TEST_CASE("move rules: a move's entries follow from M, from, to and the subtree") {
  const std::vector<LivePath> moved = {{"src/a", 3}, {"src/b", 4}, {"src/b/c", 6}};
  const MovePlan plan = PlanMove(Request("src", 2, "w/dst"), 2, moved, 10);
  CHECK(plan.move_jid == 11);
  CHECK(plan.covers == 7);  // 2N + 1
  CHECK(plan.head == 18);
  REQUIRE(plan.copies.size() == 4);
  CHECK(plan.copies[0].source_jid == 2);
  CHECK(plan.copies[0].jid == 11);
  CHECK(plan.copies[0].path == "w/dst");
  CHECK(plan.copies[0].moved_from == "src");
  CHECK(plan.copies[0].covers == 7);
  const std::vector<std::string> copied = {"w/dst/a", "w/dst/b", "w/dst/b/c"};
  for (size_t i = 0; i < moved.size(); ++i) {
    CAPTURE(i);
    CHECK(plan.copies[1 + i].source_jid == moved[i].jid);
    CHECK(plan.copies[1 + i].jid == 12 + i);
    CHECK(plan.copies[1 + i].path == copied[i]);
    CHECK(plan.copies[1 + i].moved_from.empty());
    CHECK(plan.copies[1 + i].covers == 0);
  }
  REQUIRE(plan.tombstones.size() == 4);
  CHECK(plan.tombstones[0].jid == 15);  // M + N + 1
  CHECK(plan.tombstones[0].path == "src");
  for (size_t i = 0; i < moved.size(); ++i) {
    CHECK(plan.tombstones[1 + i].jid == 16 + i);  // M + N + 2 + i
    CHECK(plan.tombstones[1 + i].path == moved[i].path);
  }

  const MovePlan empty = PlanMove(Request("src", 2, "dst"), 2, {}, 10);
  CHECK(empty.covers == 1);
  CHECK(empty.head == 12);
  CHECK(empty.copies.size() == 1);
  REQUIRE(empty.tombstones.size() == 1);
  CHECK(empty.tombstones[0].jid == 12);
}

}  // namespace
}  // namespace tessera::metaserver::journal
