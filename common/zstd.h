// common/zstd.h
//
// Thin wrappers over libzstd for blocks on the wire and at rest. Decompression is always
// bounded: a frame whose content would exceed `max_bytes` is refused before (declared size) or
// while (undeclared size, streamed) it is inflated, so a decompression bomb costs at most
// `max_bytes` of memory. Pure functions; thread-safe (each call uses its own context).
#pragma once

#include <cstdint>
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

}  // namespace tessera::common::zstd
