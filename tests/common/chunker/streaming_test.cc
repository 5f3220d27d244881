#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/chunker/chunker.h"
#include "common/chunker/hashify.h"
#include "tests/common/chunker/chunk_test_util.h"
#include "tests/testutil/random.h"

namespace tessera::common::chunker {
namespace {

using testing::Random;

// Pushes `data` in pieces of random sizes (some empty, many tiny, a few large) and collects the
// boundaries.
std::vector<uint64_t> ChunkEndsInPieces(const ChunkParams& params, std::string_view data,
                                        Random& rnd) {
  Chunker chunker(params);
  std::vector<uint64_t> ends;
  size_t at = 0;
  while (at < data.size()) {
    size_t piece;
    switch (rnd.Uniform(4)) {
      case 0:
        piece = rnd.Uniform(3);
        break;  // 0..2 bytes
      case 1:
        piece = rnd.Uniform(17);
        break;  // around a word
      case 2:
        piece = rnd.Uniform(5000);
        break;
      default:
        piece = rnd.Uniform(200000);
        break;
    }
    piece = std::min(piece, data.size() - at);
    for (const uint64_t end : chunker.Push(data.substr(at, piece))) ends.push_back(end);
    at += piece;
    CHECK(chunker.position() == at);
  }
  for (const uint64_t end : chunker.Finish()) ends.push_back(end);
  return ends;
}

void CheckStreamingMatches(const ChunkParams& params, std::string_view data, Random& rnd) {
  const std::vector<uint64_t> whole = ChunkEnds(params, data);
  for (int round = 0; round < 5; ++round) {
    CAPTURE(round);
    CHECK(ChunkEndsInPieces(params, data, rnd) == whole);
  }
}

TEST_CASE("chunker: text boundaries are identical whatever the split points of the stream") {
  for (uint64_t s = 0; s < 20; ++s) {
    testutil::Random rnd(testutil::Random::Stable{s});
    std::string text = testing::Join(testing::RandomLines(rnd, 5000));
    text += std::string(rnd.Uniform(30000), 'L') + "\n";  // a long line, often over max
    text += testing::Join(testing::RandomLines(rnd, 500));
    CheckStreamingMatches(ChunkParams::WithAverage(ChunkMethod::kTextLines, 1024), text, rnd);
    CheckStreamingMatches(ChunkParams::OneLinePerChunk(64), text, rnd);
  }
}

TEST_CASE("chunker: binary boundaries are identical whatever the split points of the stream") {
  for (uint64_t s = 0; s < 10; ++s) {
    testutil::Random rnd(testutil::Random::Stable{s});
    const std::string data = testing::RandomBytes(rnd, 300000 + rnd.Uniform(300000));
    CheckStreamingMatches(ChunkParams::WithAverage(ChunkMethod::kGear, 4096), data, rnd);
    // Zeros never satisfy the gear test, so every chunk is cut at max.
    CheckStreamingMatches(ChunkParams::WithAverage(ChunkMethod::kGear, 4096),
                          std::string(100000, '\0'), rnd);
  }
}

TEST_CASE("chunker: after Finish the same object chunks a new stream from offset 0") {
  testutil::Random rnd(testutil::Random::Stable{});
  const std::string data = testing::RandomBytes(rnd, 100000);
  const ChunkParams params = ChunkParams::WithAverage(ChunkMethod::kGear, 4096);
  Chunker chunker(params);
  std::vector<uint64_t> first = chunker.Push(data);
  for (const uint64_t e : chunker.Finish()) first.push_back(e);
  std::vector<uint64_t> second = chunker.Push(data);
  for (const uint64_t e : chunker.Finish()) second.push_back(e);
  CHECK(first == second);
  CHECK(first == ChunkEnds(params, data));
}

// Pushes `text` in random pieces and checks the result against hashing it at once.
void CheckPiecewise(testutil::SplitMix64& rnd, size_t lines) {
  const std::string text = testing::Join(testing::RandomLines(rnd, lines));
  auto whole = HashifyBytes("a.txt", text);
  REQUIRE(whole.ok());
  BlockListBuilder builder(whole->params, true);
  size_t at = 0;
  while (at < text.size()) {
    const size_t piece = std::min<size_t>(rnd.Uniform(3000), text.size() - at);
    builder.Push(std::string_view(text).substr(at, piece));
    at += piece;
  }
  const FileChunks pieces = builder.Finish(FileFormat::kText);
  CHECK(pieces.blocks == whole->blocks);
  CHECK(pieces.size == text.size());
  CHECK(pieces.sha256 == whole->sha256);
  CHECK(*pieces.sha256 == BlockId::Of(text));
}

TEST_CASE("block list builder: hashing in pieces gives the same block list as all at once") {
  testutil::Random rnd;  // an exact property: new inputs every run
  CheckPiecewise(rnd, 20000);
}

TEST_CASE("block list builder: a line chunk cut inside an earlier piece is hashed whole") {
  // The line chunker, full in the middle of a line, cuts after the last whole line, which may
  // lie in an earlier push: the builder used to index that push with a negative offset (and
  // throw). This seed gives such a cut.
  testutil::Random rnd(testutil::Random::Fixed{255424711});
  CheckPiecewise(rnd, 20000);
}

}  // namespace
}  // namespace tessera::common::chunker
