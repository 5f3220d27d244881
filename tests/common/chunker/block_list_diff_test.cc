#include "common/chunker/block_list_diff.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace tessera::common::chunker {
namespace {

std::vector<wire::BlockRef> Refs(std::string_view letters) {
  std::vector<wire::BlockRef> refs;
  for (const char c : letters) {
    const std::string data(1, c);
    refs.push_back({BlockId::Of(data), 1});
  }
  return refs;
}

TEST_CASE("block list diff: equal lists, and lists that differ") {
  CHECK(CompareBlockLists(Refs("abc"), Refs("abc")).equal);
  CHECK(SameBlockLists(Refs("abc"), Refs("abc")));
  CHECK(CompareBlockLists(Refs(""), Refs("")).equal);
  CHECK(!CompareBlockLists(Refs("abc"), Refs("abd")).equal);
  CHECK(!CompareBlockLists(Refs("abc"), Refs("ab")).equal);
  CHECK(!CompareBlockLists(Refs("abc"), Refs("cba")).equal);  // order matters
  CHECK(!SameBlockLists(Refs("abc"), Refs("abcc")));
  // Same id, different size: not the same block reference.
  auto sized = Refs("abc");
  sized[1].size = 2;
  CHECK(!SameBlockLists(Refs("abc"), sized));
}

TEST_CASE("block list diff: new blocks of b and the replaced range") {
  struct Row {
    const char* a;
    const char* b;
    std::vector<size_t> new_in_b;
    size_t prefix, suffix;
  };
  const Row rows[] = {
      {"abcdef", "abXdef", {2}, 2, 3},     // one block edited
      {"abcdef", "abcXdef", {3}, 3, 3},    // one inserted
      {"abcdef", "abdef", {}, 2, 3},       // one deleted
      {"abcdef", "XYcdef", {0, 1}, 0, 4},  // edit at the start
      {"abc", "abcX", {3}, 3, 0},          // appended
      {"", "ab", {0, 1}, 0, 0},            // from empty
      {"ab", "", {}, 0, 0},                // to empty
      {"aaa", "aa", {}, 2, 0},             // prefix and suffix never overlap
      {"abc", "cab", {}, 0, 0},            // moved blocks are not new
      {"abc", "aXXc", {1, 2}, 1, 1},       // a new block twice
  };
  for (const Row& row : rows) {
    CAPTURE(row.a);
    CAPTURE(row.b);
    const auto a = Refs(row.a);
    const auto b = Refs(row.b);
    const BlockListDiff diff = CompareBlockLists(a, b);
    CHECK(diff.new_in_b == row.new_in_b);
    CHECK(diff.prefix == row.prefix);
    CHECK(diff.suffix == row.suffix);
    CHECK(diff.prefix + diff.suffix <= std::min(a.size(), b.size()));
  }
}

}  // namespace
}  // namespace tessera::common::chunker
