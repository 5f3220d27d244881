#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "blockserver/engine/engine.h"
#include "blockserver/engine/manifest.h"
#include "blockserver/engine/sst_reader.h"
#include "blockserver/engine/wal_reader.h"
#include "blockserver/tools/check_tool.h"
#include "blockserver/tools/repair_tool.h"
#include "blockserver/tools/sst_tool.h"
#include "common/lock_file.h"
#include "tests/blockserver/engine/test_util.h"
#include "tests/testutil/file_damage.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::blockserver::engine {
namespace {

using testing::KeyFor;
using testing::ValueFor;

size_t SizeOf(int i) { return i % 3 ? 50 : 500; }

// Fills an engine with small and blob values and a few deletes, compacted into one SST run.
// Keys first, first + 1, ... first + 119; every tenth is deleted.
void MakeStore(const std::string& dir, int first = 0) {
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kError);
  auto e = Engine::Open(testing::TinyOptions(dir), env, log);
  REQUIRE(e.ok());
  for (int i = first; i < first + 120; ++i)
    REQUIRE((*e)->Put(KeyFor(i), ValueFor(i, SizeOf(i))).ok());
  REQUIRE((*e)->Flush().ok());
  for (int i = first; i < first + 120; i += 10) REQUIRE((*e)->Delete(KeyFor(i)).ok());
  REQUIRE((*e)->CompactAll().ok());
  REQUIRE((*e)->Close().ok());
}

std::string OnlySst(const std::string& dir) {
  common::PosixEnv env;
  auto m = LoadManifest(env, dir);
  REQUIRE(m.ok());
  REQUIRE(!m->runs.empty());
  return SstFileName(dir, m->runs.front());
}

TEST_CASE("tools: sst dump --json, load and dump again round-trips to the same JSON and bytes") {
  testutil::TempDir dir;
  MakeStore(dir.Sub("data"));
  const std::string sst = OnlySst(dir.Sub("data"));
  std::ostringstream dump1, err;
  REQUIRE(tools::SstDumpMain({sst, "--json"}, dump1, err) == 0);
  CHECK(dump1.str().find("\"bloom\"") != std::string::npos);
  CHECK(dump1.str().find("\"index\"") != std::string::npos);
  {
    std::ofstream f(dir.Sub("dump.json"));
    f << dump1.str();
  }
  std::ostringstream out;
  REQUIRE_MESSAGE(tools::SstLoadMain({dir.Sub("dump.json"), dir.Sub("copy.sst")}, out, err) == 0,
                  err.str());
  std::ostringstream dump2;
  REQUIRE(tools::SstDumpMain({dir.Sub("copy.sst"), "--json"}, dump2, err) == 0);
  CHECK(dump1.str() == dump2.str());
  common::PosixEnv env;
  CHECK(*env.ReadFileToString(sst) == *env.ReadFileToString(dir.Sub("copy.sst")));
  std::ostringstream text;
  REQUIRE(tools::SstDumpMain({sst}, text, err) == 0);
  CHECK(text.str().find("bloom:") != std::string::npos);
}

TEST_CASE("tools: sst load refuses malformed JSON, unsorted keys and bad hex") {
  testutil::TempDir dir;
  auto load = [&](const std::string& text) {
    {
      std::ofstream f(dir.Sub("in.json"));
      f << text;
    }
    std::ostringstream out, err;
    return tools::SstLoadMain({dir.Sub("in.json"), dir.Sub("out.sst")}, out, err);
  };
  CHECK(load("{not json") == 1);
  CHECK(load("[]") == 1);
  CHECK(load(R"({"entries":[{"key":"zz","kind":"tombstone"}]})") == 1);
  const std::string a = KeyFor(1).ToHex(), b = KeyFor(2).ToHex();
  const std::string lo = std::min(a, b), hi = std::max(a, b);
  CHECK(load(R"({"entries":[{"key":")" + hi + R"(","kind":"tombstone"},{"key":")" + lo +
             R"(","kind":"tombstone"}]})") == 1);
  CHECK(load(R"({"entries":[{"key":")" + lo + R"(","kind":"value","value_hex":"abc"}]})") == 1);
  CHECK(load(R"({"entries":[{"key":")" + lo + R"(","kind":"blob","file":-1}]})") == 1);
  CHECK(load(R"({"entries":[{"key":")" + lo + R"(","kind":"value","value_hex":"ab"}]})") == 0);
  std::ostringstream out, err;
  CHECK(tools::SstDumpMain({}, out, err) == 2);
  CHECK(tools::SstDumpMain({dir.Sub("in.json")}, out, err) == 1);  // not an SST
}

