#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/chunker/chunker.h"
#include "tests/common/chunker/chunk_test_util.h"
#include "tests/testutil/random.h"

namespace tessera::common::chunker {
namespace {

using testing::CompareChunks;
using testing::Random;

void CheckBinaryInvariants(const ChunkParams& params, std::string_view data,
                           const std::vector<std::string_view>& chunks) {
  CHECK(testing::Concat(chunks) == data);
  for (size_t i = 0; i < chunks.size(); ++i) {
    CAPTURE(i);
    CHECK(chunks[i].size() <= params.max_bytes);
    if (i + 1 < chunks.size()) CHECK(chunks[i].size() > params.min_bytes);
    CHECK(!chunks[i].empty());
  }
}

TEST_CASE("gear chunker: chunks concatenate to the input and respect min and max") {
  for (uint64_t s = 0; s < 30; ++s) {
    testutil::Random rnd(testutil::Random::Stable{s});
    const std::string data = testing::RandomBytes(rnd, rnd.Uniform(2'000'000));
    const ChunkParams params = ChunkParams::WithAverage(ChunkMethod::kGear, 8192);
    CheckBinaryInvariants(params, data, SplitIntoChunks(params, data));
  }
  CHECK(ChunkEnds(ChunkParams::ForBinary(0), "").empty());
}

TEST_CASE("gear chunker: chunk sizes average about avg_bytes on random data") {
  testutil::Random rnd(testutil::Random::Stable{});
  const std::string data = testing::RandomBytes(rnd, 8'000'000);
  const ChunkParams params = ChunkParams::WithAverage(ChunkMethod::kGear, 16384);
  const auto chunks = SplitIntoChunks(params, data);
  const double mean = static_cast<double>(data.size()) / static_cast<double>(chunks.size());
  CAPTURE(mean);
  CHECK(mean > 0.7 * params.avg_bytes);
  CHECK(mean < 1.5 * params.avg_bytes);
}

TEST_CASE("gear chunker: inserting or deleting bytes near the start changes only a few chunks") {
  for (uint64_t s = 0; s < 20; ++s) {
    testutil::Random rnd(testutil::Random::Stable{s});
    const std::string old_data = testing::RandomBytes(rnd, 4'000'000);
    const ChunkParams params = ChunkParams::ForBinary(old_data.size());
    const size_t at = rnd.Uniform(50000);
    std::string new_data = old_data;
    if (rnd.OneIn(2)) {
      new_data.insert(at, testing::RandomBytes(rnd, 1 + rnd.Uniform(100)));
    } else {
      new_data.erase(at, 1 + rnd.Uniform(100));
    }
    const auto old_chunks = SplitIntoChunks(params, old_data);
    const auto new_chunks = SplitIntoChunks(params, new_data);
    REQUIRE(old_chunks.size() > 100);
    const auto change = CompareChunks(old_chunks, new_chunks);
    CAPTURE(change.changed_old);
    CAPTURE(change.changed_new);
    CHECK(change.changed_old <= 3);
    CHECK(change.changed_new <= 3);
  }
}

TEST_CASE("gear chunker: data without any boundary is cut at max") {
  const ChunkParams params = ChunkParams::WithAverage(ChunkMethod::kGear, 4096);
  const std::string zeros(10 * params.max_bytes + 5, '\0');
  const auto ends = ChunkEnds(params, zeros);
  REQUIRE(ends.size() == 11);
  for (size_t i = 0; i < 10; ++i) CHECK(ends[i] == (i + 1) * params.max_bytes);
  CHECK(ends.back() == zeros.size());
}

}  // namespace
}  // namespace tessera::common::chunker
