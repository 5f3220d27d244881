// blockserver/store/engine_block_store_format.h
//
// What EngineBlockStore keeps in its engine directory, besides the engine's own files
// (docs/engine.md). Shared by the store and anything that reads its values.
//
//   FORMAT                 "tessera-engine-block-store <version>\n", written atomically when
//                          the store is created, before any engine file exists. A directory
//                          with engine files but no FORMAT predates tagged values and is
//                          refused; a newer version is refused.
//
//   engine value:  +--------+--------------------------------------------------------+
//                  | tag u8 | payload                                                |
//                  +--------+--------------------------------------------------------+
//     tag 0 (raw):  payload is the block
//     tag 1 (zstd): payload is one zstd frame inflating to the block (<= kMaxBlockBytes);
//                   written only for blocks of at least kMinCompressBytes and when it is
//                   smaller than the block
//     tag 2 (ref):  a namespace reference (namespace_refs.h): payload is the block id's 32
//                   bytes, then the namespace name; the engine key is RefKey(ns, id)
//   The engine key of a block is its id (SHA-256 of the uncompressed block).
//   Format 2 added tag 2; a format 1 store is upgraded when opened (its FORMAT rewritten).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tessera::blockserver::block_store_format {

inline constexpr std::string_view kFormatFileName = "FORMAT";
inline constexpr std::string_view kFormatMagic = "tessera-engine-block-store";
inline constexpr uint32_t kFormatVersion = 2;
// The oldest format this build opens (and upgrades to kFormatVersion).
inline constexpr uint32_t kOldestFormatVersion = 1;

enum class ValueTag : uint8_t {
  kRaw = 0,
  kZstd = 1,
  kRef = 2,
};

inline constexpr int kZstdLevel = 3;
// Smaller blocks are stored raw: the engine keeps values this small inside SST data blocks
// (EngineOptions::blob_threshold_bytes), which it compresses 16 KiB at a time, better than one
// small value alone.
inline constexpr size_t kMinCompressBytes = 512;

}  // namespace tessera::blockserver::block_store_format
