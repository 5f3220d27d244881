// blockserver/engine/wal_reader.h
//
// WalReader reads the records of one log file front to back (layout in wal_format.h) and tells
// a clean end from a torn tail from corruption; DecodeBatchPayload parses a batch record.
// Not thread-safe; one reader per recovery pass. The file must outlive the reader.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "blockserver/engine/entry.h"
#include "common/env.h"

namespace tessera::blockserver::engine {

struct DecodedOp {
  bool is_delete = false;
  BlockId key;
  std::string_view value;     // points into the payload
  uint64_t value_offset = 0;  // offset of the value bytes within the payload
  uint32_t value_crc = 0;
};

struct DecodedBatch {
  uint64_t sequence = 0;
  std::vector<DecodedOp> ops;
};

// Parses a batch payload; kCorruption if it is malformed or a value's CRC does not match.
common::Result<DecodedBatch> DecodeBatchPayload(std::string_view payload);

class WalReader {
 public:
  enum class Outcome {
    kRecord,  // a record was read
    kEnd,     // clean end of file
    kTorn,    // an incomplete or unverifiable final record (see torn_reason())
  };

  // `name` is used in messages.
  WalReader(const common::RandomAccessFile& file, std::string name)
      : file_(file), name_(std::move(name)) {}

  // Reads the next record's payload into `payload`; `payload_offset` receives the file offset
  // of its first byte. kCorruption for a bad checksum followed by more data, a bad header, an
  // unknown version or record type; kIOError if the file cannot be read.
  common::Result<Outcome> Next(std::string& payload, uint64_t& payload_offset);

  // The log number from the header (valid after the first Next() returned kRecord or kEnd).
  uint64_t log_number() const { return log_number_; }
  // Why the tail was declared torn, and the offset where valid data ends.
  const std::string& torn_reason() const { return torn_reason_; }
  uint64_t valid_end() const { return offset_; }

 private:
  common::Result<Outcome> ReadHeader();
  common::Result<bool> RestIsZero(uint64_t from);
  Outcome Torn(std::string reason);

  const common::RandomAccessFile& file_;
  std::string name_;
  bool header_done_ = false;
  uint64_t log_number_ = 0;
  uint64_t offset_ = 0;
  std::string torn_reason_;
};

}  // namespace tessera::blockserver::engine
