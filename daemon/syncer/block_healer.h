// daemon/syncer/block_healer.h
//
// BlockHealer: what this desktop does about blocks the journal references but the blockserver
// lacks (lost or corrupt there). A download that fails for want of a block is reported to the
// metaserver (POST missing_blocks), which checks the report and lists the block as wanted to
// every desktop with its list pages; a desktop that holds a valid copy of a wanted block (its
// chunk cache or a local file the index says holds it, verified against the id) stores it
// again, and the failed download succeeds on its next attempt (the next round).
// Not thread-safe: the syncer thread's, like the clients and LocalBlocks it is lent.
#pragma once

#include <cstdint>
#include <vector>

#include "common/block_id.h"
#include "common/client/block_client.h"
#include "common/client/meta_client.h"
#include "common/log.h"
#include "common/status.h"
#include "daemon/syncer/local_blocks.h"
#include "daemon/syncer/sync_types.h"

namespace tessera::daemon::syncer {

class BlockHealer {
 public:
  // Everything passed by reference must outlive the healer.
  BlockHealer(common::client::MetaClient& meta, common::client::BlockClient& blocks,
              LocalBlocks& local_blocks, common::Logger& log)
      : meta_(meta), blocks_(blocks), local_blocks_(local_blocks), log_(log) {}

  // Reports each failed download's missing blocks. Unavailable when the metaserver is down;
  // other refusals are logged and dropped (the download fails again and is reported again).
  common::Status Report(const std::vector<MissingBlocks>& missing);
  // Stores again each of `wanted` this desktop holds a valid copy of (blocks held nowhere here
  // are left to other desktops). Errors are the blockserver's (Unavailable when it is down).
  common::Status Heal(const std::vector<common::BlockId>& wanted);

  // Blocks stored again since the healer was made.
  uint64_t healed() const { return healed_; }

 private:
  common::client::MetaClient& meta_;
  common::client::BlockClient& blocks_;
  LocalBlocks& local_blocks_;
  common::Logger& log_;
  uint64_t healed_ = 0;
};

}  // namespace tessera::daemon::syncer
