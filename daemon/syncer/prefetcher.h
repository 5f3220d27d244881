// daemon/syncer/prefetcher.h
//
// Prefetcher: the fetch stage of downloads. The planned writes of a pass are cut into groups;
// for each group one bounded retrieve request through the pipe brings the blocks that the
// group's new and edited files lack locally (not in the version a file replaces, the chunk
// cache or any local file) and that the group before it (still on its way) does not bring.
// An edit's blocks name their delta bases (DeltaBases), whose bytes are read here, bounded, for
// the pipe's thread to patch with. While one group's files are written, the next group's blocks
// are on the wire. A file too big for one request is a group of its own and fetches its blocks
// itself (Reconstructor::Write) in windows.
// Owns its count of blocks the pipe refused (corrupt). Not thread-safe: the syncer thread's;
// the retrieve runs on the pipe's thread and touches neither the index nor the cache.
#pragma once

#include <future>
#include <memory>
#include <optional>
#include <unordered_set>
#include <vector>

#include "common/block_id.h"
#include "common/result.h"
#include "common/wire/block_messages.h"
#include "daemon/index/index.h"
#include "daemon/remote/block_pipe.h"
#include "daemon/syncer/download_group.h"
#include "daemon/syncer/local_blocks.h"
#include "daemon/syncer/sync_types.h"

namespace tessera::daemon::syncer {

class Prefetcher {
 public:
  // The blocks of group [begin, end) of the writes, being retrieved.
  struct Fetch {
    size_t end = 0;
    std::unordered_set<common::BlockId> ids;
    std::optional<std::future<common::Result<std::vector<common::wire::Block>>>> blocks;
    std::shared_ptr<size_t> refused;  // blocks the pipe refused (written by its thread)
  };

  // Everything passed by reference must outlive the Prefetcher.
  Prefetcher(index::Index& index, LocalBlocks& local_blocks, remote::BlockPipe& pipe)
      : index_(index), local_blocks_(local_blocks), pipe_(pipe) {}

  // Starts retrieving the blocks of the group that begins at writes[begin] and does not need
  // what `coming` (the group before) brings; the group ends at the returned Fetch's end
  // (> begin). Only kWrite steps of files are looked at. IOError from the index.
  common::Result<Fetch> Start(const std::vector<Plan>& writes, size_t begin,
                              const std::unordered_set<common::BlockId>& coming);
  // Waits for `fetch` and puts its blocks into `group`. Unavailable when the blockserver is
  // down; any other failure (a bad answer) is returned too, and leaves each file of the group
  // to fetch its own blocks.
  common::Status Receive(Fetch& fetch, DownloadGroup& group);

  // Blocks refused as corrupt since the Prefetcher was made (in `refused`).
  const RoundStats& stats() const { return stats_; }

 private:
  index::Index& index_;
  LocalBlocks& local_blocks_;
  remote::BlockPipe& pipe_;
  RoundStats stats_;
};

}  // namespace tessera::daemon::syncer
