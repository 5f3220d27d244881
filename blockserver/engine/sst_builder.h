// blockserver/engine/sst_builder.h
//
// SstBuilder writes one SST file (layout in sst_format.h) from entries added in ascending key
// order. Not thread-safe; one owner (the flush/compaction thread or a tool).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "blockserver/engine/entry.h"
#include "common/env.h"

namespace tessera::blockserver::engine {

struct SstOptions {
  size_t block_bytes = 16 * 1024;  // target uncompressed data block size
  int bloom_bits_per_key = 10;
  int zstd_level = 1;  // 0 stores blocks uncompressed
};

class SstBuilder {
 public:
  // Creates (truncating) `path`. The file is complete only after Finish() returned OK; a
  // builder dropped before that leaves a partial file the caller must remove.
  static common::Result<std::unique_ptr<SstBuilder>> Create(common::Env& env,
                                                            const std::string& path,
                                                            const SstOptions& options);
  SstBuilder(const SstBuilder&) = delete;
  SstBuilder& operator=(const SstBuilder&) = delete;

  // InvalidArgument unless `key` is greater than every key added before.
  common::Status Add(const BlockId& key, const Entry& entry);
  // Ends the current data block now (the next Add starts a new one). Used by `sst load` to
  // reproduce a dumped file's block boundaries.
  common::Status EndBlock() { return FlushBlock(); }
  // Writes the index, bloom filter and footer, fsyncs and closes. Returns the file size.
  common::Result<uint64_t> Finish();

  uint64_t entry_count() const { return entry_count_; }
  // Bytes written so far (the file size after Finish()).
  uint64_t FileSize() const { return file_->Size(); }

 private:
  SstBuilder(std::unique_ptr<common::WritableFile> file, const SstOptions& options)
      : file_(std::move(file)), options_(options) {}
  common::Status FlushBlock();

  std::unique_ptr<common::WritableFile> file_;
  SstOptions options_;
  std::string block_;  // the data block being filled
  std::string index_;  // encoded index entries (count is prepended at Finish)
  uint64_t index_count_ = 0;
  std::vector<BlockId> keys_;  // for the bloom filter
  bool has_last_key_ = false;
  BlockId last_key_;
  uint64_t entry_count_ = 0;
};

}  // namespace tessera::blockserver::engine