TEST_CASE("tools: check passes a healthy store and names a damaged SST or blob value") {
  testutil::TempDir dir;
  const std::string data = dir.Sub("data");
  MakeStore(data);
  std::ostringstream out, err;
  REQUIRE_MESSAGE(tools::CheckMain({"--data", data}, out, err) == 0, out.str());
  CHECK(out.str().find("check: OK") != std::string::npos);

  SUBCASE("sst block") {
    const std::string sst = OnlySst(data);
    testutil::CorruptBytes(sst, 20);
    std::ostringstream o2;
    CHECK(tools::CheckMain({"--data", data}, o2, err) == 1);
    CHECK(o2.str().find("checksum mismatch") != std::string::npos);
  }
  SUBCASE("blob value") {
    common::PosixEnv env;
    auto reader = SstReader::Open(env, OnlySst(data), 1, nullptr);
    REQUIRE(reader.ok());
    auto it = (*reader)->NewIterator();
    while (it->Valid() && it->entry().kind != EntryKind::kBlob) it->Next();
    REQUIRE(it->Valid());
    const BlobAddress a = it->entry().blob;
    testutil::CorruptBytes(LogFileName(data, a.file_number), a.offset + 3);
    std::ostringstream o2;
    CHECK(tools::CheckMain({"--data", data}, o2, err) == 1);
    CHECK(o2.str().find("is damaged") != std::string::npos);
  }
  std::ostringstream o3;
  CHECK(tools::CheckMain({"--data"}, o3, err) == 2);
}

int Check(const std::string& data, std::string* out) {
  std::ostringstream o, err;
  const int rc = tools::CheckMain({"--data", data}, o, err);
  *out = o.str() + err.str();
  return rc;
}

TEST_CASE("tools: check names what the MANIFEST and the files disagree on") {
  testutil::TempDir dir;
  const std::string data = dir.Sub("data");
  MakeStore(data);
  std::string out;
  REQUIRE_MESSAGE(Check(data, &out) == 0, out);
  common::PosixEnv env;

  SUBCASE("an SST the MANIFEST names is missing") {
    std::filesystem::remove(OnlySst(data));
    CHECK(Check(data, &out) == 1);
    CHECK_MESSAGE(out.find("missing: the blocks only it held are lost") != std::string::npos, out);
  }
  SUBCASE("a leftover copy of a live SST is no problem") {
    std::filesystem::copy_file(OnlySst(data), SstFileName(data, 900));
    CHECK_MESSAGE(Check(data, &out) == 0, out);
    CHECK_MESSAGE(out.find("a leftover") != std::string::npos, out);
  }
  SUBCASE("an SST from elsewhere holds blocks no live file has") {
    MakeStore(dir.Sub("other"), 1000);
    std::filesystem::copy_file(OnlySst(dir.Sub("other")), SstFileName(data, 900));
    CHECK(Check(data, &out) == 1);
    CHECK_MESSAGE(out.find("000900.sst is not in the MANIFEST and holds") != std::string::npos,
                  out);
    CHECK(out.find("no live file has") != std::string::npos);
  }
  SUBCASE("a log the MANIFEST does not name, with blocks no live file has") {
    {
      common::Logger log(common::LogLevel::kError);
      EngineOptions o;
      o.dir = dir.Sub("other");
      auto e = Engine::Open(o, env, log);
      REQUIRE(e.ok());
      REQUIRE((*e)->Put(KeyFor(5000), "unflushed").ok());
      REQUIRE((*e)->Close().ok());
    }
    std::string newest;
    for (const auto& f : std::filesystem::directory_iterator(dir.Sub("other"))) {
      if (f.path().extension() == ".log") newest = std::max(newest, f.path().string());
    }
    REQUIRE(!newest.empty());
    std::filesystem::copy_file(newest, LogFileName(data, 0));
    CHECK(Check(data, &out) == 1);
    CHECK_MESSAGE(out.find("000000.log is not in the MANIFEST and holds 1 of its 1 blocks") !=
                      std::string::npos,
                  out);
  }
  SUBCASE("a blob file cut short") {
    auto reader = SstReader::Open(env, OnlySst(data), 1, nullptr);
    REQUIRE(reader.ok());
    auto it = (*reader)->NewIterator();
    uint64_t file = 0, end = 0;
    for (; it->Valid(); it->Next()) {
      if (it->entry().kind != EntryKind::kBlob) continue;
      file = it->entry().blob.file_number;
      end = std::max(end, it->entry().blob.offset);
    }
    REQUIRE(file != 0);
    testutil::Truncate(LogFileName(data, file), end + 1);
    CHECK(Check(data, &out) == 1);
    CHECK_MESSAGE(out.find("the file was cut short") != std::string::npos, out);
  }
}

