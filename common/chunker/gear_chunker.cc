#include "common/chunker/gear_chunker.h"

#include <algorithm>
#include <bit>

#include "common/check.h"
#include "common/chunker/gear_table.h"

namespace tessera::common::chunker {

namespace {

// The top `bits` bits set: in a gear hash the high bits depend on the most bytes (bit k sees the
// last k+1), so testing them gives the best spread.
uint64_t TopBits(int bits) { return bits <= 0 ? 0 : ~uint64_t{0} << (64 - bits); }

}  // namespace

GearChunker::GearChunker(const ChunkParams& params)
    : min_bytes_(params.min_bytes),
      avg_bytes_(params.avg_bytes),
      max_bytes_(params.max_bytes),
      mask_small_(TopBits(std::countr_zero(params.avg_bytes) + 2)),
      mask_large_(TopBits(std::countr_zero(params.avg_bytes) - 2)) {
  TESSERA_CHECK(params.Validate().ok());
  TESSERA_CHECK(params.method == ChunkMethod::kGear);
}

void GearChunker::Push(std::string_view data, std::vector<uint64_t>& ends) {
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  size_t n = data.size();
  while (n > 0) {
    if (chunk_bytes_ < min_bytes_) {  // nothing before min_bytes can be a boundary: skip it
      const size_t skip = static_cast<size_t>(std::min<uint64_t>(n, min_bytes_ - chunk_bytes_));
      chunk_bytes_ += skip;
      pos_ += skip;
      p += skip;
      n -= skip;
      continue;
    }
    const bool before_avg = chunk_bytes_ < avg_bytes_;
    const uint64_t mask = before_avg ? mask_small_ : mask_large_;
    const uint64_t stop = before_avg ? avg_bytes_ : max_bytes_;
    const size_t limit = static_cast<size_t>(std::min<uint64_t>(n, stop - chunk_bytes_));
    uint64_t h = hash_;
    size_t i = 0;
    bool found = false;
    while (i < limit) {
      h = (h << 1) + kGearTable[p[i++]];
      if ((h & mask) == 0) {
        found = true;
        break;
      }
    }
    hash_ = h;
    chunk_bytes_ += i;
    pos_ += i;
    p += i;
    n -= i;
    if (found || chunk_bytes_ == max_bytes_) {
      ends.push_back(pos_);
      chunk_bytes_ = 0;
      hash_ = 0;
    }
  }
}

void GearChunker::Finish(std::vector<uint64_t>& ends) {
  if (chunk_bytes_ > 0) ends.push_back(pos_);
  pos_ = 0;
  chunk_bytes_ = 0;
  hash_ = 0;
}

}  // namespace tessera::common::chunker
