// common/wire/block_batch_format.h
//
// The binary block batch frame (POST /v1/blocks/store_batch body, retrieve_batch response):
//
//   "TSB1"                                    4-byte magic and version
//   then, repeated until the end of the body, one record per block:
//   +-------------+-------------+------------------+----------------------+---------------+
//   | id: 32 B    | encoding: u8| raw_size: u32 LE | payload_size: u32 LE | payload       |
//   +-------------+-------------+------------------+----------------------+---------------+
//
// encoding 0: payload is the block (payload_size == raw_size); 1: payload is one zstd frame
// inflating to raw_size bytes; 2: payload is the 32-byte id of a base block the receiver holds
// followed by a librsync delta (common/rsync_delta.h) turning the base into the block of
// raw_size bytes; 0xFF: the block is missing (both sizes 0). Any other encoding is refused.
// An empty batch is just the magic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tessera::common::wire {

inline constexpr std::string_view kBlockBatchMagic = "TSB1";
inline constexpr size_t kBlockRecordHeaderBytes = 32 + 1 + 4 + 4;

enum class BlockEncoding : uint8_t {
  kRaw = 0,
  kZstd = 1,
  kRsyncDelta = 2,
  kMissing = 0xFF,
};

}  // namespace tessera::common::wire
