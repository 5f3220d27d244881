#include <doctest/doctest.h>

#include <algorithm>

#include "blockserver/engine/sst_builder.h"
#include "blockserver/engine/sst_format.h"
#include "blockserver/engine/sst_reader.h"
#include "common/crc32c.h"
#include "tests/blockserver/engine/test_util.h"
#include "tests/testutil/file_damage.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::blockserver::engine {
namespace {

using testing::KeyFor;
using testing::ValueFor;

std::vector<std::pair<BlockId, Entry>> SampleEntries(int n) {
  std::vector<std::pair<BlockId, Entry>> v;
  for (int i = 0; i < n; ++i) {
    Entry e;
    switch (i % 3) {
      case 0:
        e.kind = EntryKind::kValue;
        e.value = ValueFor(i, i % 50);
        break;
      case 1:
        e.kind = EntryKind::kBlob;
        e.blob = BlobAddress{static_cast<uint64_t>(i), static_cast<uint64_t>(i) * 1000, 4096,
                             static_cast<uint32_t>(i * 7)};
        break;
      default:
        e.kind = EntryKind::kTombstone;
    }
    v.emplace_back(KeyFor(i), e);
  }
  std::sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.first < b.first; });
  return v;
}

void Build(common::Env& env, const std::string& path,
           const std::vector<std::pair<BlockId, Entry>>& entries, int zstd_level = 1) {
  SstOptions o;
  o.block_bytes = 256;
  o.zstd_level = zstd_level;
  auto b = SstBuilder::Create(env, path, o);
  REQUIRE(b.ok());
  for (const auto& [k, e] : entries) REQUIRE((*b)->Add(k, e).ok());
  REQUIRE((*b)->Finish().ok());
}

TEST_CASE("sst: every entry written is found by Get and by iteration, absent keys are not") {
  testutil::TempDir dir;
  common::PosixEnv env;
  const auto entries = SampleEntries(500);
  for (int level : {0, 1}) {
    const std::string path = dir.Sub("t" + std::to_string(level) + ".sst");
    Build(env, path, entries, level);
    BlockCache cache(1 << 20);
    auto r = SstReader::Open(env, path, 1 + level, &cache);
    REQUIRE(r.ok());
    CHECK((*r)->entry_count() == 500);
    CHECK((*r)->index().size() > 10);  // sparse: one index entry per block
    for (const auto& [k, e] : entries) {
      auto got = (*r)->Get(k);
      REQUIRE(got.ok());
      REQUIRE(got->has_value());
      CHECK(**got == e);
    }
    int false_positives = 0;
    for (int i = 1000; i < 3000; ++i) {
      auto got = (*r)->Get(KeyFor(i));
      REQUIRE(got.ok());
      CHECK(!got->has_value());
      false_positives += (*r)->MayContain(KeyFor(i)) ? 1 : 0;
    }
    CHECK(false_positives < 100);  // ~1% expected at 10 bits per key
    auto it = (*r)->NewIterator();
    size_t i = 0;
    for (; it->Valid(); it->Next(), ++i) {
      REQUIRE(i < entries.size());
      CHECK(it->key() == entries[i].first);
      CHECK(it->entry() == entries[i].second);
    }
    CHECK(it->status().ok());
    CHECK(i == entries.size());
  }
}

TEST_CASE("sst: keys out of order are refused by the builder") {
  testutil::TempDir dir;
  common::PosixEnv env;
  auto b = SstBuilder::Create(env, dir.Sub("x.sst"), SstOptions{});
  REQUIRE(b.ok());
  Entry e;
  REQUIRE((*b)->Add(KeyFor(1), e).ok());
  CHECK((*b)->Add(KeyFor(1), e).code() == common::Code::kInvalidArgument);
}

TEST_CASE("sst: a damaged data block is reported as corruption, never returned") {
  testutil::TempDir dir;
  common::PosixEnv env;
  const std::string path = dir.Sub("t.sst");
  const auto entries = SampleEntries(200);
  Build(env, path, entries);
  testutil::CorruptBytes(path, sst::kHeaderBytes + 10);  // inside the first data block
  auto r = SstReader::Open(env, path, 1, nullptr);
  REQUIRE(r.ok());  // index and footer are intact
  auto got = (*r)->Get(entries[0].first);
  CHECK(got.status().code() == common::Code::kCorruption);
  auto it = (*r)->NewIterator();
  while (it->Valid()) it->Next();
  CHECK(it->status().code() == common::Code::kCorruption);
}

TEST_CASE("sst: a bad header, footer, version, index or truncation is refused at open") {
  testutil::TempDir dir;
  common::PosixEnv env;
  const std::string path = dir.Sub("t.sst");
  Build(env, path, SampleEntries(100));
  const uint64_t size = *env.GetFileSize(path);
  std::string expect;
  SUBCASE("magic") {
    testutil::CorruptBytes(path, 1);
    expect = "bad magic";
  }
  SUBCASE("header version") {
    testutil::CorruptBytes(path, 8);
    expect = "header checksum";
  }
  SUBCASE("footer") {
    testutil::CorruptBytes(path, size - 20);
    expect = "footer";
  }
  SUBCASE("index") {
    testutil::CorruptBytes(path, size - sst::kFooterBytes - 200);
    expect = "";
  }
  SUBCASE("truncated") {
    testutil::Truncate(path, size - 1);
    expect = "footer";
  }
  auto r = SstReader::Open(env, path, 1, nullptr);
  REQUIRE(r.status().code() == common::Code::kCorruption);
  CHECK(r.status().message().find(expect) != std::string::npos);
}

TEST_CASE("sst: a well-formed file with an unknown format version is refused by name") {
  testutil::TempDir dir;
  common::PosixEnv env;
  const std::string path = dir.Sub("t.sst");
  Build(env, path, SampleEntries(10));
  std::string data = *env.ReadFileToString(path);
  data[8] = 2;  // version 2, with a valid header crc
  std::string header = data.substr(0, 12);
  const uint32_t crc = common::crc32c::Value(header);
  for (int i = 0; i < 4; ++i) data[12 + i] = static_cast<char>(crc >> (8 * i));
  REQUIRE(common::WriteFileAtomically(env, path, data).ok());
  auto r = SstReader::Open(env, path, 1, nullptr);
  CHECK(r.status().code() == common::Code::kCorruption);
  CHECK(r.status().message().find("unsupported SST format version 2") != std::string::npos);
}

}  // namespace
}  // namespace tessera::blockserver::engine
