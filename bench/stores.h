// bench/stores.h
//
// The three stores the engine benchmark compares behind one small interface: Tessera's engine,
// RocksDB (optionally with BlobDB-style blob files) and SQLite (a BLOB table in WAL mode).
// Every PutBatch is durable when it returns (fsync per batch). Each store is used from the
// threads of one benchmark phase; Get/PutBatch are safe to call concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::bench {

using KV = std::pair<std::string_view, std::string_view>;  // 32-byte key, value

class Store {
 public:
  virtual ~Store() = default;
  // Durable on return. Returns false (after printing why) on failure.
  virtual bool PutBatch(const std::vector<KV>& batch) = 0;
  // Sets *found and *value_size; false on an error.
  virtual bool Get(std::string_view key, bool* found, size_t* value_size) = 0;
};

// kind: "tessera", "rocksdb", "rocksdb-blob", "sqlite". nullptr (after printing why) on failure.
std::unique_ptr<Store> OpenStore(const std::string& kind, const std::string& dir);

}  // namespace tessera::bench
