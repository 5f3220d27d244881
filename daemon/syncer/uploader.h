// daemon/syncer/uploader.h
//
// Uploader: commits local changes. Items go in bounded commit batches (by items, block refs and
// estimated request bytes); each batch is committed once (the blocks the server lacks,
// need_blocks, go into the pipe through the BlockSender) while the previous batch's blocks are
// stored, and committed again once they are. An edited file is committed with its blocklist as
// a delta against its parent's (retried with the full list if the server refuses the delta),
// and its new blocks go before the first commit, so an edit costs one commit. Outcomes are
// recorded in the index one transaction per commit: committed rows become synced at their new
// JID; a stale parent marks a pull for the next pass (NextPass); a refused version puts the row
// in error. When nothing else was committed since the cursor, the cursor moves over this
// daemon's own new entries (so they are not listed back). A directory's delete commits only
// after the deletes of everything under it, in the same batch or a later pass (commit_order.h).
// Memory: a round holds its items (their block lists) and the ticket of its last store; the
// blocks themselves are in the BlockSender's window (SyncConfig::upload_window_bytes).
// Owns its counts and the BlockSender (which owns the blocks queued during one Upload()).
// Not thread-safe: the syncer thread's.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/client/meta_client.h"
#include "common/env.h"
#include "common/log.h"
#include "common/result.h"
#include "common/wire/blocklist_delta.h"
#include "common/wire/journal_messages.h"
#include "daemon/index/index.h"
#include "daemon/remote/block_pipe.h"
#include "daemon/syncer/block_sender.h"
#include "daemon/syncer/local_blocks.h"
#include "daemon/syncer/next_pass.h"
#include "daemon/syncer/sync_types.h"

namespace tessera::daemon::syncer {

class Uploader {
 public:
  // Everything passed by reference must outlive the Uploader.
  Uploader(common::Env& env, index::Index& index, common::client::MetaClient& meta,
           remote::BlockPipe& pipe, LocalBlocks& local_blocks, common::Logger& log,
           const SyncConfig& config)
      : index_(index),
        meta_(meta),
        log_(log),
        config_(config),
        sender_(env, index, pipe, local_blocks, log, config) {}

  // Commits `items` (planned kUpload steps, in path order). Unavailable when a server is down
  // (what was committed stays recorded); other errors from the index or a bad answer.
  common::Status Upload(std::vector<UploadItem> items, NextPass& next);

  // Paths committed (uploaded, deleted_remote) since the Uploader was made.
  const RoundStats& stats() const { return stats_; }

 private:
  // A commit batch between one commit and the next: the items to commit again, and the last
  // of the stores of the blocks the server asked for (the sender's ticket; 0: none), which
  // must be done before the items are committed again.
  struct CommitRound {
    std::vector<UploadItem> items;
    std::map<std::string, common::wire::BlocklistDelta> deltas;  // dropped when refused
    int attempts = 0;
    uint64_t last_store = 0;
  };

  // Stores an edited item's new blocks (its delta's) before the first commit; items whose file
  // changed meanwhile leave the round.
  common::Status StoreEditedBlocks(CommitRound& round, NextPass& next);
  // One commit of the round's items; what needs blocks goes into the pipe and stays in the
  // round to commit again.
  common::Result<CommitRound> CommitStep(CommitRound round, NextPass& next);
  // Waits for the round's stores and commits again until nothing is left (or attempts run out).
  common::Status FinishRound(CommitRound round, NextPass& next);
  common::Status FinishUpload(const UploadItem& item, uint64_t jid);
  // Moves the cursor over this daemon's own entries of a commit (`committed` items committed)
  // when nothing else was committed since the cursor.
  common::Status SkipOwnEntries(const common::wire::CommitBatchResponse& response,
                                size_t committed);

  index::Index& index_;
  common::client::MetaClient& meta_;
  common::Logger& log_;
  const SyncConfig& config_;
  BlockSender sender_;
  RoundStats stats_;
};

}  // namespace tessera::daemon::syncer
