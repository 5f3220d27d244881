// blockserver/engine/entry.h
//
// The value types shared by the engine's memtable, WAL, SST and read paths: where a key's value
// lives (inline bytes, or an address in a blob/log file) or that the key is deleted.
// Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <string>

#include "common/block_id.h"

namespace tessera::blockserver::engine {

using common::BlockId;

// Keys are block ids: exactly 32 bytes, uniformly distributed.
inline constexpr size_t kKeyBytes = BlockId::kSize;

// Where a value's bytes sit inside a log/blob file (log files double as blob files, see
// docs/engine.md). `crc` is the CRC-32C of the value bytes, checked on every read.
struct BlobAddress {
  uint64_t file_number = 0;
  uint64_t offset = 0;
  uint32_t size = 0;
  uint32_t crc = 0;
  bool operator==(const BlobAddress&) const = default;
};

enum class EntryKind : uint8_t {
  kValue = 0,      // value bytes held inline
  kBlob = 1,       // value bytes live at `blob`
  kTombstone = 2,  // the key was deleted
};

struct Entry {
  EntryKind kind = EntryKind::kTombstone;
  std::string value;  // kValue only
  BlobAddress blob;   // kBlob only
  // Size of the user value (0 for a tombstone).
  uint64_t ValueSize() const {
    return kind == EntryKind::kValue ? value.size() : kind == EntryKind::kBlob ? blob.size : 0;
  }
  bool operator==(const Entry&) const = default;
};

}  // namespace tessera::blockserver::engine
