#include "metaserver/journal/commit_rules.h"

#include <string>
#include <utility>

#include "common/wire/blocklist_delta.h"
#include "metaserver/journal/commit_validation.h"

namespace tessera::metaserver::journal {

using common::BlockId;
using common::Status;
using common::wire::CommitItem;
using common::wire::CommitOutcome;

namespace {

// The blocks an item brings to the block store: a delta item's own, else the whole list.
const std::vector<BlockRef>& BroughtBlocks(const CommitItem& item) {
  return item.delta ? item.delta->blocks : item.meta.blocks;
}

}  // namespace

Status CheckBatch(std::string_view device, size_t item_count) {
  TESSERA_RETURN_IF_ERROR(ValidateDevice(device));
  if (item_count > common::wire::kMaxCommitItems) {
    return common::InvalidArgument("more than " + std::to_string(common::wire::kMaxCommitItems) +
                                   " items in one batch");
  }
  return Status::Ok();
}

std::vector<BlockId> BlocksToAsk(const std::vector<CommitItem>& items,
                                 const std::vector<Status>& item_status) {
  std::vector<BlockId> asked;
  std::unordered_set<BlockId> seen;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i >= item_status.size() || !item_status[i].ok()) continue;
    for (const BlockRef& block : BroughtBlocks(items[i])) {
      if (seen.insert(block.id).second) asked.push_back(block.id);
    }
  }
  return asked;
}

bool NeedsPreviousBlocklist(const CommitItem& item, const std::optional<PathState>& latest) {
  return item.meta.kind == FileKind::kFile && latest.has_value() && latest->kind == FileKind::kFile;
}

std::optional<common::wire::CommitResult> CheckParent(const CommitItem& item,
                                                      const Status& item_status,
                                                      const std::optional<PathState>& latest) {
  common::wire::CommitResult result;
  result.path = item.meta.path;
  if (!item_status.ok()) {
    result.outcome = CommitOutcome::kInvalid;
    result.error = item_status.message();
    return result;
  }
  const uint64_t latest_jid = latest.has_value() ? latest->jid : 0;
  const bool gone = !latest.has_value() || latest->kind == FileKind::kDeleted;
  if (item.parent_jid != latest_jid && !(item.parent_jid == 0 && gone)) {
    result.outcome = CommitOutcome::kConflict;
    result.latest_jid = latest_jid;
    return result;
  }
  if (item.meta.kind == FileKind::kDeleted && gone) {
    result.outcome = CommitOutcome::kInvalid;
    result.latest_jid = latest_jid;
    result.error = "nothing to delete: the path is absent or already deleted";
    return result;
  }
  return std::nullopt;
}

CommitDecision DecideCommit(const CommitItem& item, const Status& item_status,
                            const std::optional<PathState>& latest,
                            const ResolvedBlocklist* previous,
                            const std::unordered_set<BlockId>& missing) {
  CommitDecision out;
  if (auto refused = CheckParent(item, item_status, latest)) {
    out.result = std::move(*refused);
    return out;
  }
  common::wire::CommitResult& result = out.result;
  result.path = item.meta.path;
  auto invalid = [&](std::string why) {
    result.outcome = CommitOutcome::kInvalid;
    result.error = std::move(why);
    return std::move(out);
  };
  if (!NeedsPreviousBlocklist(item, latest)) previous = nullptr;
  if (item.delta) {
    // Validation made delta->base_jid == parent_jid > 0, and the parent check above made that
    // the path's latest JID.
    const std::string base = "blocklist delta base " + std::to_string(item.delta->base_jid);
    if (previous == nullptr || previous->blocks == nullptr) {
      return invalid(base + " is not a file: send the full blocklist");
    }
    auto blocks = common::wire::ApplyBlocklistDelta(*previous->blocks, *item.delta);
    if (!blocks.ok()) return invalid(base + ": " + blocks.status().message());
    FileMeta applied = item.meta;
    applied.blocks = std::move(blocks).value();
    if (const Status valid = common::wire::ValidateFileMeta(applied); !valid.ok()) {
      return invalid(base + " applied: " + valid.message());
    }
    out.applied = std::move(applied);
  }
  if (!missing.empty()) {
    std::unordered_set<BlockId> listed;
    for (const BlockRef& block : BroughtBlocks(item)) {
      if (missing.contains(block.id) && listed.insert(block.id).second) {
        result.need_blocks.push_back(block.id);
      }
    }
  }
  if (!result.need_blocks.empty()) {
    result.outcome = CommitOutcome::kNeedBlocks;
    out.applied.reset();
    return out;
  }
  result.outcome = CommitOutcome::kCommitted;
  return out;
}

StoredForm ChooseStoredForm(const std::vector<BlockRef>& blocks, uint64_t previous_jid,
                            const ResolvedBlocklist* previous) {
  StoredForm out;
  if (previous != nullptr && previous->blocks != nullptr && previous_jid > 0 &&
      previous->depth < kMaxStoredDeltaChain) {
    BlocklistDelta delta = common::wire::ComputeBlocklistDelta(*previous->blocks, blocks);
    if (common::wire::DeltaPays(delta, blocks.size())) {
      delta.base_jid = previous_jid;
      out.delta = std::move(delta);
    }
  }
  return out;
}

}  // namespace tessera::metaserver::journal
