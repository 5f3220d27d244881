#include "common/chunker/chunk_params.h"

#include <algorithm>
#include <bit>

namespace tessera::common::chunker {

namespace {

uint32_t ScaledAverage(uint64_t file_size, uint32_t floor) {
  const uint64_t per_chunk = (file_size + kTargetChunksPerFile - 1) / kTargetChunksPerFile;
  const uint64_t clamped = std::clamp<uint64_t>(per_chunk, floor, kMaxAvgBytes);
  return static_cast<uint32_t>(std::bit_ceil(clamped));
}

}  // namespace

std::string_view ChunkMethodName(ChunkMethod method) {
  switch (method) {
    case ChunkMethod::kTextLines:
      return "lines";
    case ChunkMethod::kOneLinePerChunk:
      return "one-line";
    case ChunkMethod::kGear:
      return "gear";
  }
  return "unknown";
}

ChunkParams ChunkParams::WithAverage(ChunkMethod method, uint32_t avg_bytes) {
  ChunkParams p;
  p.method = method;
  p.avg_bytes = avg_bytes;
  p.min_bytes = method == ChunkMethod::kGear ? avg_bytes / 4 : 0;
  p.max_bytes = static_cast<uint32_t>(std::min<uint64_t>(uint64_t{avg_bytes} * 8, kMaxChunkBytes));
  return p;
}

ChunkParams ChunkParams::ForText(uint64_t file_size) {
  return WithAverage(ChunkMethod::kTextLines, ScaledAverage(file_size, kMinTextAvgBytes));
}

ChunkParams ChunkParams::ForBinary(uint64_t file_size) {
  return WithAverage(ChunkMethod::kGear, ScaledAverage(file_size, kMinBinaryAvgBytes));
}

ChunkParams ChunkParams::OneLinePerChunk(uint32_t max_bytes) {
  ChunkParams p;
  p.method = ChunkMethod::kOneLinePerChunk;
  p.min_bytes = 0;
  p.avg_bytes = 0;
  p.max_bytes = max_bytes;
  return p;
}

Status ChunkParams::Validate() const {
  if (max_bytes == 0 || max_bytes > kMaxChunkBytes) {
    return InvalidArgument("chunk params: max_bytes out of range: " + ToString());
  }
  if (method == ChunkMethod::kOneLinePerChunk) return Status::Ok();
  if (method != ChunkMethod::kTextLines && method != ChunkMethod::kGear) {
    return InvalidArgument("chunk params: unknown method");
  }
  if (!std::has_single_bit(avg_bytes) || !(min_bytes < avg_bytes && avg_bytes < max_bytes)) {
    return InvalidArgument("chunk params: need min < avg < max, avg a power of two: " + ToString());
  }
  if (method == ChunkMethod::kGear && min_bytes < 64) {
    return InvalidArgument("chunk params: gear needs min_bytes >= 64: " + ToString());
  }
  return Status::Ok();
}

std::string ChunkParams::ToString() const {
  return std::string(ChunkMethodName(method)) + " min=" + std::to_string(min_bytes) +
         " avg=" + std::to_string(avg_bytes) + " max=" + std::to_string(max_bytes);
}

}  // namespace tessera::common::chunker
