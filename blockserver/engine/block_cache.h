// blockserver/engine/block_cache.h
//
// BlockCache: an LRU cache of decompressed SST data blocks and small blob values, bounded in
// bytes, keyed by (file number, offset). File numbers are never reused, so entries of deleted
// files are never hit again and simply age out. Values are shared immutable strings: a reader
// keeps its block alive after eviction.
// Thread-safe: 16 shards, each under its own mutex (held only for map/list updates).
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/mutex.h"
#include "common/thread_annotations.h"

namespace tessera::blockserver::engine {

class BlockCache {
 public:
  // capacity_bytes == 0 disables caching.
  explicit BlockCache(size_t capacity_bytes);
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  std::shared_ptr<const std::string> Lookup(uint64_t file_number, uint64_t offset);
  // Inserts (or replaces) and evicts least-recently-used entries beyond the shard's share.
  void Insert(uint64_t file_number, uint64_t offset, std::shared_ptr<const std::string> value);

  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }
  size_t capacity_bytes() const { return capacity_bytes_; }
  size_t UsedBytes() const;

 private:
  struct Key {
    uint64_t file;
    uint64_t offset;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return static_cast<size_t>((k.file * 0x9e3779b97f4a7c15ull) ^ k.offset);
    }
  };
  struct Shard {
    using Lru = std::list<std::pair<Key, std::shared_ptr<const std::string>>>;
    mutable common::Mutex mutex;
    Lru lru TESSERA_GUARDED_BY(mutex);  // front = newest
    std::unordered_map<Key, Lru::iterator, KeyHash> map TESSERA_GUARDED_BY(mutex);
    size_t used TESSERA_GUARDED_BY(mutex) = 0;
  };
  static constexpr size_t kShards = 16;
  Shard& ShardFor(const Key& k) { return shards_[KeyHash()(k) % kShards]; }

  const size_t capacity_bytes_;
  std::vector<Shard> shards_;
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace tessera::blockserver::engine
