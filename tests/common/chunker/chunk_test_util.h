// tests/common/chunker/chunk_test_util.h
//
// Helpers for the chunker tests: a seeded generator (the seed comes from TESSERA_TEST_SEED when
// set, so a failure can be replayed; tests CAPTURE it so doctest prints it on failure), random
// "typical" text and random bytes, and a comparison of two chunk lists. Not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::common::chunker::testing {

// The base seed of this run: TESSERA_TEST_SEED, or a fixed default.
inline uint64_t BaseSeed() {
  const char* env = std::getenv("TESSERA_TEST_SEED");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : 20240601;
}

// splitmix64; small, fast, and the same everywhere.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n > 0.
  uint64_t Uniform(uint64_t n) { return Next() % n; }
  bool OneIn(uint64_t n) { return Uniform(n) == 0; }

 private:
  uint64_t state_;
};

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

inline std::string RandomBytes(Random& rnd, size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t v = rnd.Next();
    for (size_t k = 0; k < 8 && i + k < n; ++k) out[i + k] = static_cast<char>(v >> (8 * k));
  }
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
