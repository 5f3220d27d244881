#include "common/chunker/line_chunker.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "common/check.h"

namespace tessera::common::chunker {

namespace {

// Line hash: 8-byte little-endian words of the line (counted from the line's first byte, the
// last word zero-padded), each mixed into a 64-bit state, then the byte count, then the murmur3
// finalizer. Words make it fast; counting them from the line start makes it independent of how
// the stream was split. These constants are part of kChunkingVersion.
constexpr uint64_t kLineSeed = 0x6c696e6568617368ull;  // "linehash"
constexpr uint64_t kMulA = 0x9e3779b97f4a7c15ull;
constexpr uint64_t kMulB = 0xc2b2ae3d27d4eb4full;

inline uint64_t Mix(uint64_t h, uint64_t word) { return std::rotl(h ^ (word * kMulB), 31) * kMulA; }

inline uint64_t FMix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ull;
  k ^= k >> 33;
  return k;
}

inline uint64_t LoadLe(const char* p, size_t n) {  // n <= 8
  uint64_t w = 0;
  std::memcpy(&w, p, n);
  if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w) >> (64 - 8 * n);
  return w;
}

}  // namespace

LineChunker::LineChunker(const ChunkParams& params)
    : one_per_line_(params.method == ChunkMethod::kOneLinePerChunk),
      min_bytes_(params.min_bytes),
      max_bytes_(params.max_bytes),
      spacing_(one_per_line_ ? 1 : params.avg_bytes - params.min_bytes),
      threshold_unit_((uint64_t{1} << 32) / spacing_),
      hash_(kLineSeed) {
  TESSERA_CHECK(params.Validate().ok());
  TESSERA_CHECK(params.method == ChunkMethod::kTextLines ||
                params.method == ChunkMethod::kOneLinePerChunk);
}

uint64_t LineChunker::LineHash(std::string_view line) {
  LineChunker c(ChunkParams::ForText(0));
  c.Absorb(line.data(), line.size());
  return c.FinishLineHash(line.size());
}

void LineChunker::Absorb(const char* p, size_t n) {
  if (n == 0) return;
  if (tail_bytes_ > 0) {
    const size_t take = std::min<size_t>(n, 8 - tail_bytes_);
    tail_ |= LoadLe(p, take) << (8 * tail_bytes_);
    tail_bytes_ += static_cast<uint32_t>(take);
    p += take;
    n -= take;
    if (tail_bytes_ < 8) return;
    hash_ = Mix(hash_, tail_);
    tail_ = 0;
    tail_bytes_ = 0;
  }
  uint64_t h = hash_;
  for (; n >= 8; p += 8, n -= 8) h = Mix(h, LoadLe(p, 8));
  hash_ = h;
  if (n > 0) {
    tail_ = LoadLe(p, n);
    tail_bytes_ = static_cast<uint32_t>(n);
  }
}

uint64_t LineChunker::FinishLineHash(uint64_t content_bytes) {
  uint64_t h = hash_;
  if (tail_bytes_ > 0) h = Mix(h, tail_);
  h = FMix64(h ^ (content_bytes * kMulA));
  hash_ = kLineSeed;
  tail_ = 0;
  tail_bytes_ = 0;
  return h;
}

void LineChunker::Cut(uint64_t at, std::vector<uint64_t>& ends) {
  ends.push_back(at);
  chunk_start_ = at;
  last_line_end_ = at;
}

void LineChunker::OnLineEnd(std::vector<uint64_t>& ends) {
  const uint64_t line_bytes = pos_ - line_start_;  // with its '\n'
  const uint64_t chunk_bytes = pos_ - chunk_start_;
  line_start_ = pos_;
  bool cut = true;
  if (!one_per_line_) {
    const uint64_t h = FinishLineHash(line_bytes - 1);
    // A line of L bytes ends the chunk with probability L / spacing_ (1 for L >= spacing_), so
    // chunks hold about spacing_ bytes past min_bytes whatever the line lengths are.
    const bool chosen = line_bytes >= spacing_ || (h >> 32) < line_bytes * threshold_unit_;
    cut = (chosen && chunk_bytes >= min_bytes_) || chunk_bytes == max_bytes_;
  }
  if (cut) {
    Cut(pos_, ends);
  } else {
    last_line_end_ = pos_;
  }
}

void LineChunker::Push(std::string_view data, std::vector<uint64_t>& ends) {
  const char* p = data.data();
  size_t n = data.size();
  while (n > 0) {
    // Invariant: the open chunk is shorter than max_bytes_, so room >= 1.
    const uint64_t room = chunk_start_ + max_bytes_ - pos_;
    const size_t limit = static_cast<size_t>(std::min<uint64_t>(n, room));
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', limit));
    if (nl != nullptr) {
      const size_t k = static_cast<size_t>(nl - p);
      if (!one_per_line_) Absorb(p, k);
      pos_ += k + 1;
      p += k + 1;
      n -= k + 1;
      OnLineEnd(ends);
    } else {
      if (!one_per_line_) Absorb(p, limit);
      pos_ += limit;
      p += limit;
      n -= limit;
      if (pos_ - chunk_start_ == max_bytes_) {
        // Full in the middle of a line: end the chunk after its last whole line; only a single
        // line longer than max_bytes_ is split.
        Cut(last_line_end_ > chunk_start_ ? last_line_end_ : pos_, ends);
      }
    }
  }
}

void LineChunker::Finish(std::vector<uint64_t>& ends) {
  if (pos_ > chunk_start_) Cut(pos_, ends);  // the last line may lack its '\n'
  pos_ = chunk_start_ = last_line_end_ = line_start_ = 0;
  hash_ = kLineSeed;
  tail_ = 0;
  tail_bytes_ = 0;
}

}  // namespace tessera::common::chunker
