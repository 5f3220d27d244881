#include "common/chunker/file_assembler.h"

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <string>

#include "common/check.h"
#include "common/chunker/chunk_cache.h"
#include "common/chunker/hashify.h"
#include "tests/common/chunker/chunk_test_util.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::common::chunker {
namespace {

std::string ReadRaw(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A block source over a map, for tests that need a block to be missing or wrong.
struct MapSource {
  std::map<BlockId, std::string> blocks;
  BlockSource source() {
    return [this](const BlockId& id) -> Result<std::string> {
      const auto it = blocks.find(id);
      if (it == blocks.end()) return NotFound("no block " + id.ToHex());
      return it->second;
    };
  }
};

// Chunks `text` and puts every chunk in a map source.
FileChunks ChunkInto(std::string_view text, MapSource& source) {
  auto chunks = HashifyBytes("f.txt", text);
  TESSERA_CHECK(chunks.ok());
  uint64_t at = 0;
  for (const auto& ref : chunks->blocks) {
    source.blocks[ref.id] = std::string(text.substr(at, ref.size));
    at += ref.size;
  }
  return *chunks;
}

// Entries of `dir` other than `keep`.
std::vector<std::string> OtherEntries(Env& env, const std::string& dir, const std::string& keep) {
  std::vector<std::string> out;
  const auto names = env.ListDir(dir);
  TESSERA_CHECK(names.ok());
  for (const auto& name : *names) {
    if (name != keep) out.push_back(name);
  }
  return out;
}

TEST_CASE("save file from blocks: writes the file from blocks in the chunk cache") {
  testutil::TempDir dir;
  PosixEnv env;
  auto cache = ChunkCache::Open(env, dir.Sub("cache"));
  REQUIRE(cache.ok());
  testing::Random rnd(testing::BaseSeed());
  const std::string text = testing::Join(testing::RandomLines(rnd, 3000));
  auto chunks = HashifyBytes("f.txt", text);
  REQUIRE(chunks.ok());
  uint64_t at = 0;
  for (const auto& ref : chunks->blocks) {
    REQUIRE((*cache)->Put(ref.id, std::string_view(text).substr(at, ref.size)).ok());
    at += ref.size;
  }
  REQUIRE(env.CreateDirs(dir.Sub("files")).ok());
  const std::string target = dir.Sub("files/out.txt");
  auto from_cache = [&](const BlockId& id) { return (*cache)->Get(id); };
  REQUIRE(SaveFileFromBlocks(env, target, chunks->blocks, from_cache).ok());
  CHECK(ReadRaw(target) == text);
  // Replacing an existing file works the same way, and leaves no temp file.
  REQUIRE(SaveFileFromBlocks(env, target, chunks->blocks, from_cache).ok());
  CHECK(ReadRaw(target) == text);
  CHECK(OtherEntries(env, dir.Sub("files"), "out.txt").empty());
}

TEST_CASE("save file from blocks: a missing block is NotFound naming it, with no partial target") {
  testutil::TempDir dir;
  PosixEnv env;
  MapSource source;
  testing::Random rnd(testing::BaseSeed());
  const FileChunks chunks = ChunkInto(testing::Join(testing::RandomLines(rnd, 3000)), source);
  REQUIRE(chunks.blocks.size() > 3);
  const BlockId missing = chunks.blocks[2].id;
  source.blocks.erase(missing);

  SUBCASE("no target before") {
    const std::string target = dir.Sub("new.txt");
    const Status s = SaveFileFromBlocks(env, target, chunks.blocks, source.source());
    CHECK(s.code() == Code::kNotFound);
    CHECK(s.message().find(missing.ToHex()) != std::string::npos);
    CHECK(!env.FileExists(target));
    CHECK(env.ListDir(dir.path())->empty());  // no temp file left either
  }
  SUBCASE("an existing target is left untouched") {
    const std::string target = dir.Sub("old.txt");
    REQUIRE(WriteFileAtomically(env, target, "old contents\n").ok());
    const Status s = SaveFileFromBlocks(env, target, chunks.blocks, source.source());
    CHECK(s.code() == Code::kNotFound);
    CHECK(ReadRaw(target) == "old contents\n");
    CHECK(OtherEntries(env, dir.path(), "old.txt").empty());
  }
}

TEST_CASE("save file from blocks: a block whose bytes do not match its id is Corruption") {
  testutil::TempDir dir;
  PosixEnv env;
  MapSource source;
  const FileChunks chunks = ChunkInto("one line\nanother line\n", source);
  REQUIRE(chunks.blocks.size() == 1);
  source.blocks.begin()->second = "tampered\n";
  const std::string target = dir.Sub("t.txt");
  const Status s = SaveFileFromBlocks(env, target, chunks.blocks, source.source());
  CHECK(s.code() == Code::kCorruption);
  CHECK(!env.FileExists(target));
  CHECK(env.ListDir(dir.path())->empty());
  // A right block with a wrong declared size is refused too.
  MapSource good;
  FileChunks sized = ChunkInto("one line\n", good);
  sized.blocks[0].size += 1;
  CHECK(SaveFileFromBlocks(env, target, sized.blocks, good.source()).code() == Code::kCorruption);
}

TEST_CASE("save file from blocks: an empty block list writes an empty file") {
  testutil::TempDir dir;
  PosixEnv env;
  const std::string target = dir.Sub("empty");
  MapSource source;
  REQUIRE(SaveFileFromBlocks(env, target, {}, source.source()).ok());
  CHECK(env.FileExists(target));
  CHECK(*env.GetFileSize(target) == 0);
}

TEST_CASE("assemble file: the fsynced temp appears only when published, and vanishes if not") {
  testutil::TempDir dir;
  PosixEnv env;
  MapSource source;
  const std::string text = "alpha\nbeta\ngamma\n";
  const FileChunks chunks = ChunkInto(text, source);
  const std::string target = dir.Sub("target.txt");
  std::string temp;
  {
    auto assembled = AssembleFile(env, target, chunks.blocks, source.source());
    REQUIRE(assembled.ok());
    temp = (*assembled)->temp_path();
    CHECK(IsAssemblyTempName(temp.substr(temp.rfind('/') + 1)));
    CHECK(ReadRaw(temp) == text);
    CHECK((*assembled)->size() == text.size());
    CHECK(!env.FileExists(target));
  }  // dropped unpublished
  CHECK(!env.FileExists(temp));
  CHECK(!env.FileExists(target));

  auto assembled = AssembleFile(env, target, chunks.blocks, source.source());
  REQUIRE(assembled.ok());
  REQUIRE((*assembled)->Publish().ok());
  CHECK(ReadRaw(target) == text);
  CHECK(!env.FileExists((*assembled)->temp_path()));
  CHECK(!IsAssemblyTempName("target.txt"));
}

TEST_CASE("save file from blocks: a target in a missing directory is an error, not a crash") {
  testutil::TempDir dir;
  PosixEnv env;
  MapSource source;
  const FileChunks chunks = ChunkInto("x\n", source);
  CHECK(SaveFileFromBlocks(env, dir.Sub("no/such/dir/f"), chunks.blocks, source.source()).code() ==
        Code::kNotFound);
}

}  // namespace
}  // namespace tessera::common::chunker
