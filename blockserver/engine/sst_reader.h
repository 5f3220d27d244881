// blockserver/engine/sst_reader.h
//
// SstReader opens one SST file (layout in sst_format.h): it verifies and keeps the header,
// footer, sparse index and bloom filter in memory and reads data blocks on demand through the
// optional BlockCache. Open refuses a bad magic, an unknown version or a checksum failure with
// kCorruption; every block read verifies its CRC too.
// Thread-safe after Open (all methods are const; reads use pread). The file object is owned;
// the cache (if any) must outlive the reader.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "blockserver/engine/block_cache.h"
#include "blockserver/engine/entry.h"
#include "blockserver/engine/iterator.h"
#include "common/env.h"

namespace tessera::blockserver::engine {

struct SstIndexEntry {
  BlockId last_key;
  uint64_t offset = 0;
  uint64_t stored_size = 0;  // body bytes on disk, without the 5-byte trailer
  uint64_t raw_size = 0;     // decompressed size
};

class SstReader {
 public:
  // `file_number` keys the cache; `name` is used in messages.
  static common::Result<std::shared_ptr<SstReader>> Open(
      std::unique_ptr<common::RandomAccessFile> file, std::string name, uint64_t file_number,
      BlockCache* cache);
  static common::Result<std::shared_ptr<SstReader>> Open(common::Env& env, const std::string& path,
                                                         uint64_t file_number, BlockCache* cache);

  // The entry for `key` (a tombstone counts), or nullopt if the file has none.
  common::Result<std::optional<Entry>> Get(const BlockId& key) const;
  // Bloom filter check: false means the key is certainly not in this file.
  bool MayContain(const BlockId& key) const;
  // Iterates every entry; the reader must outlive the iterator. `fill_cache` false keeps a
  // full scan (compaction, check) from flushing the cache.
  std::unique_ptr<EntryIterator> NewIterator(bool fill_cache = false) const;

  // The decompressed, verified body of data block `i` (see index()).
  common::Result<std::shared_ptr<const std::string>> ReadBlock(size_t i, bool fill_cache) const;

  uint64_t file_number() const { return file_number_; }
  uint64_t file_size() const { return file_->Size(); }
  uint64_t entry_count() const { return entry_count_; }
  uint32_t format_version() const { return format_version_; }
  const std::vector<SstIndexEntry>& index() const { return index_; }
  // The bloom filter block without its CRC.
  const std::string& bloom() const { return bloom_; }
  const std::string& name() const { return name_; }

 private:
  SstReader() = default;
  common::Status Load();

  std::unique_ptr<common::RandomAccessFile> file_;
  std::string name_;
  uint64_t file_number_ = 0;
  BlockCache* cache_ = nullptr;
  uint32_t format_version_ = 0;
  uint64_t entry_count_ = 0;
  std::vector<SstIndexEntry> index_;
  std::string bloom_;
};

}  // namespace tessera::blockserver::engine
