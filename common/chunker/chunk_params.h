// common/chunker/chunk_params.h
//
// ChunkParams: which chunking method to use and its size limits, plus the rules that scale the
// sizes with the file size (docs/chunking.md). A value type; thread-compatible.
//
// The parameters and the hash constants in line_chunker.cc / gear_table.h decide every block
// boundary, hence every block id: changing any of them does not break correctness (a block is
// whatever bytes it holds) but ends deduplication against data chunked before. Treat them as a
// format: kChunkingVersion names them.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace tessera::common::chunker {

// Bump when any rule or constant that moves a boundary changes.
inline constexpr uint32_t kChunkingVersion = 1;

enum class ChunkMethod : uint8_t {
  kTextLines,        // runs of whole lines, boundary after a line chosen by its hash
  kOneLinePerChunk,  // every line is its own chunk (lines longer than max are split)
  kGear,             // FastCDC-style gear hash over bytes, for binary files
};

std::string_view ChunkMethodName(ChunkMethod method);  // "lines", "one-line", "gear"

// Smallest and largest average chunk sizes the scaling rules choose.
inline constexpr uint32_t kMinTextAvgBytes = 1u << 10;     // 1 KiB
inline constexpr uint32_t kMinBinaryAvgBytes = 16u << 10;  // 16 KiB
inline constexpr uint32_t kMaxAvgBytes = 1u << 20;         // 1 MiB
// The averages grow (in powers of two) so that a file has about this many chunks at most,
// until kMaxAvgBytes caps them (files beyond 8 GiB then have more).
inline constexpr uint64_t kTargetChunksPerFile = 8192;
// Absolute upper bound of any chunk: wire::kMaxBlockBytes.
inline constexpr uint32_t kMaxChunkBytes = 16u << 20;

struct ChunkParams {
  ChunkMethod method = ChunkMethod::kTextLines;
  // A content-chosen boundary is not taken before a chunk has min_bytes (the last chunk and
  // chunks cut at max may be shorter). 0 for text: every line decides alone, which is what
  // keeps an edit's effect to its own chunk and at most one neighbour (a minimum would let a
  // boundary that it suppressed reappear after an edit and shift the next ones).
  uint32_t min_bytes = 0;
  // The expected chunk size; a power of two.
  uint32_t avg_bytes = 0;
  // No chunk is longer; a chunk that reaches it is cut (at a line end if it has one).
  uint32_t max_bytes = 0;

  // The rules of docs/chunking.md for a file of `file_size` bytes:
  //   avg = clamp(next_pow2(ceil(file_size / kTargetChunksPerFile)), floor, kMaxAvgBytes)
  //   max = min(avg * 8, kMaxChunkBytes)
  //   min = 0 for text, avg / 4 for binary
  // with floor = kMinTextAvgBytes for text and kMinBinaryAvgBytes for binary.
  static ChunkParams ForText(uint64_t file_size);
  static ChunkParams ForBinary(uint64_t file_size);
  // One line per chunk; lines longer than `max_bytes` are split.
  static ChunkParams OneLinePerChunk(uint32_t max_bytes = kMaxChunkBytes);
  // The sizes above for an explicit average (a power of two; check with Validate()).
  static ChunkParams WithAverage(ChunkMethod method, uint32_t avg_bytes);

  // InvalidArgument unless: max_bytes in [1, kMaxChunkBytes]; for kTextLines and kGear,
  // avg_bytes is a power of two and min_bytes < avg_bytes < max_bytes, with min_bytes >= 64 for
  // kGear.
  Status Validate() const;

  std::string ToString() const;  // "gear min=4096 avg=16384 max=131072"
  bool operator==(const ChunkParams&) const = default;
};

}  // namespace tessera::common::chunker
