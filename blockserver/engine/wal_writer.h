// blockserver/engine/wal_writer.h
//
// WalWriter appends records to one log file (layout in wal_format.h). EncodeBatchRecord builds
// the payload of a batch record and reports where each put's value lands, so the caller can
// index values by address instead of copying them again.
// Not thread-safe: the Engine's write thread is its only caller.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "blockserver/engine/entry.h"
#include "common/env.h"

namespace tessera::blockserver::engine {

// One operation of a batch record, borrowed from the caller.
struct WalOp {
  bool is_delete = false;
  const BlockId* key = nullptr;
  std::string_view value;
};

// Appends the payload of one batch record (sequence, count, ops) to `out`, which may already
// hold bytes (it is the whole record buffer: pass kRecordHeaderBytes of reserved room first).
// For each put, appends to `value_offsets` the offset of its value bytes within `out` and to
// `value_crcs` their CRC-32C.
void EncodeBatchPayload(uint64_t sequence, const std::vector<WalOp>& ops, std::string& out,
                        std::vector<uint64_t>& value_offsets, std::vector<uint32_t>& value_crcs);

class WalWriter {
 public:
  // Creates (truncating) `path` and appends the file header; nothing is durable until Sync().
  static common::Result<std::unique_ptr<WalWriter>> Create(common::Env& env,
                                                           const std::string& path,
                                                           uint64_t log_number);
  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;

  // `record` holds kRecordHeaderBytes of room followed by the payload; the header is filled in
  // here. Returns the file offset at which `record` starts. The record survives a crash only
  // once Sync() has returned OK. REQUIRES: payload size <= wal::kMaxRecordBytes.
  common::Result<uint64_t> AddRecord(std::string& record);
  common::Status Sync();
  common::Status Close();
  uint64_t Size() const { return file_->Size(); }
  uint64_t log_number() const { return log_number_; }

 private:
  WalWriter(std::unique_ptr<common::WritableFile> file, uint64_t log_number)
      : file_(std::move(file)), log_number_(log_number) {}
  std::unique_ptr<common::WritableFile> file_;
  uint64_t log_number_;
};

}  // namespace tessera::blockserver::engine
