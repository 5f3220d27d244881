// blockserver/engine/sst_format.h
//
// Sorted string table (NNNNNN.sst): one sorted run of keys, immutable once written. All
// integers little-endian; varints are LEB128.
//
//   file        := header data_block+ index_block bloom_block footer
//   header      := magic:u64 "TSRSST01" | format_version:u32 (=1) | crc:u32       -> 16 bytes
//                  (crc = CRC-32C of the 12 bytes before it)
//   data_block  := body | compression:u8 (0 none, 1 zstd) | crc:u32
//                  (crc = CRC-32C of body and compression byte)
//                  decompressed body := entry*   (ascending keys, no duplicates)
//   entry       := key[32] | kind:u8 | kind 0 (value):     size:varint | bytes
//                                       kind 1 (blob):      file:varint | offset:varint |
//                                                           size:varint | value_crc:u32
//                                       kind 2 (tombstone): nothing
//   index_block := count:varint | (last_key[32] | offset:varint | stored_size:varint |
//                                  raw_size:varint){count} | crc:u32
//                  one entry per data block: the sparse index. stored_size counts the body
//                  only (the 5-byte trailer follows it); raw_size is the decompressed size.
//   bloom_block := num_probes:u8 | bits[...] | crc:u32
//   footer      := index_offset:u64 | index_size:u64 | bloom_offset:u64 | bloom_size:u64 |
//                  entry_count:u64 | format_version:u32 | crc:u32 | magic:u64    -> 56 bytes
//                  (crc = CRC-32C of the 44 bytes before it; sizes include each block's crc)
//
// Readers refuse a bad magic, an unknown version and every checksum failure, and bound every
// decompression by raw_size <= kMaxBlockBytes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tessera::blockserver::engine::sst {

inline constexpr uint64_t kMagic = 0x31305453'53525354ull;  // "TSRSST01" as little-endian bytes
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kHeaderBytes = 16;
inline constexpr size_t kFooterBytes = 56;
inline constexpr size_t kBlockTrailerBytes = 5;
inline constexpr uint8_t kNoCompression = 0;
inline constexpr uint8_t kZstdCompression = 1;
inline constexpr uint64_t kMaxBlockBytes = 256ull << 20;
inline constexpr uint64_t kMaxIndexBytes = 1ull << 30;
inline constexpr uint64_t kMaxBloomBytes = 1ull << 30;

}  // namespace tessera::blockserver::engine::sst
