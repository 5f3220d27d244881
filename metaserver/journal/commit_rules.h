// metaserver/journal/commit_rules.h
//
// The commit rules of DESIGN.md decision 4 as pure functions over what a JournalStore returns
// (journal_store.h); Journal::CommitBatch (journal_commit.cc) applies them in this order:
//
//   batch     CheckBatch: a valid device, at most wire::kMaxCommitItems items   else refused whole
//   phase 1   ValidateCommitItem (commit_validation.h) per item; BlocksToAsk, asked of the block
//             store once, without any lock
//   phase 2   per valid item, in ONE write transaction, DecideCommit over the path's latest
//             entry (and the previous file's list when NeedsPreviousBlocklist says so):
//     1. its parent_jid must be the path's latest JID; 0 is also accepted when the path has no
//        entry or its latest is a tombstone (recreating a deleted path loses nothing)
//                                                              else kConflict + latest_jid
//     2. a delete needs something to delete                    else kInvalid
//     3. a delta item applies to the previous version, a file, and gives a valid list
//                                                              else kInvalid (naming the base)
//     4. every block the item brings is in the block store     else kNeedBlocks + missing ids
//     5. committed: it gets the next JID, its list stored in ChooseStoredForm's form
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/block_id.h"
#include "common/status.h"
#include "common/wire/journal_messages.h"
#include "metaserver/journal/types.h"

namespace tessera::metaserver::journal {

// A stored chain holds at most this many deltas on top of a full list: the 16th version after
// a full one is stored full again, so reading any version costs at most 16 rows.
inline constexpr int kMaxStoredDeltaChain = 15;

// InvalidArgument (the batch is refused whole, nothing written) for a bad `device`
// (ValidateDevice) or more than wire::kMaxCommitItems items.
common::Status CheckBatch(std::string_view device, size_t item_count);

// The distinct block ids the items with an OK `item_status` (parallel to `items`) bring, in
// the order first seen: a delta item's own blocks only (its other blocks are its base's, which
// are stored), every other item's whole list.
std::vector<common::BlockId> BlocksToAsk(const std::vector<common::wire::CommitItem>& items,
                                         const std::vector<common::Status>& item_status);

// Whether DecideCommit needs the list of the path's latest entry: when both the item and that
// entry are files (the base of a delta, and what a new version is stored against).
bool NeedsPreviousBlocklist(const common::wire::CommitItem& item,
                            const std::optional<PathState>& latest);

// Rules 1 and 2 (and an item refused by validation): the refusal to answer, or nullopt when the
// item goes on to its content. DecideCommit applies it first; the caller may too, to skip
// reading the previous list of an item refused anyway.
std::optional<common::wire::CommitResult> CheckParent(const common::wire::CommitItem& item,
                                                      const common::Status& item_status,
                                                      const std::optional<PathState>& latest);

struct CommitDecision {
  // The item's outcome with everything but the JID filled in (path, latest_jid, need_blocks,
  // error). kCommitted: write it, then set result.jid.
  common::wire::CommitResult result;
  // kCommitted delta items: the item's meta with the full list applied (what is written);
  // nullopt when the item's own meta is written as it is.
  std::optional<FileMeta> applied;
};

// Decides one item. `item_status` is its ValidateCommitItem result; `latest` the path's latest
// entry; `previous` its list when NeedsPreviousBlocklist (else ignored, may be null); `missing`
// the block ids the block store lacks (among those BlocksToAsk named).
CommitDecision DecideCommit(const common::wire::CommitItem& item, const common::Status& item_status,
                            const std::optional<PathState>& latest,
                            const ResolvedBlocklist* previous,
                            const std::unordered_set<common::BlockId>& missing);

// How to store `blocks`, a new version of a path whose previous version is the file entry
// `previous_jid` with list `previous` (nullptr: none, store it whole): as a delta against it
// when that carries fewer than half of the blocks and the chain under it is shorter than
// kMaxStoredDeltaChain, else whole.
StoredForm ChooseStoredForm(const std::vector<BlockRef>& blocks, uint64_t previous_jid,
                            const ResolvedBlocklist* previous);

}  // namespace tessera::metaserver::journal
