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
// Owns the set of blocks already queued during one Upload() (never sent twice).
// Not thread-safe: the syncer thread's; the requests it queues run on the pipe's thread.
#pragma once

#include <future>
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
        config_(config) {}

  // Forgets which blocks were queued (each Upload() starts afresh).
  void Reset() { queued_.clear(); }

  // Reads the blocks `needs` asks for and queues their store requests in the pipe (their
  // futures appended to `stores`; the caller waits for them). Returns the paths that cannot be
  // committed as they are: the file changed (marked for a rescan in `next`), or the server
  // asked for a block the version does not have (RecordError). IOError from the index.
  common::Result<std::set<std::string>> Send(const std::vector<BlockNeed>& needs,
                                             std::vector<std::future<common::Status>>& stores,
                                             NextPass& next);

 private:
  common::Env& env_;
  index::Index& index_;
  remote::BlockPipe& pipe_;
  LocalBlocks& local_blocks_;
  common::Logger& log_;
  const SyncConfig& config_;
  std::unordered_set<common::BlockId> queued_;  // during the current Upload()
};

}  // namespace tessera::daemon::syncer