int Repair(const std::string& data, std::string* out) {
  std::ostringstream o, err;
  const int rc = tools::RepairMain({"--data", data}, o, err);
  *out = o.str() + err.str();
  return rc;
}

// The newest log of `dir` and the file offset of each of its records.
std::pair<std::string, std::vector<uint64_t>> NewestLogRecords(const std::string& dir) {
  uint64_t newest = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    const ParsedFileName p = ParseFileName(f.path().filename().string());
    if (p.type == FileType::kLog) newest = std::max(newest, p.number);
  }
  REQUIRE(newest != 0);
  const std::string path = LogFileName(dir, newest);
  common::PosixEnv env;
  auto file = env.NewRandomAccessFile(path);
  REQUIRE(file.ok());
  WalReader reader(**file, path);
  std::vector<uint64_t> offsets;
  std::string payload;
  uint64_t offset = 0;
  for (;;) {
    auto o = reader.Next(payload, offset);
    REQUIRE(o.ok());
    if (*o != WalReader::Outcome::kRecord) break;
    offsets.push_back(offset);
  }
  return {path, offsets};
}

TEST_CASE("tools: repair keeps every log record before a flipped byte and the engine starts") {
  testutil::TempDir dir;
  const std::string data = dir.Sub("data");
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kError);
  constexpr int kRecords = 20;
  {
    EngineOptions o;  // big memtable: every write stays in the log
    o.dir = data;
    auto e = Engine::Open(o, env, log);
    REQUIRE(e.ok());
    for (int i = 0; i < kRecords; ++i)
      REQUIRE((*e)->Put(KeyFor(i), ValueFor(i, SizeOf(i) * 2)).ok());
    REQUIRE((*e)->Close().ok());
  }
  auto [log_path, offsets] = NewestLogRecords(data);
  REQUIRE(offsets.size() == kRecords);
  testutil::CorruptBytes(log_path, offsets[10] + 40);  // inside record 10's payload
  EngineOptions o;
  o.dir = data;
  {
    auto refused = Engine::Open(o, env, log);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == common::Code::kCorruption);
  }

  std::string out;
  REQUIRE_MESSAGE(Repair(data, &out) == 0, out);
  CHECK_MESSAGE(out.find("kept the 10 records before it") != std::string::npos, out);
  CHECK(out.find("lost: " + log_path.substr(log_path.rfind('/') + 1)) != std::string::npos);
  CHECK(out.find("1 problem(s) repaired") != std::string::npos);

  {
    auto e = Engine::Open(o, env, log);
    REQUIRE_MESSAGE(e.ok(), e.status().ToString());
    for (int i = 0; i < kRecords; ++i) {
      auto got = (*e)->Get(KeyFor(i));
      REQUIRE(got.ok());
      if (i < 10) {
        REQUIRE_MESSAGE(got->has_value(), "record " << i << " lost");
        CHECK(**got == ValueFor(i, SizeOf(i) * 2));
      } else {
        CHECK_FALSE(got->has_value());
      }
    }
    CHECK((*e)->Put(KeyFor(100), "after repair").ok());
    REQUIRE((*e)->Close().ok());
  }
  REQUIRE_MESSAGE(Check(data, &out) == 0, out);
  REQUIRE(Repair(data, &out) == 0);
  CHECK_MESSAGE(out.find("nothing was damaged") != std::string::npos, out);
}

