// common/chunker/line_chunker.h
//
// LineChunker: the streaming text chunker behind Chunker (use that class; this one is its
// engine). A chunk is a run of whole lines; a boundary goes after a line whose 64-bit hash
// passes a test weighted by the line's length, once the chunk has min_bytes; a chunk that
// reaches max_bytes is cut after its last complete line, or inside the line if that one line
// is longer than max_bytes. In kOneLinePerChunk mode every line end is a boundary. The rules
// are in docs/chunking.md; they depend only on the bytes, never on how they are split into
// Push() calls. Not thread-safe; one owner.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/chunker/chunk_params.h"

namespace tessera::common::chunker {

class LineChunker {
 public:
  // REQUIRES: params.method is kTextLines or kOneLinePerChunk and params.Validate() is OK.
  explicit LineChunker(const ChunkParams& params);

  // Consumes `data`; appends to `ends` the stream offsets just past each chunk it completes.
  void Push(std::string_view data, std::vector<uint64_t>& ends);
  // Ends the stream: appends the end of the final chunk if one is open, then resets.
  void Finish(std::vector<uint64_t>& ends);

  uint64_t position() const { return pos_; }

  // The boundary hash of a complete line (`line` without its '\n'). Exposed for tests.
  static uint64_t LineHash(std::string_view line);

 private:
  void Absorb(const char* p, size_t n);  // feeds line bytes (not the '\n') to the hash
  uint64_t FinishLineHash(uint64_t content_bytes);
  void OnLineEnd(std::vector<uint64_t>& ends);
  void Cut(uint64_t at, std::vector<uint64_t>& ends);

  const bool one_per_line_;
  const uint64_t min_bytes_;
  const uint64_t max_bytes_;
  // A line of L bytes (with its '\n') ends a chunk with probability L / spacing_; see .cc.
  const uint64_t spacing_;
  const uint64_t threshold_unit_;  // 2^32 / spacing_

  uint64_t pos_ = 0;            // bytes consumed
  uint64_t chunk_start_ = 0;    // offset of the open chunk
  uint64_t last_line_end_ = 0;  // last line end inside the open chunk; == chunk_start_ if none
  uint64_t line_start_ = 0;     // offset of the current (unfinished) line
  uint64_t hash_ = 0;           // line hash state over whole 8-byte words
  uint64_t tail_ = 0;           // pending bytes of the next word, little-endian
  uint32_t tail_bytes_ = 0;     // how many bytes tail_ holds (0..7)
};

}  // namespace tessera::common::chunker
