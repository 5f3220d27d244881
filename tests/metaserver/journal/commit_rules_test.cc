// The commit and list rules (metaserver/journal/commit_rules.h, list_rules.h) as pure
// functions: tables of cases, no SQLite.
#include "metaserver/journal/commit_rules.h"

#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/wire/blocklist_delta.h"
#include "metaserver/journal/list_rules.h"
#include "tests/metaserver/journal/journal_test_util.h"

namespace tessera::metaserver::journal {
namespace {

using common::BlockId;
using common::Status;
using common::wire::CommitItem;
using common::wire::CommitOutcome;
using testing::DeleteItem;
using testing::DirItem;
using testing::FileItem;
using testing::Ref;

std::vector<std::string> Lines(int n, const std::string& tag = "") {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(tag + "line " + std::to_string(i) + "\n");
  return out;
}

ResolvedBlocklist Resolved(const std::vector<std::string>& chunks, int depth = 0) {
  return ResolvedBlocklist{
      std::make_shared<const std::vector<BlockRef>>(FileItem("x", 0, chunks).meta.blocks), depth};
}

// The delta item turning `from` (the path's latest, `base_jid`) into `to`.
CommitItem DeltaItem(uint64_t base_jid, const std::vector<std::string>& from,
                     const std::vector<std::string>& to) {
  CommitItem item = FileItem("f", base_jid, to);
  item.delta =
      common::wire::ComputeBlocklistDelta(FileItem("f", 0, from).meta.blocks, item.meta.blocks);
  item.delta->base_jid = base_jid;
  item.meta.blocks.clear();
  return item;
}

TEST_CASE(
    "commit rules: the parent, tombstone and delete rules decide by the path's latest entry") {
  const PathState file{3, FileKind::kFile};
  const PathState tomb{4, FileKind::kDeleted};
  const PathState dir{5, FileKind::kDir};
  struct Case {
    const char* name;
    CommitItem item;
    std::optional<PathState> latest;
    CommitOutcome outcome;
    uint64_t latest_jid;  // as answered (conflicts and refused deletes)
  };
  const std::vector<Case> cases = {
      {"a new path on parent 0", FileItem("f", 0), std::nullopt, CommitOutcome::kCommitted, 0},
      {"a new path on a parent it never had", FileItem("f", 5), std::nullopt,
       CommitOutcome::kConflict, 0},
      {"an edit on the latest JID", FileItem("f", 3), file, CommitOutcome::kCommitted, 0},
      {"an edit on an older JID", FileItem("f", 2), file, CommitOutcome::kConflict, 3},
      {"a create over a live path", FileItem("f", 0), file, CommitOutcome::kConflict, 3},
      {"a newer parent than the latest", FileItem("f", 9), file, CommitOutcome::kConflict, 3},
      {"a recreate on parent 0 over a tombstone", FileItem("f", 0), tomb, CommitOutcome::kCommitted,
       0},
      {"a recreate on the tombstone's JID", FileItem("f", 4), tomb, CommitOutcome::kCommitted, 0},
      {"a recreate on an older JID than the tombstone", FileItem("f", 3), tomb,
       CommitOutcome::kConflict, 4},
      {"a delete of a live file", DeleteItem("f", 3), file, CommitOutcome::kCommitted, 0},
      {"a delete of a directory", DeleteItem("f", 5), dir, CommitOutcome::kCommitted, 0},
      {"a delete of a path that never existed", DeleteItem("f", 0), std::nullopt,
       CommitOutcome::kInvalid, 0},
      {"a delete of a tombstone", DeleteItem("f", 4), tomb, CommitOutcome::kInvalid, 4},
      {"a stale delete", DeleteItem("f", 2), file, CommitOutcome::kConflict, 3},
      {"a directory over a file on its JID", DirItem("f", 3), file, CommitOutcome::kCommitted, 0},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const ResolvedBlocklist previous = Resolved({"hello\n"});
    const CommitDecision d = DecideCommit(c.item, Status::Ok(), c.latest, &previous, {});
    CHECK(d.result.outcome == c.outcome);
    CHECK(d.result.path == "f");
    CHECK(d.result.latest_jid == c.latest_jid);
    CHECK(d.result.jid == 0);  // the caller assigns it
    CHECK_FALSE(d.applied.has_value());
    CHECK(CheckParent(c.item, Status::Ok(), c.latest).has_value() ==
          (c.outcome != CommitOutcome::kCommitted));
  }
}

TEST_CASE("commit rules: an item refused by validation is invalid with the reason, whatever else") {
  const Status bad = common::InvalidArgument("mode has bits outside 07777");
  const CommitDecision d =
      DecideCommit(FileItem("f", 0), bad, std::nullopt, nullptr, {BlockId::Of("hello\n")});
  CHECK(d.result.outcome == CommitOutcome::kInvalid);
  CHECK(d.result.error == bad.message());
  CHECK(d.result.need_blocks.empty());
}

TEST_CASE("commit rules: need_blocks names each missing block the item brings once, in order") {
  const CommitItem item = FileItem("f", 0, {"a", "lack1", "b", "lack2", "lack1"});
  const std::unordered_set<BlockId> missing = {BlockId::Of("lack2"), BlockId::Of("lack1"),
                                               BlockId::Of("other")};
  const CommitDecision d = DecideCommit(item, Status::Ok(), std::nullopt, nullptr, missing);
  CHECK(d.result.outcome == CommitOutcome::kNeedBlocks);
  CHECK(d.result.need_blocks == std::vector<BlockId>{BlockId::Of("lack1"), BlockId::Of("lack2")});
  // A conflict is answered as a conflict, not with blocks to upload.
  CHECK(DecideCommit(item, Status::Ok(), PathState{1, FileKind::kFile}, nullptr, missing)
            .result.outcome == CommitOutcome::kConflict);
}

TEST_CASE("commit rules: a delta applies to the previous file's list, or the item is invalid") {
  const auto v1 = Lines(10);
  auto v2 = v1;
  v2[5] = "edited\n";
  const PathState latest{7, FileKind::kFile};
  const ResolvedBlocklist previous = Resolved(v1);

  SUBCASE("it fits: committed with the full list applied") {
    const CommitDecision d =
        DecideCommit(DeltaItem(7, v1, v2), Status::Ok(), latest, &previous, {});
    REQUIRE(d.result.outcome == CommitOutcome::kCommitted);
    REQUIRE(d.applied.has_value());
    CHECK(d.applied->blocks == FileItem("f", 0, v2).meta.blocks);
    CHECK(d.applied->size == FileItem("f", 0, v2).meta.size);
  }
  SUBCASE("only the delta's own blocks are asked for") {
    const std::unordered_set<BlockId> missing = {BlockId::Of("edited\n"), BlockId::Of(v1[0])};
    const CommitDecision d =
        DecideCommit(DeltaItem(7, v1, v2), Status::Ok(), latest, &previous, missing);
    CHECK(d.result.outcome == CommitOutcome::kNeedBlocks);
    CHECK(d.result.need_blocks == std::vector<BlockId>{BlockId::Of("edited\n")});
    CHECK_FALSE(d.applied.has_value());
  }
  struct Bad {
    const char* name;
    CommitItem item;
    std::optional<PathState> latest;
    const char* error;  // what the error says
  };
  CommitItem too_long = DeltaItem(7, v1, v2);
  too_long.delta->keep_prefix = 20;
  CommitItem wrong_digest = DeltaItem(7, v1, v2);
  wrong_digest.delta->digest = BlockId::Of("not the list");
  CommitItem wrong_size = DeltaItem(7, v1, v2);
  wrong_size.meta.size += 1;
  const std::vector<Bad> bad = {
      {"the previous version is a directory", DeltaItem(7, v1, v2), PathState{7, FileKind::kDir},
       "is not a file"},
      {"it keeps more blocks than the base has", too_long, latest, "blocklist delta base 7: "},
      {"its digest is not the applied list's", wrong_digest, latest, "blocklist delta base 7: "},
      {"the applied list does not add up to the size", wrong_size, latest, "applied: "},
  };
  for (const Bad& b : bad) {
    CAPTURE(b.name);
    const CommitDecision d = DecideCommit(b.item, Status::Ok(), b.latest, &previous, {});
    CHECK(d.result.outcome == CommitOutcome::kInvalid);
    CHECK(d.result.error.find(b.error) != std::string::npos);
    CHECK_FALSE(d.applied.has_value());
  }
}

TEST_CASE("commit rules: the previous list is needed only between two file versions") {
  const PathState file{1, FileKind::kFile};
  CHECK(NeedsPreviousBlocklist(FileItem("f", 1), file));
  CHECK_FALSE(NeedsPreviousBlocklist(FileItem("f", 0), std::nullopt));
  CHECK_FALSE(NeedsPreviousBlocklist(FileItem("f", 1), PathState{1, FileKind::kDir}));
  CHECK_FALSE(NeedsPreviousBlocklist(FileItem("f", 1), PathState{1, FileKind::kDeleted}));
  CHECK_FALSE(NeedsPreviousBlocklist(DirItem("f", 1), file));
  CHECK_FALSE(NeedsPreviousBlocklist(DeleteItem("f", 1), file));
}

TEST_CASE("commit rules: a batch needs a clean device and at most kMaxCommitItems items") {
  CHECK(CheckBatch("laptop", 0).ok());
  CHECK(CheckBatch("", common::wire::kMaxCommitItems).ok());
  CHECK(CheckBatch("laptop", common::wire::kMaxCommitItems + 1).code() ==
        common::Code::kInvalidArgument);
  CHECK(CheckBatch(std::string(300, 'd'), 1).code() == common::Code::kInvalidArgument);
  CHECK(CheckBatch("bad\ndevice", 1).code() == common::Code::kInvalidArgument);
}

TEST_CASE("commit rules: the block store is asked each block of the valid items once") {
  const auto v1 = Lines(10);
  auto v2 = v1;
  v2[5] = "edited\n";
  const std::vector<CommitItem> items = {FileItem("a", 0, {"x", "y", "x"}),
                                         FileItem("bad", 0, {"z"}), FileItem("b", 0, {"y", "w"}),
                                         DirItem("d", 0), DeltaItem(3, v1, v2)};
  const std::vector<Status> status = {Status::Ok(), common::InvalidArgument("bad path"),
                                      Status::Ok(), Status::Ok(), Status::Ok()};
  CHECK(BlocksToAsk(items, status) == std::vector<BlockId>{BlockId::Of("x"), BlockId::Of("y"),
                                                           BlockId::Of("w"),
                                                           BlockId::Of("edited\n")});
  CHECK(BlocksToAsk({DirItem("d", 0)}, {Status::Ok()}).empty());
}

TEST_CASE("commit rules: a new version is stored as a delta when it pays and the chain is short") {
  const auto v1 = Lines(100);
  auto v2 = v1;
  v2[50] = "edited\n";
  const auto blocks2 = FileItem("f", 0, v2).meta.blocks;

  const ResolvedBlocklist shallow = Resolved(v1, kMaxStoredDeltaChain - 1);
  const StoredForm delta = ChooseStoredForm(blocks2, 9, &shallow);
  REQUIRE(delta.delta.has_value());
  CHECK(delta.delta->base_jid == 9);
  CHECK(delta.delta->blocks.size() == 1);
  auto applied = common::wire::ApplyBlocklistDelta(*shallow.blocks, *delta.delta);
  REQUIRE(applied.ok());
  CHECK(*applied == blocks2);

  const ResolvedBlocklist deep = Resolved(v1, kMaxStoredDeltaChain);
  CHECK_FALSE(ChooseStoredForm(blocks2, 9, &deep).delta.has_value());     // chain full
  CHECK_FALSE(ChooseStoredForm(blocks2, 9, nullptr).delta.has_value());   // no previous file
  CHECK_FALSE(ChooseStoredForm(blocks2, 0, &shallow).delta.has_value());  // no base JID
  const ResolvedBlocklist other = Resolved(Lines(100, "other "));
  CHECK_FALSE(ChooseStoredForm(blocks2, 9, &other).delta.has_value());  // does not pay
}

TEST_CASE("list rules: limits, listing deltas and hidden move fields") {
  CHECK(CheckListLimit(1).ok());
  CHECK(CheckListLimit(common::wire::kMaxListLimit).ok());
  CHECK(CheckListLimit(0).code() == common::Code::kInvalidArgument);
  CHECK(CheckListLimit(common::wire::kMaxListLimit + 1).code() == common::Code::kInvalidArgument);

  CHECK(CheckTreeQuery("", "", 1).ok());
  CHECK(CheckTreeQuery("a/b", "a/b/c", kMaxTreeLimit).ok());
  CHECK(CheckTreeQuery("../a", "", 1).code() == common::Code::kInvalidArgument);
  CHECK(CheckTreeQuery("a", "/x", 1).code() == common::Code::kInvalidArgument);
  CHECK(CheckTreeQuery("a", "", 0).code() == common::Code::kInvalidArgument);
  CHECK(CheckTreeQuery("a", "", kMaxTreeLimit + 1).code() == common::Code::kInvalidArgument);

  const auto v1 = FileItem("f", 0, Lines(20)).meta.blocks;
  auto edited = Lines(20);
  edited[3] = "edited\n";
  const auto v2 = FileItem("f", 0, edited).meta.blocks;
  const auto delta = ListingDelta(v1, 4, v2);
  REQUIRE(delta.has_value());
  CHECK(delta->base_jid == 4);
  CHECK(common::wire::ApplyBlocklistDelta(v1, *delta).value() == v2);
  CHECK_FALSE(ListingDelta(v1, 4, FileItem("f", 0, Lines(20, "new ")).meta.blocks).has_value());

  Entry move;
  move.moved_from = "src";
  move.covers = 7;
  HideMoveFields(move);
  CHECK(move.moved_from.empty());
  CHECK(move.covers == 0);
}

}  // namespace
}  // namespace tessera::metaserver::journal
