#include "blockserver/engine/bloom.h"

#include <algorithm>
#include <cstring>

namespace tessera::blockserver::engine {

namespace {

uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return x;
}

void Hashes(const BlockId& key, uint64_t& h1, uint64_t& h2) {
  uint64_t w[4];
  std::memcpy(w, key.data(), sizeof w);
  h1 = Mix(w[0] ^ w[2]);
  h2 = Mix(w[1] ^ w[3]) | 1;
}

}  // namespace

std::string BuildBloom(const std::vector<BlockId>& keys, int bits_per_key) {
  bits_per_key = std::clamp(bits_per_key, 1, 64);
  const int probes = std::clamp(static_cast<int>(bits_per_key * 0.69), 1, 30);
  const uint64_t bits = std::max<uint64_t>(64, keys.size() * static_cast<uint64_t>(bits_per_key));
  const uint64_t bytes = (bits + 7) / 8;
  std::string out(1 + bytes, '\0');
  out[0] = static_cast<char>(probes);
  const uint64_t nbits = bytes * 8;
  for (const BlockId& key : keys) {
    uint64_t h1, h2;
    Hashes(key, h1, h2);
    for (int i = 0; i < probes; ++i) {
      const uint64_t bit = (h1 + static_cast<uint64_t>(i) * h2) % nbits;
      out[1 + bit / 8] =
          static_cast<char>(static_cast<uint8_t>(out[1 + bit / 8]) | (1u << (bit % 8)));
    }
  }
  return out;
}

bool BloomMayContain(std::string_view filter, const BlockId& key) {
  if (filter.size() < 2) return true;
  const int probes = static_cast<uint8_t>(filter[0]);
  if (probes == 0 || probes > 30) return true;
  const uint64_t nbits = (filter.size() - 1) * 8;
  uint64_t h1, h2;
  Hashes(key, h1, h2);
  for (int i = 0; i < probes; ++i) {
    const uint64_t bit = (h1 + static_cast<uint64_t>(i) * h2) % nbits;
    if ((static_cast<uint8_t>(filter[1 + bit / 8]) & (1u << (bit % 8))) == 0) return false;
  }
  return true;
}

}  // namespace tessera::blockserver::engine
