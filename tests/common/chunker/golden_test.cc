// Pins the chunking rules: block ids follow from the boundaries, so a change here would end
// deduplication against everything chunked before. If one of these fails, the change was not
// meant to ship; if it was, bump kChunkingVersion and say so in docs/chunking.md.
#include <doctest/doctest.h>

#include <string>

#include "common/block_id.h"
#include "common/chunker/chunker.h"
#include "common/chunker/gear_table.h"
#include "common/chunker/line_chunker.h"
#include "tests/common/chunker/chunk_test_util.h"
#include "tests/testutil/random.h"

namespace tessera::common::chunker {
namespace {

// A digest of a list of offsets, to pin long lists in one line.
std::string Digest(const std::vector<uint64_t>& ends) {
  std::string bytes;
  for (const uint64_t e : ends) bytes += std::to_string(e) + ",";
  return BlockId::Of(bytes).ToHex().substr(0, 16);
}

TEST_CASE("golden: the gear table is the same forever") {
  uint64_t state = 0;
  CHECK(SplitMix64(state) == 0xe220a8397b1dcdafull);  // the reference splitmix64 output
  CHECK(SplitMix64(state) == 0x6e789e6aa1b965f4ull);
  CHECK(kGearTable[0] == 0x74961adc018fb1d6ull);
  CHECK(kGearTable[1] == 0x51077eee58064aa1ull);
  CHECK(kGearTable[255] == 0xe2554e51c334b5c4ull);
  uint64_t x = 0;
  for (const uint64_t v : kGearTable) x ^= v;
  CHECK(x == 0x074dfa371f50ac00ull);
}

TEST_CASE("golden: the line hash is the same forever") {
  CHECK(LineChunker::LineHash("") == 0x9450fd13783ee4c4ull);
  CHECK(LineChunker::LineHash("int main() {") == 0x682a08ea73d7504dull);
  CHECK(LineChunker::LineHash(std::string(1000, 'q')) == 0x0adc29823aaa6a1bull);
}

TEST_CASE("golden: text and binary boundaries of fixed inputs are the same forever") {
  testutil::Random rnd(testutil::Random::Fixed{42});  // fixed on purpose: not TESSERA_TEST_SEED
  const std::string text = testing::Join(testing::RandomLines(rnd, 20000));
  const std::string bytes = testing::RandomBytes(rnd, 2'000'000);
  const auto text_ends = ChunkEnds(ChunkParams::ForText(text.size()), text);
  const auto one_line_ends = ChunkEnds(ChunkParams::OneLinePerChunk(), text);
  const auto gear_ends = ChunkEnds(ChunkParams::ForBinary(bytes.size()), bytes);
  CHECK(text.size() == 631746);
  CHECK(text_ends.size() == 628);
  CHECK(one_line_ends.size() == 20000);
  CHECK(gear_ends.size() == 114);
  CHECK(Digest(text_ends) == "da9f3bc50da53ed6");
  CHECK(Digest(one_line_ends) == "2638bdb6c20a795a");
  CHECK(Digest(gear_ends) == "d518aa5dc3e7efd3");
}

}  // namespace
}  // namespace tessera::common::chunker
