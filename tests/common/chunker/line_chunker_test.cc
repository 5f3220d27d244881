#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/chunker/chunker.h"
#include "tests/common/chunker/chunk_test_util.h"
#include "tests/testutil/random.h"

namespace tessera::common::chunker {
namespace {

using testing::CompareChunks;
using testing::Concat;
using testing::Join;
using testing::Random;
using testing::RandomLines;

// The invariants every text chunking must keep, whatever the input.
void CheckTextInvariants(const ChunkParams& params, std::string_view text,
                         const std::vector<std::string_view>& chunks) {
  CHECK(Concat(chunks) == text);
  for (size_t i = 0; i < chunks.size(); ++i) {
    CAPTURE(i);
    REQUIRE(!chunks[i].empty());
    CHECK(chunks[i].size() <= params.max_bytes);
    // Chunks end at line ends, except a split of a line longer than max and the end of input.
    const bool last = i + 1 == chunks.size();
    if (!last && chunks[i].back() != '\n') {
      CHECK(chunks[i].find('\n') == std::string_view::npos);
      CHECK(chunks[i].size() == params.max_bytes);
    }
  }
}

TEST_CASE("line chunker: chunks are runs of whole lines that concatenate to the input") {
  for (uint64_t s = 0; s < 40; ++s) {
    testutil::Random rnd(testutil::Random::Stable{s});
    const std::string text = Join(RandomLines(rnd, rnd.Uniform(3000)));
    const ChunkParams params = ChunkParams::ForText(text.size());
    const auto chunks = SplitIntoChunks(params, text);
    CheckTextInvariants(params, text, chunks);
  }
}

TEST_CASE("line chunker: random bytes with few newlines still concatenate back") {
  for (uint64_t s = 0; s < 20; ++s) {
    testutil::Random rnd(testutil::Random::Stable{s});
    std::string text = testing::RandomBytes(rnd, rnd.Uniform(200000));
    const ChunkParams params = ChunkParams::WithAverage(ChunkMethod::kTextLines, 1024);
    CheckTextInvariants(params, text, SplitIntoChunks(params, text));
  }
}

TEST_CASE("line chunker: the empty input has no chunks") {
  CHECK(ChunkEnds(ChunkParams::ForText(0), "").empty());
  CHECK(ChunkEnds(ChunkParams::OneLinePerChunk(), "").empty());
}

TEST_CASE("line chunker: a last line without a newline is kept whole in the last chunk") {
  testutil::Random rnd(testutil::Random::Stable{});
  std::string text = Join(RandomLines(rnd, 500)) + "no newline at the end";
  const ChunkParams params = ChunkParams::ForText(text.size());
  const auto chunks = SplitIntoChunks(params, text);
  CheckTextInvariants(params, text, chunks);
  REQUIRE(!chunks.empty());
  CHECK(chunks.back().ends_with("\nno newline at the end"));
  CHECK(SplitIntoChunks(params, "just one line") == std::vector<std::string_view>{"just one line"});
}

TEST_CASE("line chunker: one-line-per-chunk mode gives exactly one chunk per line") {
  const std::string text = "first\n\nthird line\r\n  indented\nlast without newline";
  const auto chunks = SplitIntoChunks(ChunkParams::OneLinePerChunk(), text);
  CHECK(chunks == std::vector<std::string_view>{"first\n", "\n", "third line\r\n", "  indented\n",
                                                "last without newline"});
  // A line longer than max is split into max-sized pieces; the next line starts a new chunk.
  const auto split = SplitIntoChunks(ChunkParams::OneLinePerChunk(4), "abcdefghij\nxy\n");
  CHECK(split == std::vector<std::string_view>{"abcd", "efgh", "ij\n", "xy\n"});
}

TEST_CASE("line chunker: a line longer than max is split, and the lines around it stay whole") {
  testutil::Random rnd(testutil::Random::Stable{});
  const std::string before = Join(RandomLines(rnd, 300));
  const std::string long_line(100'000, 'x');
  const std::string after = Join(RandomLines(rnd, 300));
  const std::string text = before + long_line + "\n" + after;
  const ChunkParams params = ChunkParams::WithAverage(ChunkMethod::kTextLines, 1024);
  const auto chunks = SplitIntoChunks(params, text);
  CheckTextInvariants(params, text, chunks);
  // Some chunk ends exactly where the long line starts, and one starts right after it.
  std::vector<uint64_t> ends = ChunkEnds(params, text);
  CHECK(std::find(ends.begin(), ends.end(), before.size()) != ends.end());
  CHECK(std::find(ends.begin(), ends.end(), before.size() + long_line.size() + 1) != ends.end());
  size_t pieces = 0;
  for (const auto c : chunks) pieces += c.find_first_not_of('x') == std::string_view::npos;
  CHECK(pieces == long_line.size() / params.max_bytes);  // the full-size pieces of the long line
}

TEST_CASE("line chunker: a line that fills a chunk exactly to max ends it") {
  const ChunkParams params = ChunkParams::WithAverage(ChunkMethod::kTextLines, 64);
  const std::string text = std::string(params.max_bytes - 1, 'a') + "\n" + "next\n";
  const auto chunks = SplitIntoChunks(params, text);
  CheckTextInvariants(params, text, chunks);
  REQUIRE(chunks.size() == 2);
  CHECK(chunks[0].size() == params.max_bytes);
}

TEST_CASE("line chunker: chunk sizes average about avg_bytes for typical text") {
  testutil::Random rnd(testutil::Random::Stable{});
  const std::string text = Join(RandomLines(rnd, 40000));
  const ChunkParams params = ChunkParams::WithAverage(ChunkMethod::kTextLines, 1024);
  const auto chunks = SplitIntoChunks(params, text);
  const double mean = static_cast<double>(text.size()) / static_cast<double>(chunks.size());
  CAPTURE(mean);
  CHECK(mean > 0.7 * params.avg_bytes);
  CHECK(mean < 1.5 * params.avg_bytes);
}

// Applies `edit` to a typical file many times and checks how many chunks change: the edited
// one, at most one neighbour when the edit makes or unmakes a boundary, and very rarely one more
// when a chunk cut at max_bytes is involved. Every chunk after that is identical: later
// boundaries did not move.
template <typename Edit>
void CheckEditLocality(Edit edit) {
  size_t single = 0, at_most_two = 0, total = 0;
  for (uint64_t s = 0; s < 300; ++s) {
    testutil::Random rnd(testutil::Random::Stable{s});
    std::vector<std::string> lines = RandomLines(rnd, 2000);
    const std::string old_text = Join(lines);
    const ChunkParams params = ChunkParams::ForText(old_text.size());
    edit(rnd, lines);
    const std::string new_text = Join(lines);
    const auto old_chunks = SplitIntoChunks(params, old_text);
    const auto new_chunks = SplitIntoChunks(params, new_text);
    REQUIRE(old_chunks.size() > 30);
    const auto change = CompareChunks(old_chunks, new_chunks);
    CAPTURE(change.changed_old);
    CAPTURE(change.changed_new);
    CHECK(change.changed_old <= 3);
    CHECK(change.changed_new <= 3);
    single += change.changed_new == 1 ? 1 : 0;
    at_most_two += change.changed_old <= 2 && change.changed_new <= 2 ? 1 : 0;
    ++total;
  }
  CAPTURE(single);
  CAPTURE(at_most_two);
  CHECK(static_cast<double>(single) >= 0.85 * static_cast<double>(total));
  CHECK(static_cast<double>(at_most_two) >= 0.99 * static_cast<double>(total));
}

TEST_CASE("line chunker: editing one line changes one chunk in typical files") {
  CheckEditLocality([](Random& rnd, std::vector<std::string>& lines) {
    std::string& line = lines[rnd.Uniform(lines.size())];
    line = testing::RandomLine(rnd) + " edited\n";
  });
}

TEST_CASE("line chunker: inserting a line keeps every later boundary") {
  CheckEditLocality([](Random& rnd, std::vector<std::string>& lines) {
    const size_t at = rnd.Uniform(lines.size() + 1);
    lines.insert(lines.begin() + static_cast<ptrdiff_t>(at), "inserted line\n");
  });
}

TEST_CASE("line chunker: deleting a line keeps every later boundary") {
  CheckEditLocality([](Random& rnd, std::vector<std::string>& lines) {
    lines.erase(lines.begin() + static_cast<ptrdiff_t>(rnd.Uniform(lines.size())));
  });
}

TEST_CASE("line hash: lines differing only in their first bytes hash differently") {
  std::vector<uint64_t> hashes;
  for (int i = 0; i < 1000; ++i) {
    hashes.push_back(LineChunker::LineHash(std::to_string(1000 + i) + std::string(200, 'z')));
  }
  std::sort(hashes.begin(), hashes.end());
  CHECK(std::unique(hashes.begin(), hashes.end()) == hashes.end());
  // Zero padding of the last word is not ambiguous: the length is part of the hash.
  CHECK(LineChunker::LineHash("a") != LineChunker::LineHash(std::string("a\0", 2)));
  CHECK(LineChunker::LineHash("") != LineChunker::LineHash(std::string(8, '\0')));
}

}  // namespace
}  // namespace tessera::common::chunker
