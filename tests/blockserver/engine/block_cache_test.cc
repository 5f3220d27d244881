#include "blockserver/engine/block_cache.h"

#include <doctest/doctest.h>

namespace tessera::blockserver::engine {
namespace {

TEST_CASE("block cache: stays within its byte budget and evicts the least recently used") {
  BlockCache cache(16 * 4096);  // 4 KiB per shard
  const auto value = std::make_shared<const std::string>(1000, 'v');
  for (uint64_t i = 0; i < 1000; ++i) cache.Insert(1, i * 16, value);
  CHECK(cache.UsedBytes() <= cache.capacity_bytes());
  CHECK(cache.Lookup(1, 999 * 16) != nullptr);  // newest survives
  CHECK(cache.Lookup(1, 0) == nullptr);         // oldest evicted
  CHECK(cache.hits() == 1);
  CHECK(cache.misses() == 1);
}

TEST_CASE("block cache: a zero budget caches nothing and oversized values are skipped") {
  BlockCache none(0);
  none.Insert(1, 1, std::make_shared<const std::string>("x"));
  CHECK(none.Lookup(1, 1) == nullptr);
  BlockCache small(16 * 100);
  small.Insert(1, 1, std::make_shared<const std::string>(5000, 'x'));
  CHECK(small.Lookup(1, 1) == nullptr);
}

}  // namespace
}  // namespace tessera::blockserver::engine
