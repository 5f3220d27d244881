#include "blockserver/engine/block_cache.h"

namespace tessera::blockserver::engine {

namespace {
constexpr size_t kEntryOverhead = 64;  // list node + map slot, roughly
}

BlockCache::BlockCache(size_t capacity_bytes) : capacity_bytes_(capacity_bytes), shards_(kShards) {}

std::shared_ptr<const std::string> BlockCache::Lookup(uint64_t file_number, uint64_t offset) {
  if (capacity_bytes_ == 0) return nullptr;
  const Key k{file_number, offset};
  Shard& s = ShardFor(k);
  common::MutexLock lock(s.mutex);
  auto it = s.map.find(k);
  if (it == s.map.end()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  s.lru.splice(s.lru.begin(), s.lru, it->second);
  hits_.fetch_add(1, std::memory_order_relaxed);
  return it->second->second;
}

void BlockCache::Insert(uint64_t file_number, uint64_t offset,
                        std::shared_ptr<const std::string> value) {
  const size_t shard_capacity = capacity_bytes_ / kShards;
  const size_t charge = value->size() + kEntryOverhead;
  if (charge > shard_capacity) return;
  const Key k{file_number, offset};
  Shard& s = ShardFor(k);
  common::MutexLock lock(s.mutex);
  if (auto it = s.map.find(k); it != s.map.end()) {
    s.used -= it->second->second->size() + kEntryOverhead;
    s.lru.erase(it->second);
    s.map.erase(it);
  }
  s.lru.emplace_front(k, std::move(value));
  s.map.emplace(k, s.lru.begin());
  s.used += charge;
  while (s.used > shard_capacity && !s.lru.empty()) {
    auto& [old_key, old_value] = s.lru.back();
    s.used -= old_value->size() + kEntryOverhead;
    s.map.erase(old_key);
    s.lru.pop_back();
  }
}

size_t BlockCache::UsedBytes() const {
  size_t total = 0;
  for (const Shard& s : shards_) {
    common::MutexLock lock(s.mutex);
    total += s.used;
  }
  return total;
}

}  // namespace tessera::blockserver::engine
