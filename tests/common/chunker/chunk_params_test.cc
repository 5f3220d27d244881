#include "common/chunker/chunk_params.h"

#include <doctest/doctest.h>

namespace tessera::common::chunker {
namespace {

TEST_CASE("chunk params: averages scale with file size in powers of two, within bounds") {
  CHECK(ChunkParams::ForText(0).avg_bytes == 1024);
  CHECK(ChunkParams::ForText(8u << 20).avg_bytes == 1024);  // 8 MiB / 8192 = 1 KiB
  CHECK(ChunkParams::ForText((8u << 20) + 1).avg_bytes == 2048);
  CHECK(ChunkParams::ForText(1ull << 30).avg_bytes == 128u << 10);  // 1 GiB -> 128 KiB
  CHECK(ChunkParams::ForText(1ull << 40).avg_bytes == kMaxAvgBytes);
  CHECK(ChunkParams::ForBinary(0).avg_bytes == 16u << 10);
  CHECK(ChunkParams::ForBinary(128u << 20).avg_bytes == 16u << 10);
  CHECK(ChunkParams::ForBinary(1ull << 30).avg_bytes == 128u << 10);
  CHECK(ChunkParams::ForBinary(1ull << 50).avg_bytes == kMaxAvgBytes);
  for (uint64_t size = 1; size < (1ull << 44); size = size * 3 + 1) {
    CAPTURE(size);
    for (const ChunkParams p : {ChunkParams::ForText(size), ChunkParams::ForBinary(size)}) {
      CHECK(p.Validate().ok());
      CHECK(p.min_bytes == (p.method == ChunkMethod::kGear ? p.avg_bytes / 4 : 0));
      CHECK(p.max_bytes == p.avg_bytes * 8);
      CHECK(p.max_bytes <= kMaxChunkBytes);
      // Bounded number of chunks until the average is capped.
      if (p.avg_bytes < kMaxAvgBytes) CHECK(size / p.avg_bytes <= kTargetChunksPerFile);
    }
  }
}

TEST_CASE("chunk params: invalid parameters are refused") {
  CHECK(ChunkParams::OneLinePerChunk().Validate().ok());
  CHECK(!ChunkParams::OneLinePerChunk(0).Validate().ok());
  CHECK(!ChunkParams::OneLinePerChunk(kMaxChunkBytes + 1).Validate().ok());
  CHECK(!ChunkParams::WithAverage(ChunkMethod::kTextLines, 1000).Validate().ok());  // not 2^k
  CHECK(!ChunkParams::WithAverage(ChunkMethod::kGear, 128).Validate().ok());        // min < 64
  CHECK(ChunkParams::WithAverage(ChunkMethod::kGear, 256).Validate().ok());
  CHECK(!ChunkParams::WithAverage(ChunkMethod::kTextLines, 0).Validate().ok());
  ChunkParams p = ChunkParams::WithAverage(ChunkMethod::kTextLines, 1024);
  p.min_bytes = 2048;
  CHECK(p.Validate().code() == Code::kInvalidArgument);
  p = ChunkParams::WithAverage(ChunkMethod::kTextLines, 4u << 20);
  CHECK(p.max_bytes == kMaxChunkBytes);  // 32 MiB capped to 16 MiB
  CHECK(p.Validate().ok());
  p.method = static_cast<ChunkMethod>(7);
  CHECK(!p.Validate().ok());
  CHECK(ChunkParams::ForBinary(0).ToString() == "gear min=4096 avg=16384 max=131072");
}

}  // namespace
}  // namespace tessera::common::chunker
