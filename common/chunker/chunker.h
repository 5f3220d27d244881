// common/chunker/chunker.h
//
// Chunker: cuts a byte stream into content-defined chunks, fed incrementally so that files of
// any size are chunked in bounded memory (it keeps a few words of state, never the data).
// Text (ChunkMethod::kTextLines / kOneLinePerChunk) is cut into runs of whole lines, binary
// (kGear) by a FastCDC gear hash; the rules are in docs/chunking.md. The boundaries depend only
// on the bytes and the ChunkParams, never on how the stream is split into Push() calls.
// Pure: no I/O. Not thread-safe; one owner (use one Chunker per stream).
//
//   Chunker chunker(ChunkParams::ForText(file_size));
//   for (each buffer) for (uint64_t end : chunker.Push(buffer)) EndChunkAt(end);
//   for (uint64_t end : chunker.Finish()) EndChunkAt(end);
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "common/chunker/chunk_params.h"
#include "common/chunker/gear_chunker.h"
#include "common/chunker/line_chunker.h"

namespace tessera::common::chunker {

class Chunker {
 public:
  // REQUIRES: params.Validate() is OK (checked; aborts otherwise).
  explicit Chunker(const ChunkParams& params);

  // Consumes the next bytes of the stream. Returns the end offsets (counted from the start of
  // the stream, increasing) of the chunks these bytes completed. An end may lie before `data`:
  // a text chunk that fills up in the middle of a line ends after its last whole line, which
  // an earlier push may hold. The reference stays valid until the next call on this object.
  const std::vector<uint64_t>& Push(std::string_view data);

  // Ends the stream. Returns the end of the final chunk, or nothing if the stream was empty
  // (an empty file has no chunks). The chunker is then ready for a new stream at offset 0.
  const std::vector<uint64_t>& Finish();

  // Bytes pushed since the start of the current stream.
  uint64_t position() const;
  const ChunkParams& params() const { return params_; }

 private:
  ChunkParams params_;
  std::variant<LineChunker, GearChunker> engine_;
  std::vector<uint64_t> ends_;
};

// The end offsets of the chunks of `data` in one call (as Push(data) then Finish()).
std::vector<uint64_t> ChunkEnds(const ChunkParams& params, std::string_view data);

// The chunks of `data` as views into it; their concatenation is `data`.
std::vector<std::string_view> SplitIntoChunks(const ChunkParams& params, std::string_view data);

}  // namespace tessera::common::chunker
