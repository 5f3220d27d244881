// common/chunker/gear_chunker.h
//
// GearChunker: the streaming binary chunker behind Chunker (use that class; this one is its
// engine). FastCDC (Xia et al., USENIX ATC 2016) with normalized chunking, level 2: no boundary
// before min_bytes; from min_bytes the gear hash h = (h << 1) + kGearTable[byte] runs, and a
// boundary follows the byte after which the top bits of h are all zero: log2(avg)+2 bits
// before avg_bytes, log2(avg)-2 bits from avg_bytes on; a chunk reaching max_bytes is cut.
// Boundaries depend only on the bytes, not on how they are split into Push() calls.
// Not thread-safe; one owner.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/chunker/chunk_params.h"

namespace tessera::common::chunker {

class GearChunker {
 public:
  // REQUIRES: params.method == kGear and params.Validate() is OK.
  explicit GearChunker(const ChunkParams& params);

  // Consumes `data`; appends to `ends` the stream offsets just past each chunk it completes.
  void Push(std::string_view data, std::vector<uint64_t>& ends);
  // Ends the stream: appends the end of the final chunk if one is open, then resets.
  void Finish(std::vector<uint64_t>& ends);

  uint64_t position() const { return pos_; }

 private:
  const uint64_t min_bytes_;
  const uint64_t avg_bytes_;
  const uint64_t max_bytes_;
  const uint64_t mask_small_;  // harder test, used before avg_bytes
  const uint64_t mask_large_;  // easier test, used from avg_bytes on

  uint64_t pos_ = 0;          // bytes consumed
  uint64_t chunk_bytes_ = 0;  // bytes in the open chunk
  uint64_t hash_ = 0;         // gear hash since min_bytes of the open chunk
};

}  // namespace tessera::common::chunker
