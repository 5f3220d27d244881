// blockserver/engine/memtable.h
//
// MemTable: the newest writes, in memory, hashed by key (point lookups cost one probe, not a
// walk of a tree of 32-byte keys) and sorted only when copied out. Large values are not held
// here, only their address in the log file that received them. A memtable covers the log files
// numbered [first_log, the first log of the next memtable) and remembers which of them hold
// values it addresses (those logs become blob files when it is flushed).
// Thread-safe: many readers, one writer (the engine's write thread) at a time; after the engine
// makes it immutable nothing writes to it.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "blockserver/engine/entry.h"
#include "common/mutex.h"
#include "common/thread_annotations.h"

namespace tessera::blockserver::engine {

class MemTable {
 public:
  explicit MemTable(uint64_t first_log) : first_log_(first_log) {}
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;

  // Inserts or replaces the entry for `key`.
  void Add(const BlockId& key, Entry entry);
  // The entry for `key` (a tombstone counts), or nullopt if this memtable has none.
  std::optional<Entry> Get(const BlockId& key) const;
  // A sorted copy of every entry.
  std::vector<std::pair<BlockId, Entry>> Snapshot() const;

  // Approximate memory use in bytes (entries plus container overhead).
  size_t ApproximateBytes() const;
  size_t Count() const;
  uint64_t first_log() const { return first_log_; }
  // Log files holding values that this memtable addresses.
  std::set<uint64_t> LogsWithBlobs() const;

 private:
  const uint64_t first_log_;
  mutable common::SharedMutex mutex_;
  std::unordered_map<BlockId, Entry> entries_ TESSERA_GUARDED_BY(mutex_);
  size_t bytes_ TESSERA_GUARDED_BY(mutex_) = 0;
  std::set<uint64_t> logs_with_blobs_ TESSERA_GUARDED_BY(mutex_);
};

}  // namespace tessera::blockserver::engine
