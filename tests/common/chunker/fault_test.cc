// Walks every fault point of the chunk cache's Put (FaultEnv fails the n-th mutating file-system
// operation, then power is cut) and checks that nothing is ever seen half-written.
#include <doctest/doctest.h>

#include <string>

#include "common/chunker/chunk_cache.h"
#include "tests/common/chunker/chunk_test_util.h"
#include "tests/testutil/fault_env.h"
#include "tests/testutil/random.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::common::chunker {
namespace {

TEST_CASE("chunk cache: every failed put leaves the block absent or whole, never corrupt") {
  testutil::Random rnd(testutil::Random::Stable{});
  const std::string data = testing::RandomBytes(rnd, 10000) + std::string(10000, 'z');
  const BlockId id = BlockId::Of(data);
  for (int fail_at = 0;; ++fail_at) {
    CAPTURE(fail_at);
    testutil::TempDir dir;
    PosixEnv posix;
    testutil::FaultEnv env(posix);
    auto cache = ChunkCache::Open(env, dir.path());
    REQUIRE(cache.ok());
    env.FailNthOperation(fail_at);
    const Status s = (*cache)->Put(id, data);
    const bool fired = env.fault_fired();
    CHECK(s.ok() == !fired);
    env.DropUnsyncedData();
    auto got = (*cache)->Get(id);
    if (s.ok()) {
      REQUIRE(got.ok());
      CHECK(*got == data);
    } else {
      CHECK((got.status().code() == Code::kNotFound || (got.ok() && *got == data)));
    }
    if (!fired) break;
  }
}

}  // namespace
}  // namespace tessera::common::chunker
