// common/chunker/chunk_cache_format.h
//
// On-disk layout of one cached block, <cache dir>/<first 2 hex digits of id>/<64 hex digits>:
//
//   +--------+---------+-------+----------+---------------------+------------------------+
//   | magic  | version | codec | reserved | uncompressed size   | payload                |
//   | "TSCB" | u8 = 1  | u8    | u16 = 0  | u32 little-endian   | raw or one zstd frame  |
//   +--------+---------+-------+----------+---------------------+------------------------+
//    0        4         5       6          8                     12
//
// The block id (SHA-256 of the uncompressed bytes) is the checksum: a reader verifies it.
// A file with another magic or version, an unknown codec, a declared size over kMaxChunkBytes,
// or a payload that does not decompress to exactly the declared size is corrupt.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tessera::common::chunker::cache_format {

inline constexpr std::string_view kMagic = "TSCB";
inline constexpr uint8_t kVersion = 1;
inline constexpr size_t kHeaderBytes = 12;

enum class Codec : uint8_t {
  kRaw = 0,   // payload is the block
  kZstd = 1,  // payload is one zstd frame of the block
};

// A Put writes <dir>/tmp/<hex><kTempMarker><random>, then renames it into its shard; Open()
// empties <dir>/tmp/.
inline constexpr std::string_view kTempMarker = ".tmp-";

}  // namespace tessera::common::chunker::cache_format
