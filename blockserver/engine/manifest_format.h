// blockserver/engine/manifest_format.h
//
// MANIFEST: the set of live files, rewritten whole and replaced atomically (temp file, fsync,
// rename, fsync dir: common::WriteFileAtomically) on every flush, compaction and blob GC.
// Integers little-endian, varints LEB128.
//
//   file    := magic:u64 "TSRMAN01" | format_version:u32 (=1) | body_size:u32 | body | crc:u32
//              (crc = CRC-32C of everything before it)
//   body    := next_file_number:varint | log_number:varint | last_sequence:varint |
//              run_count:varint | run_file_number:varint{run_count}      (newest run first)
//              blob_count:varint | blob_file_number:varint{blob_count}   (ascending)
//
// log_number: every log file numbered >= it may hold writes not yet in an SST and is replayed
// at open. Blob files are older log files kept because SSTs address values inside them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tessera::blockserver::engine::manifest {

inline constexpr uint64_t kMagic = 0x31304e41'4d525354ull;  // "TSRMAN01" as little-endian bytes
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kHeaderBytes = 16;
inline constexpr uint32_t kMaxBodyBytes = 64u << 20;
inline constexpr char kFileName[] = "MANIFEST";

}  // namespace tessera::blockserver::engine::manifest
