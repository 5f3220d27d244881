// common/chunker/gear_table.h
//
// The gear table of the binary chunker: 256 fixed pseudo-random 64-bit values, one per byte
// value, generated at compile time by splitmix64 from a fixed seed. It decides binary block
// boundaries, so it must be identical on every machine and in every release: a test pins it.
// Never change the seed or the generator (that would be a new kChunkingVersion).
#pragma once

#include <array>
#include <cstdint>

namespace tessera::common::chunker {

inline constexpr uint64_t kGearSeed = 0x7465737365726131ull;  // "tessera1"

// splitmix64 (Steele, Lea, Flood 2014): advances `state` and returns the next output.
constexpr uint64_t SplitMix64(uint64_t& state) {
  state += 0x9e3779b97f4a7c15ull;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

constexpr std::array<uint64_t, 256> MakeGearTable() {
  std::array<uint64_t, 256> table{};
  uint64_t state = kGearSeed;
  for (auto& v : table) v = SplitMix64(state);
  return table;
}

inline constexpr std::array<uint64_t, 256> kGearTable = MakeGearTable();

}  // namespace tessera::common::chunker