TEST_CASE("tools: repair refuses to run while a blockserver holds the data directory") {
  testutil::TempDir dir;
  const std::string data = dir.Sub("data");
  MakeStore(data);
  auto lock = common::LockFile::Acquire(data, "blockserver.lock", "tessera-blockserver");
  REQUIRE(lock.ok());
  std::string out;
  CHECK(Repair(data, &out) == 1);
  CHECK_MESSAGE(out.find("another tessera-blockserver already uses") != std::string::npos, out);
  CHECK(out.find("stop it before running repair") != std::string::npos);
  std::ostringstream o, err;
  CHECK(tools::RepairMain({"--data"}, o, err) == 2);
}

TEST_CASE("tools: repair rewrites the readable blocks of a damaged SST and says what was lost") {
  testutil::TempDir dir;
  const std::string data = dir.Sub("data");
  MakeStore(data);
  common::PosixEnv env;
  const std::string sst = OnlySst(data);
  uint64_t in_block = 0;  // live keys in the damaged data block
  std::vector<int> damaged_keys;
  {
    auto reader = SstReader::Open(env, sst, 0, nullptr);
    REQUIRE(reader.ok());
    REQUIRE((*reader)->index().size() >= 3);
    const auto& index = (*reader)->index();
    for (int i = 0; i < 120; ++i) {
      if (i % 10 == 0) continue;
      if (index[0].last_key < KeyFor(i) && !(index[1].last_key < KeyFor(i))) {
        damaged_keys.push_back(i);
        ++in_block;
      }
    }
    testutil::CorruptBytes(sst, index[1].offset + 3);
  }
  REQUIRE(in_block > 0);
  std::string out;
  REQUIRE_MESSAGE(Repair(data, &out) == 0, out);
  CHECK_MESSAGE(out.find("1 of ") != std::string::npos, out);
  CHECK(out.find("data blocks damaged") != std::string::npos);
  CHECK(out.find("rewritten to") != std::string::npos);
  CHECK(env.FileExists(sst + ".corrupt"));

  common::Logger log(common::LogLevel::kError);
  auto e = Engine::Open(testing::TinyOptions(data), env, log);
  REQUIRE_MESSAGE(e.ok(), e.status().ToString());
  for (int i = 0; i < 120; ++i) {
    auto got = (*e)->Get(KeyFor(i));
    REQUIRE_MESSAGE(got.ok(), got.status().ToString());
    const bool lost = std::count(damaged_keys.begin(), damaged_keys.end(), i) > 0;
    if (i % 10 == 0 || lost) {
      CHECK_FALSE(got->has_value());
    } else {
      REQUIRE(got->has_value());
      CHECK(**got == ValueFor(i, SizeOf(i)));
    }
  }
  REQUIRE((*e)->Close().ok());
  REQUIRE_MESSAGE(Check(data, &out) == 0, out);
  CHECK(out.find(".corrupt: a damaged file `repair` set aside") != std::string::npos);
}

TEST_CASE("tools: repair drops an SST the MANIFEST names but that is gone") {
  testutil::TempDir dir;
  const std::string data = dir.Sub("data");
  MakeStore(data);
  std::filesystem::remove(OnlySst(data));
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kError);
  REQUIRE_FALSE(Engine::Open(testing::TinyOptions(data), env, log).ok());
  std::string out;
  REQUIRE_MESSAGE(Repair(data, &out) == 0, out);
  CHECK(out.find("which is missing") != std::string::npos);
  CHECK(Engine::Open(testing::TinyOptions(data), env, log).ok());
}

}  // namespace
}  // namespace tessera::blockserver::engine
