// tests/common/chunker/chunk_test_util.h
//
// Helpers for the chunker tests (and chunker_bench): random "typical" text and random bytes
// from a testutil::SplitMix64 (tests take a seeded testutil::Random, tests/testutil/random.h:
// TESSERA_TEST_SEED replays a failure, whose seed doctest prints), and a comparison of two
// chunk lists. Not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "tests/testutil/splitmix.h"

namespace tessera::common::chunker::testing {

using Random = testutil::SplitMix64;
using testutil::RandomBytes;

// One line of source-code-like text (no '\n'), 0..~120 bytes.
inline std::string RandomLine(Random& rnd) {
  static constexpr std::string_view kWords[] = {
      "int",   "return", "if",   "else", "for",      "while", "const", "auto", "std::string",
      "value", "count",  "(",    ")",    "{",        "}",     ";",     "=",    "+",
      "->",    "data",   "size", "path", "Status",   "ok()",  "//",    "the",  "block",
      "id",    "0",      "1",    "42",   "\"text\"", "x",     "y",     "<",    ">"};
  std::string line(rnd.Uniform(5) * 2, ' ');
  if (rnd.OneIn(12)) return "";
  const uint64_t words = 1 + rnd.Uniform(14);
  for (uint64_t i = 0; i < words; ++i) {
    if (i > 0) line += ' ';
    line += kWords[rnd.Uniform(std::size(kWords))];
  }
  return line;
}

// Lines of RandomLine, each ending in '\n'.
inline std::vector<std::string> RandomLines(Random& rnd, size_t count) {
  std::vector<std::string> lines;
  lines.reserve(count);
  for (size_t i = 0; i < count; ++i) lines.push_back(RandomLine(rnd) + "\n");
  return lines;
}

inline std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += p;
  return out;
}

// How two chunk lists differ: the common prefix and suffix (by content) and how many chunks of
// each side lie between them.
struct ChunkChange {
  size_t prefix = 0;
  size_t suffix = 0;
  size_t changed_old = 0;
  size_t changed_new = 0;
};

inline ChunkChange CompareChunks(const std::vector<std::string_view>& old_chunks,
                                 const std::vector<std::string_view>& new_chunks) {
  ChunkChange c;
  const size_t common = std::min(old_chunks.size(), new_chunks.size());
  while (c.prefix < common && old_chunks[c.prefix] == new_chunks[c.prefix]) ++c.prefix;
  while (c.suffix < common - c.prefix && old_chunks[old_chunks.size() - 1 - c.suffix] ==
                                             new_chunks[new_chunks.size() - 1 - c.suffix]) {
    ++c.suffix;
  }
  c.changed_old = old_chunks.size() - c.prefix - c.suffix;
  c.changed_new = new_chunks.size() - c.prefix - c.suffix;
  return c;
}

inline std::string Concat(const std::vector<std::string_view>& chunks) {
  std::string out;
  for (const auto c : chunks) out += c;
  return out;
}

}  // namespace tessera::common::chunker::testing
