#include <doctest/doctest.h>

#include "blockserver/engine/wal_format.h"
#include "blockserver/engine/wal_reader.h"
#include "blockserver/engine/wal_writer.h"
#include "tests/blockserver/engine/test_util.h"
#include "tests/testutil/file_damage.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::blockserver::engine {
namespace {

using testing::KeyFor;
using testing::ValueFor;

// Writes `n` batch records of one put each; returns the record start offsets.
std::vector<uint64_t> WriteLog(common::Env& env, const std::string& path, int n,
                               size_t value_size = 50) {
  auto w = WalWriter::Create(env, path, 7);
  REQUIRE(w.ok());
  std::vector<uint64_t> offsets;
  for (int i = 0; i < n; ++i) {
    const BlockId key = KeyFor(i);
    const std::string value = ValueFor(i, value_size);
    std::string record(wal::kRecordHeaderBytes, '\0');
    std::vector<uint64_t> vo;
    std::vector<uint32_t> vc;
    EncodeBatchPayload(i, {WalOp{false, &key, value}}, record, vo, vc);
    auto off = (*w)->AddRecord(record);
    REQUIRE(off.ok());
    offsets.push_back(*off);
  }
  REQUIRE((*w)->Sync().ok());
  REQUIRE((*w)->Close().ok());
  return offsets;
}

struct ReadResult {
  std::vector<uint64_t> sequences;
  WalReader::Outcome last = WalReader::Outcome::kEnd;
  common::Status status;
};

ReadResult ReadLog(common::Env& env, const std::string& path) {
  ReadResult r;
  auto file = env.NewRandomAccessFile(path);
  REQUIRE(file.ok());
  WalReader reader(**file, path);
  std::string payload;
  uint64_t off = 0;
  for (;;) {
    auto o = reader.Next(payload, off);
    if (!o.ok()) {
      r.status = o.status();
      return r;
    }
    r.last = *o;
    if (*o != WalReader::Outcome::kRecord) return r;
    auto batch = DecodeBatchPayload(payload);
    REQUIRE(batch.ok());
    REQUIRE(batch->ops.size() == 1);
    CHECK(batch->ops[0].key == KeyFor(batch->sequence));
    CHECK(batch->ops[0].value == ValueFor(batch->sequence, batch->ops[0].value.size()));
    r.sequences.push_back(batch->sequence);
  }
}

std::vector<uint64_t> Iota(uint64_t n) {
  std::vector<uint64_t> v;
  for (uint64_t i = 0; i < n; ++i) v.push_back(i);
  return v;
}

TEST_CASE("wal: records written are read back in order with a clean end") {
  testutil::TempDir dir;
  common::PosixEnv env;
  WriteLog(env, dir.Sub("a.log"), 20);
  auto r = ReadLog(env, dir.Sub("a.log"));
  REQUIRE(r.status.ok());
  CHECK(r.last == WalReader::Outcome::kEnd);
  CHECK(r.sequences == Iota(20));
}

TEST_CASE("wal: a torn final record is dropped, earlier ones kept") {
  testutil::TempDir dir;
  common::PosixEnv env;
  const std::string path = dir.Sub("a.log");
  const auto offsets = WriteLog(env, path, 10);
  const uint64_t size = *env.GetFileSize(path);
  SUBCASE("cut inside the payload") { testutil::Truncate(path, size - 3); }
  SUBCASE("cut inside the record header") { testutil::Truncate(path, offsets[9] + 4); }
  SUBCASE("last record's bytes garbled") { testutil::CorruptBytes(path, size - 2); }
  SUBCASE("zeros appended after the last record") {
    testutil::AppendBytes(path, std::string(100, '\0'));
  }
  auto r = ReadLog(env, path);
  REQUIRE(r.status.ok());
  if (r.sequences.size() == 10) {
    CHECK(r.last == WalReader::Outcome::kTorn);  // the zero tail
  } else {
    CHECK(r.last == WalReader::Outcome::kTorn);
    CHECK(r.sequences == Iota(9));
  }
}

TEST_CASE("wal: a bad checksum before the last record is corruption") {
  testutil::TempDir dir;
  common::PosixEnv env;
  const std::string path = dir.Sub("a.log");
  const auto offsets = WriteLog(env, path, 10);
  testutil::CorruptBytes(path, offsets[4] + wal::kRecordHeaderBytes + 20);
  auto r = ReadLog(env, path);
  CHECK(r.status.code() == common::Code::kCorruption);
  CHECK(r.sequences == Iota(4));
}

TEST_CASE("wal: an unknown format version or a foreign file is refused") {
  testutil::TempDir dir;
  common::PosixEnv env;
  const std::string path = dir.Sub("a.log");
  WriteLog(env, path, 2);
  SUBCASE("version") {
    testutil::CorruptBytes(path, 8);  // first byte of format_version; the header crc fails
    auto r = ReadLog(env, path);
    CHECK(r.status.code() == common::Code::kCorruption);
  }
  SUBCASE("magic") {
    testutil::CorruptBytes(path, 0);
    auto r = ReadLog(env, path);
    CHECK(r.status.code() == common::Code::kCorruption);
    CHECK(r.status.message().find("bad magic") != std::string::npos);
  }
}

TEST_CASE("wal: empty and header-only files read as empty; a cut header as torn") {
  testutil::TempDir dir;
  common::PosixEnv env;
  const std::string path = dir.Sub("a.log");
  WriteLog(env, path, 0);
  CHECK(ReadLog(env, path).last == WalReader::Outcome::kEnd);
  testutil::Truncate(path, 10);
  CHECK(ReadLog(env, path).last == WalReader::Outcome::kTorn);
  testutil::Truncate(path, 0);
  CHECK(ReadLog(env, path).last == WalReader::Outcome::kEnd);
}

TEST_CASE("wal: a hostile batch payload is refused, not trusted") {
  CHECK(DecodeBatchPayload("").status().code() == common::Code::kCorruption);
  std::string p(8, '\0');
  p += std::string("\xff\xff\xff\xff", 4);  // count 4 billion
  CHECK(DecodeBatchPayload(p).status().code() == common::Code::kCorruption);
  const BlockId key = KeyFor(1);
  std::string good;
  std::vector<uint64_t> vo;
  std::vector<uint32_t> vc;
  EncodeBatchPayload(1, {WalOp{false, &key, "value"}}, good, vo, vc);
  REQUIRE(DecodeBatchPayload(good).ok());
  std::string bad = good;
  bad[bad.size() - 1] ^= 1;  // value no longer matches its crc
  CHECK(DecodeBatchPayload(bad).status().code() == common::Code::kCorruption);
  CHECK(DecodeBatchPayload(good + "x").status().code() == common::Code::kCorruption);
}

}  // namespace
}  // namespace tessera::blockserver::engine
