// tests/blockserver/engine/test_util.h
//
// Deterministic keys and values for the engine tests, and options that make flushes,
// compactions and log switches happen within a few kilobytes of writes.
#pragma once

#include <string>

#include "blockserver/engine/engine.h"
#include "common/block_id.h"

namespace tessera::blockserver::engine::testing {

inline BlockId KeyFor(uint64_t i) { return BlockId::Of("key-" + std::to_string(i)); }

// `size` bytes derived from `i` (not all equal, so a misplaced read shows).
inline std::string ValueFor(uint64_t i, size_t size) {
  std::string v(size, '\0');
  uint64_t x = i * 0x9e3779b97f4a7c15ull + 1;
  for (size_t j = 0; j < size; ++j) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    v[j] = static_cast<char>(x);
  }
  return v;
}

inline EngineOptions TinyOptions(const std::string& dir) {
  EngineOptions o;
  o.dir = dir;
  o.memtable_bytes = 4 << 10;
  o.max_log_bytes = 16 << 10;
  o.blob_threshold_bytes = 100;
  o.sst.block_bytes = 512;
  o.block_cache_bytes = 64 << 10;
  o.compaction_trigger_runs = 3;
  return o;
}

}  // namespace tessera::blockserver::engine::testing
