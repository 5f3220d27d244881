// common/zstd.h
//
// Thin wrappers over libzstd for blocks on the wire and at rest. Decompression is always
// bounded: a frame whose content would exceed `max_bytes` is refused before (declared size) or
// while (undeclared size, streamed) it is inflated, so a decompression bomb costs at most
// `max_bytes` of memory. The free functions are thread-safe (each call makes its own
// context); a Codec keeps its contexts between calls (making a context costs more than
// compressing a small body) and is not thread-safe: one per connection or thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace tessera::common::zstd {

inline constexpr int kDefaultLevel = 3;

// One zstd frame holding `data` (content size declared). `level` is clamped to zstd's range.
std::string Compress(std::string_view data, int level = kDefaultLevel);

// Inflates one or more concatenated zstd frames. ResourceExhausted if the content is (or is
// declared to be) larger than `max_bytes`; Corruption if `data` is not a complete, valid zstd
// stream (garbage, truncated, trailing bytes).
Result<std::string> Decompress(std::string_view data, uint64_t max_bytes);

// Compress and Decompress as above, reusing one compression and one decompression context.
class Codec {
 public:
  Codec();
  ~Codec();
  Codec(const Codec&) = delete;
  Codec& operator=(const Codec&) = delete;

  std::string Compress(std::string_view data, int level = kDefaultLevel);
  Result<std::string> Decompress(std::string_view data, uint64_t max_bytes);

 private:
  struct Contexts;
  std::unique_ptr<Contexts> ctx_;
};

}  // namespace tessera::common::zstd
