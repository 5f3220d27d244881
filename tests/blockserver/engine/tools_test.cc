#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "blockserver/engine/engine.h"
#include "blockserver/engine/manifest.h"
#include "blockserver/engine/sst_reader.h"
#include "blockserver/tools/check_tool.h"
#include "blockserver/tools/sst_tool.h"
#include "tests/blockserver/engine/test_util.h"
#include "tests/testutil/file_damage.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::blockserver::engine {
namespace {

using testing::KeyFor;
using testing::ValueFor;

// Fills an engine with small and blob values and a few deletes, compacted into one SST run.
void MakeStore(const std::string& dir) {
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kError);
  auto e = Engine::Open(testing::TinyOptions(dir), env, log);
  REQUIRE(e.ok());
  for (int i = 0; i < 120; ++i) REQUIRE((*e)->Put(KeyFor(i), ValueFor(i, i % 3 ? 50 : 500)).ok());
  REQUIRE((*e)->Flush().ok());
  for (int i = 0; i < 120; i += 10) REQUIRE((*e)->Delete(KeyFor(i)).ok());
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

}  // namespace
}  // namespace tessera::blockserver::engine
