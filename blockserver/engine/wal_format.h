// blockserver/engine/wal_format.h
//
// Write-ahead log ("log file", NNNNNN.log). Every write batch is one record; log files are also
// the engine's blob files: a large value is never copied out of the log, the index holds its
// address (file number, offset of the value bytes, size, CRC) instead. All integers are
// little-endian.
//
//   file    := header record*
//   header  := magic:u64 "TSRLOG01" | format_version:u32 (=1) | log_number:u64 | crc:u32
//              (crc = CRC-32C of the 20 bytes before it)                      -> 24 bytes
//   record  := crc:u32 | length:u32 | type:u8 | payload[length]
//              (crc = CRC-32C of length, type and payload)
//   payload (type 1, a write batch) :=
//              sequence:u64 | count:u32 | op{count}
//   op      := kind:u8 (1 put, 2 delete) | key[32]
//              put only: value_size:varint | value_crc:u32 | value[value_size]
//
// Recovery: a record that is cut short by the end of the file, or whose CRC fails while it is
// the last record (or only zero bytes follow it), is a torn tail: in the newest log it is
// dropped with a log line; anywhere else it is corruption. A CRC failure with valid-looking data
// after it is corruption. An unknown magic or version is refused.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tessera::blockserver::engine::wal {

inline constexpr uint64_t kMagic = 0x3130474f'4c525354ull;  // "TSRLOG01" as little-endian bytes
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kHeaderBytes = 24;
inline constexpr size_t kRecordHeaderBytes = 9;  // crc + length + type
inline constexpr uint8_t kTypeBatch = 1;
inline constexpr uint32_t kMaxRecordBytes = 1u << 30;  // 1 GiB

inline constexpr uint8_t kOpPut = 1;
inline constexpr uint8_t kOpDelete = 2;
inline constexpr size_t kBatchHeaderBytes = 12;  // sequence + count

}  // namespace tessera::blockserver::engine::wal
