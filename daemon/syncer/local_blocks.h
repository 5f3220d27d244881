// daemon/syncer/local_blocks.h
//
// LocalBlocks: the copies of blocks this daemon holds, for the uploader (delta bases for the
// blocks it stores) and the reconstructor (blocks a download need not fetch, delta bases for
// those it does): the chunk cache (<state>/cache: the blocks of text files kept as delta bases
// once the file is overwritten) and the local files the index says hold a block. Every block
// read is verified against its id (so the local files are read through the Env by plain path:
// what a symlink on the way could show is refused by the id). Owns the chunk cache and its trim
// schedule.
// Not thread-safe: the syncer thread's (it reads the index); the pipe's thread never calls it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/block_id.h"
#include "common/chunker/chunk_cache.h"
#include "common/env.h"
#include "common/log.h"
#include "common/result.h"
#include "daemon/index/index.h"

namespace tessera::daemon::syncer {

class LocalBlocks {
 public:
  // Opens the chunk cache in `cache_dir`. `env`, `index` and `log` must outlive the object;
  // `root` is the sync root the index's paths are relative to. IOError when the cache cannot
  // be opened.
  static common::Result<std::unique_ptr<LocalBlocks>> Open(common::Env& env, index::Index& index,
                                                           common::Logger& log, std::string root,
                                                           std::string cache_dir);

  // Whether the chunk cache has a file for `id` (not read, so not verified).
  bool Cached(const common::BlockId& id) const { return cache_->Has(id); }
  // The block from the chunk cache or a local file holding it, verified; NotFound when there is
  // no valid local copy (the files changed since they were indexed).
  common::Result<std::string> Get(const common::BlockId& id);
  // Keeps a block of a text file in the chunk cache (unsynced writes: a torn one is reported by
  // Get and looked for elsewhere), so that it can be a delta base after the file is
  // overwritten; trims the cache now and then. Failures are logged only.
  void Keep(const common::BlockId& id, std::string_view data);

 private:
  LocalBlocks(common::Env& env, index::Index& index, common::Logger& log, std::string root,
              std::unique_ptr<common::chunker::ChunkCache> cache)
      : env_(env), index_(index), log_(log), root_(std::move(root)), cache_(std::move(cache)) {}

  common::Env& env_;
  index::Index& index_;
  common::Logger& log_;
  const std::string root_;
  std::unique_ptr<common::chunker::ChunkCache> cache_;
  uint64_t bytes_since_trim_ = 0;  // put into cache_ since the last TrimTo
};

}  // namespace tessera::daemon::syncer
