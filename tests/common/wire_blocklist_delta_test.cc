#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "common/wire/blocklist_delta.h"
#include "common/wire/journal_messages.h"
#include "tests/testutil/random.h"

namespace tessera::common::wire {
namespace {

BlockRef Block(int n) {
  const std::string text = "block " + std::to_string(n);
  return BlockRef{BlockId::Of(text), static_cast<uint32_t>(text.size())};
}

std::vector<BlockRef> Blocks(std::initializer_list<int> ns) {
  std::vector<BlockRef> out;
  for (int n : ns) out.push_back(Block(n));
  return out;
}

TEST_CASE("blocklist delta: a one-block edit in the middle keeps the rest of the base") {
  std::vector<BlockRef> base;
  for (int i = 0; i < 5000; ++i) base.push_back(Block(i));
  std::vector<BlockRef> target = base;
  target[2500] = Block(-1);
  const BlocklistDelta delta = ComputeBlocklistDelta(base, target);
  CHECK(delta.keep_prefix == 2500);
  CHECK(delta.keep_suffix == 2499);
  REQUIRE(delta.blocks.size() == 1);
  CHECK(delta.blocks[0] == Block(-1));
  CHECK(DeltaPays(delta, target.size()));
  auto applied = ApplyBlocklistDelta(base, delta);
  REQUIRE(applied.ok());
  CHECK(*applied == target);
}

TEST_CASE("blocklist delta: edge cases round trip (empty lists, equal lists, append, truncate)") {
  const std::vector<std::pair<std::vector<BlockRef>, std::vector<BlockRef>>> cases = {
      {{}, {}},
      {{}, Blocks({1, 2})},
      {Blocks({1, 2}), {}},
      {Blocks({1, 2, 3}), Blocks({1, 2, 3})},
      {Blocks({1, 2, 3}), Blocks({1, 2, 3, 4})},
      {Blocks({1, 2, 3}), Blocks({0, 1, 2, 3})},
      {Blocks({1, 1, 1}), Blocks({1, 1})},
      {Blocks({1, 2, 1}), Blocks({1})},
  };
  for (const auto& [base, target] : cases) {
    const BlocklistDelta delta = ComputeBlocklistDelta(base, target);
    CHECK(delta.keep_prefix + delta.keep_suffix <= base.size());
    auto applied = ApplyBlocklistDelta(base, delta);
    REQUIRE(applied.ok());
    CHECK(*applied == target);
  }
  CHECK(ComputeBlocklistDelta(Blocks({1, 2, 3}), Blocks({1, 2, 3})).blocks.empty());
}

TEST_CASE("blocklist delta: Apply(base, Compute(base, t)) == t for random lists") {
  testutil::Random rng;
  for (int round = 0; round < 2000; ++round) {
    std::uniform_int_distribution<int> len(0, 40), sym(0, 6);
    std::vector<BlockRef> base, target;
    const int n = len(rng);
    for (int i = 0; i < n; ++i) base.push_back(Block(sym(rng)));
    // Half the targets are edits of the base, half unrelated lists.
    if (round % 2 == 0) {
      target = base;
      const int edits = sym(rng);
      for (int e = 0; e < edits; ++e) {
        std::uniform_int_distribution<size_t> at(0, target.size());
        const size_t pos = at(rng);
        switch (sym(rng) % 3) {
          case 0:
            target.insert(target.begin() + static_cast<std::ptrdiff_t>(pos), Block(sym(rng)));
            break;
          case 1:
            if (pos < target.size())
              target.erase(target.begin() + static_cast<std::ptrdiff_t>(pos));
            break;
          default:
            if (pos < target.size()) target[pos] = Block(100 + sym(rng));
        }
      }
    } else {
      const int m = len(rng);
      for (int i = 0; i < m; ++i) target.push_back(Block(sym(rng)));
    }
    const BlocklistDelta delta = ComputeBlocklistDelta(base, target);
    auto applied = ApplyBlocklistDelta(base, delta);
    REQUIRE(applied.ok());
    REQUIRE(*applied == target);
  }
}

TEST_CASE("blocklist delta: a hostile delta is InvalidArgument, never a crash") {
  const std::vector<BlockRef> base = Blocks({1, 2, 3});
  BlocklistDelta delta;
  SUBCASE("prefix beyond the base") { delta.keep_prefix = 4; }
  SUBCASE("suffix beyond the base") { delta.keep_suffix = 4; }
  SUBCASE("prefix and suffix overlap") {
    delta.keep_prefix = 2;
    delta.keep_suffix = 2;
  }
  SUBCASE("sums that would overflow") {
    delta.keep_prefix = UINT64_MAX;
    delta.keep_suffix = 2;
  }
  SUBCASE("the other overflow") {
    delta.keep_prefix = 1;
    delta.keep_suffix = UINT64_MAX;
  }
  auto applied = ApplyBlocklistDelta(base, delta);
  CHECK(applied.status().code() == Code::kInvalidArgument);
}

TEST_CASE("blocklist delta: applied to the wrong base, the digest catches it") {
  const std::vector<BlockRef> base = Blocks({1, 2, 3, 4});
  const std::vector<BlockRef> target = Blocks({1, 9, 3, 4});
  const BlocklistDelta delta = ComputeBlocklistDelta(base, target);
  REQUIRE(delta.digest.has_value());
  CHECK(*delta.digest == BlocklistDigest(target));
  CHECK(ApplyBlocklistDelta(base, delta).ok());
  // Same length, other blocks: bounds pass, the digest does not.
  CHECK(ApplyBlocklistDelta(Blocks({1, 2, 3, 5}), delta).status().code() == Code::kInvalidArgument);
  BlocklistDelta undigested = delta;
  undigested.digest.reset();
  CHECK(ApplyBlocklistDelta(Blocks({1, 2, 3, 5}), undigested).ok());
  // Sizes count too.
  std::vector<BlockRef> resized = target;
  resized[1].size += 1;
  CHECK(BlocklistDigest(resized) != BlocklistDigest(target));
}

TEST_CASE("blocklist delta: a result over kMaxBlocksPerFile blocks is refused") {
  std::vector<BlockRef> base(10, Block(1));
  BlocklistDelta delta;
  delta.keep_prefix = 10;
  delta.blocks.assign(kMaxBlocksPerFile - 5, Block(2));
  CHECK(ApplyBlocklistDelta(base, delta).status().code() == Code::kInvalidArgument);
  delta.blocks.resize(kMaxBlocksPerFile - 10);
  CHECK(ApplyBlocklistDelta(base, delta).ok());
}

TEST_CASE("blocklist delta: it pays only when it carries fewer than half the blocks") {
  BlocklistDelta delta;
  delta.blocks = Blocks({1, 2});
  CHECK(DeltaPays(delta, 5));
  CHECK(!DeltaPays(delta, 4));
  CHECK(!DeltaPays(BlocklistDelta{}, 0));
}

}  // namespace
}  // namespace tessera::common::wire
