// blockserver/engine/bloom.h
//
// A Bloom filter over block ids for one SST (bits_per_key bits per key, ~1% false positives at
// 10). Keys are SHA-256 outputs, so probe positions come from the key bytes with a cheap mix
// (double hashing), not a second hash function. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "blockserver/engine/entry.h"

namespace tessera::blockserver::engine {

// Builds the filter block contents (num_probes byte + bit array; no crc) for `keys`.
std::string BuildBloom(const std::vector<BlockId>& keys, int bits_per_key);

// True if `key` may be in the set `filter` (as built by BuildBloom) was made from; a filter
// too short to hold a probe count says "maybe" for everything.
bool BloomMayContain(std::string_view filter, const BlockId& key);

}  // namespace tessera::blockserver::engine
