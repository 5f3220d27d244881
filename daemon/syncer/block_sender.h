// daemon/syncer/block_sender.h
//
// BlockSender: the store half of an upload. Reads the blocks the server asked for (need_blocks,
// or an edit's new blocks sent before its commit) from the local file, checks each against the
// hash the commit named, and queues them in bounded store_batch requests in the pipe (this
// thread reads the next batch while the last is on the wire). A block replacing one of the
// synced version whose bytes are still here (LocalBlocks) goes as an rsync delta against it when
// that is smaller. The blocks of text files go into the chunk cache, as later delta bases.
// A file that changed since it was hashed is marked for a rescan (NextPass) and reported, so
// its item leaves the commit; its new version goes up after the next scan.
// Memory: the blocks read and not yet stored stay under SyncConfig::upload_window_bytes (the
// StoreWindow); a file is read one block at a time (small files whole), so what the sender holds
// per file is its block list's index (tens of bytes per block), never its bytes.
// Owns the set of blocks already queued during one Upload() (never sent twice) and the window of
// store requests in the pipe.
// Not thread-safe: the syncer thread's; the requests it queues run on the pipe's thread.
#pragma once

#include <set>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/block_id.h"
#include "common/env.h"
#include "common/log.h"
#include "common/result.h"
#include "daemon/index/index.h"
#include "daemon/remote/block_pipe.h"
#include "daemon/syncer/local_blocks.h"
#include "daemon/syncer/next_pass.h"
#include "daemon/syncer/store_window.h"
#include "daemon/syncer/sync_types.h"

namespace tessera::daemon::syncer {

// An item and the ids of the blocks of it to store.
using BlockNeed = std::pair<UploadItem, std::vector<common::BlockId>>;

class BlockSender {
 public:
  // Everything passed by reference must outlive the sender.
  BlockSender(common::Env& env, index::Index& index, remote::BlockPipe& pipe,
              LocalBlocks& local_blocks, common::Logger& log, const SyncConfig& config)
      : env_(env),
        index_(index),
        pipe_(pipe),
        local_blocks_(local_blocks),
        log_(log),
        config_(config),
        window_(config.upload_window_bytes) {}

  // Forgets which blocks were queued (each Upload() starts afresh); waits for the stores of an
  // Upload() that ended early, dropping their outcomes.
  void Reset();

  // Reads the blocks `needs` asks for and queues their store requests in the pipe, waiting for
  // earlier stores whenever the window is full. Returns the paths that cannot be committed as
  // they are: the file changed (marked for a rescan in `next`), or the server asked for a block
  // the version does not have (RecordError). IOError from the index. The stores queued so far
  // are those up to last_store(); WaitStored() waits for them.
  common::Result<std::set<std::string>> Send(const std::vector<BlockNeed>& needs, NextPass& next);

  // The ticket of the last store queued (0: none yet).
  uint64_t last_store() const { return window_.last_ticket(); }
  // Waits for the stores up to ticket `through`; the first error among them (or among earlier
  // ones not yet reported), e.g. Unavailable when the blockserver is down.
  common::Status WaitStored(uint64_t through) { return window_.WaitThrough(through); }

 private:
  common::Env& env_;
  index::Index& index_;
  remote::BlockPipe& pipe_;
  LocalBlocks& local_blocks_;
  common::Logger& log_;
  const SyncConfig& config_;
  std::unordered_set<common::BlockId> queued_;  // during the current Upload()
  StoreWindow window_;
};

}  // namespace tessera::daemon::syncer
