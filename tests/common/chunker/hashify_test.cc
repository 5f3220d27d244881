#include "common/chunker/hashify.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/chunker/line_chunker.h"
#include "tests/common/chunker/chunk_test_util.h"
#include "tests/testutil/random.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::common::chunker {
namespace {

// The blocks of `chunks` cut `data` as the chunker does, and each id is the SHA-256 of its bytes.
void CheckBlocksDescribe(const FileChunks& chunks, std::string_view data) {
  CHECK(chunks.size == data.size());
  const auto pieces = SplitIntoChunks(chunks.params, data);
  REQUIRE(pieces.size() == chunks.blocks.size());
  for (size_t i = 0; i < pieces.size(); ++i) {
    CHECK(chunks.blocks[i].size == pieces[i].size());
    CHECK(chunks.blocks[i].id == BlockId::Of(pieces[i]));
  }
}

TEST_CASE("hashify: a text file gives line chunks, their ids, and the whole-file SHA-256") {
  testutil::TempDir dir;
  PosixEnv env;
  testutil::Random rnd(testutil::Random::Stable{});
  // Over 1 MiB so the 64 KiB read buffer is refilled many times.
  const std::string text = testing::Join(testing::RandomLines(rnd, 40000));
  REQUIRE(WriteFileAtomically(env, dir.Sub("notes.md"), text).ok());
  HashifyOptions options;
  options.read_buffer_bytes = 1;  // raised to the 64 KiB floor
  auto chunks = HashifyFile(env, dir.Sub("notes.md"), options);
  REQUIRE(chunks.ok());
  CHECK(chunks->format == FileFormat::kText);
  CHECK(chunks->params == ChunkParams::ForText(text.size()));
  CHECK(chunks->sha256 == BlockId::Of(text));
  CheckBlocksDescribe(*chunks, text);
  auto in_memory = HashifyBytes("notes.md", text);
  REQUIRE(in_memory.ok());
  CHECK(in_memory->blocks == chunks->blocks);
}

TEST_CASE("hashify: a binary file is detected and chunked with the gear chunker") {
  testutil::TempDir dir;
  PosixEnv env;
  testutil::Random rnd(testutil::Random::Stable{});
  const std::string data = testing::RandomBytes(rnd, 3'000'000);
  REQUIRE(WriteFileAtomically(env, dir.Sub("blob"), data).ok());
  HashifyOptions options;
  options.file_sha256 = false;
  auto chunks = HashifyFile(env, dir.Sub("blob"), options);
  REQUIRE(chunks.ok());
  CHECK(chunks->format == FileFormat::kBinary);
  CHECK(chunks->params.method == ChunkMethod::kGear);
  CHECK(!chunks->sha256.has_value());
  CheckBlocksDescribe(*chunks, data);
}

TEST_CASE("hashify: a text chunk that ends inside an earlier read buffer is hashed whole") {
  // Read through 64 KiB buffers. A 65516-byte line ends a chunk at 65517 (a line of avg bytes
  // or more always does); "short\n" (not a boundary) ends the next line at 65523; then a long
  // line fills that chunk to max (8 KiB) inside the second buffer, so the chunk is cut after
  // "short\n", at 65523: in the first buffer. HashifyFile used to throw std::out_of_range here.
  const ChunkParams params = ChunkParams::ForText(80000);
  REQUIRE(params.avg_bytes == 1024);
  REQUIRE(params.max_bytes == 8192);
  const std::string line = "short";
  REQUIRE((LineChunker::LineHash(line) >> 32) >= (line.size() + 1) * ((uint64_t{1} << 32) / 1024));
  const std::string text =
      std::string(65516, 'x') + "\n" + line + "\n" + std::string(10000, 'y') + "\n" + "end\n";
  const std::vector<uint64_t> ends = ChunkEnds(params, text);
  REQUIRE(std::find(ends.begin(), ends.end(), 65517) != ends.end());
  REQUIRE(std::find(ends.begin(), ends.end(), 65523) != ends.end());

  testutil::TempDir dir;
  PosixEnv env;
  REQUIRE(WriteFileAtomically(env, dir.Sub("long-lines.txt"), text).ok());
  HashifyOptions options;
  options.read_buffer_bytes = 1;  // raised to the 64 KiB floor
  auto chunks = HashifyFile(env, dir.Sub("long-lines.txt"), options);
  REQUIRE(chunks.ok());
  CHECK(chunks->format == FileFormat::kText);
  CHECK(chunks->params == params);
  CHECK(chunks->sha256 == BlockId::Of(text));
  CheckBlocksDescribe(*chunks, text);
}

TEST_CASE("hashify: an empty file has no blocks") {
  testutil::TempDir dir;
  PosixEnv env;
  REQUIRE(WriteFileAtomically(env, dir.Sub("empty.txt"), "").ok());
  auto chunks = HashifyFile(env, dir.Sub("empty.txt"));
  REQUIRE(chunks.ok());
  CHECK(chunks->blocks.empty());
  CHECK(chunks->size == 0);
  CHECK(chunks->sha256 == BlockId::Of(""));
}

TEST_CASE("hashify: options force the format, one line per chunk, or the average") {
  const std::string text = "a\nbb\nccc\n";
  HashifyOptions options;
  options.one_line_per_chunk = true;
  auto lines = HashifyBytes("x.txt", text, options);
  REQUIRE(lines.ok());
  REQUIRE(lines->blocks.size() == 3);
  CHECK(lines->blocks[0].id == BlockId::Of("a\n"));
  CHECK(lines->blocks[2].size == 4);

  options = {};
  options.format = FileFormat::kBinary;
  auto forced = HashifyBytes("x.txt", text, options);
  REQUIRE(forced.ok());
  CHECK(forced->format == FileFormat::kBinary);
  CHECK(forced->params.method == ChunkMethod::kGear);

  options = {};
  options.avg_bytes = 4096;
  auto avg = HashifyBytes("x.txt", text, options);
  REQUIRE(avg.ok());
  CHECK(avg->params == ChunkParams::WithAverage(ChunkMethod::kTextLines, 4096));
  options.avg_bytes = 1000;  // not a power of two
  CHECK(HashifyBytes("x.txt", text, options).status().code() == Code::kInvalidArgument);
}

TEST_CASE("hashify: a missing file is NotFound") {
  testutil::TempDir dir;
  PosixEnv env;
  CHECK(HashifyFile(env, dir.Sub("nope")).status().code() == Code::kNotFound);
}

}  // namespace
}  // namespace tessera::common::chunker
