// common/chunker/chunk_cache.h
//
// ChunkCache: the daemon's local store of blocks by id (the seed's read_chunk / save_chunk /
// check_chunk): one file per block under a directory, sharded by the first byte of the id into
// 256 subdirectories, zstd-compressed when that is smaller (layout in chunk_cache_format.h).
// Put is atomic (temp file, fsync, rename, fsync dir; a shard directory it creates is fsynced
// into the cache directory first): a crash leaves the old state or the new, never a torn block. Get
// verifies the SHA-256 of what it read; a mismatch is Corruption.
//
// Thread-safe: the only mutable state is two atomic flags per shard; concurrent Put of the same
// id writes the same bytes through separate temp files (in <dir>/tmp/). Several ChunkCache
// objects (or processes) may share a directory, but Open() empties <dir>/tmp/, so open it
// before others write to it, and Has() may miss a block that another object put into a shard
// this one has seen empty (a miss costs a download, never a wrong byte).
// `env` must outlive the cache.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/block_id.h"
#include "common/env.h"
#include "common/result.h"

namespace tessera::common::chunker {

class ChunkCache {
 public:
  struct Options {
    bool compress = true;  // store a zstd frame when it is smaller than the block
    int zstd_level = 3;
  };

  struct Usage {
    uint64_t blocks = 0;
    uint64_t bytes = 0;  // on disk (compressed sizes plus headers)
  };

  // Opens (creating if missing) the cache in `dir` and removes the temp files a crashed Put left
  // in <dir>/tmp/.
  // IOError/PermissionDenied if the directory cannot be created or listed.
  static Result<std::unique_ptr<ChunkCache>> Open(Env& env, std::string dir, Options options);
  static Result<std::unique_ptr<ChunkCache>> Open(Env& env, std::string dir) {
    return Open(env, std::move(dir), Options());
  }

  // Whether a file for `id` exists (its content is checked only by Get). No system call for a
  // shard that held no block at Open() and has had no Put since (an empty cache costs nothing).
  bool Has(const BlockId& id) const;

  // The block's bytes. NotFound if absent; Corruption (naming the id and file) if the file is
  // malformed or its content does not hash to `id` (the file is left for inspection; a Put of
  // the right bytes replaces it); IOError on read errors.
  Result<std::string> Get(const BlockId& id) const;

  // kSynced: the block survives a crash once Put returns. kUnsynced skips the fsyncs (for
  // blocks kept only as a convenience: a crash may leave the file torn or empty, which Get then
  // reports as Corruption).
  enum class Durability { kSynced, kUnsynced };

  // Stores `data` as block `id`. InvalidArgument if SHA-256(data) != id or data is larger than
  // kMaxChunkBytes; IOError/ResourceExhausted from the file system. Replacing an existing block
  // is allowed (it repairs a corrupt one).
  Status Put(const BlockId& id, std::string_view data,
             Durability durability = Durability::kSynced) const;

  // Removes the block; OK if it was absent.
  Status Remove(const BlockId& id) const;

  // Blocks and bytes on disk (lists every shard).
  Result<Usage> GetUsage() const;

  // Removes blocks until at most `max_bytes` are on disk, skipping those for which `keep`
  // returns true (e.g. blocks waiting for upload). Blocks go in id order, which is random order
  // since ids are hashes (random eviction). Returns what is left.
  Result<Usage> TrimTo(uint64_t max_bytes, const std::function<bool(const BlockId&)>& keep) const;

  // The file that holds `id`.
  std::string PathOf(const BlockId& id) const;
  const std::string& dir() const { return dir_; }

 private:
  ChunkCache(Env& env, std::string dir, Options options)
      : env_(env), dir_(std::move(dir)), options_(options) {}

  std::string ShardDir(std::string_view hex) const;
  // Calls fn(id, path, size) for every block file; stops at the first error fn returns.
  Status ForEachBlock(
      const std::function<Status(const BlockId&, const std::string&, uint64_t)>& fn) const;

  Env& env_;
  const std::string dir_;
  const Options options_;
  // Per shard (first byte of the id): whether it may hold a block file.
  mutable std::array<std::atomic<bool>, 256> may_hold_{};
  // Per shard: whether its directory is known durable in dir_ (there at Open(), or fsynced
  // into it by a synced Put since).
  mutable std::array<std::atomic<bool>, 256> shard_durable_{};
};

}  // namespace tessera::common::chunker
