#include "blockserver/engine/engine.h"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "blockserver/engine/manifest.h"
#include "blockserver/engine/sst_reader.h"
#include "tests/blockserver/engine/test_util.h"
#include "tests/testutil/file_damage.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::blockserver::engine {
namespace {

using testing::KeyFor;
using testing::TinyOptions;
using testing::ValueFor;

std::unique_ptr<Engine> OpenOk(const EngineOptions& o, common::Env& env, common::Logger& log) {
  auto e = Engine::Open(o, env, log);
  REQUIRE_MESSAGE(e.ok(), e.status().ToString());
  return std::move(*e);
}

// The name of the highest-numbered log file in `dir`.
std::string NewestLog(common::Env& env, const std::string& dir) {
  auto names = env.ListDir(dir);
  REQUIRE(names.ok());
  std::string newest;
  for (const auto& n : *names) {
    if (n.ends_with(".log") && (newest.empty() || n > newest)) newest = n;
  }
  REQUIRE(!newest.empty());
  return newest;
}

size_t SizeFor(int i) { return i % 4 == 0 ? 2000 : static_cast<size_t>(i % 90); }

void CheckValue(Engine& e, int i) {
  auto got = e.Get(KeyFor(i));
  REQUIRE_MESSAGE(got.ok(), got.status().ToString());
  REQUIRE_MESSAGE(got->has_value(), "key " << i << " missing");
  CHECK(**got == ValueFor(i, SizeFor(i)));
}

TEST_CASE("engine: puts are readable, deletes hide them, across flush, compaction and reopen") {
  testutil::TempDir dir;
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kWarn);
  const EngineOptions o = TinyOptions(dir.path());
  {
    auto e = OpenOk(o, env, log);
    for (int b = 0; b < 40; ++b) {
      WriteBatch batch;
      for (int i = b * 10; i < b * 10 + 10; ++i) batch.Put(KeyFor(i), ValueFor(i, SizeFor(i)));
      REQUIRE(e->Write(batch).ok());
    }
    for (int i = 0; i < 400; i += 7) REQUIRE(e->Delete(KeyFor(i)).ok());
    for (int i = 0; i < 400; ++i) {
      if (i % 7 == 0) {
        CHECK(!e->Get(KeyFor(i))->has_value());
        CHECK(!*e->Has(KeyFor(i)));
      } else {
        CheckValue(*e, i);
        CHECK(*e->Has(KeyFor(i)));
        CHECK(e->MayContain(KeyFor(i)));
      }
    }
    const EngineStats s = e->GetStats();
    CHECK(s.flushes > 0);
    CHECK(s.compactions > 0);
    CHECK(s.runs < 5);
    REQUIRE(e->Close().ok());
  }
  auto e = OpenOk(o, env, log);
  for (int i = 0; i < 400; ++i) {
    if (i % 7 == 0) {
      CHECK(!e->Get(KeyFor(i))->has_value());
    } else {
      CheckValue(*e, i);
    }
  }
  REQUIRE(e->CompactAll().ok());
  CHECK(e->GetStats().runs == 1);
  for (int i = 1; i < 400; i += 3) {
    if (i % 7 != 0) CheckValue(*e, i);
  }
  CHECK(!e->Get(KeyFor(7))->has_value());
  CHECK(!e->Get(KeyFor(100000))->has_value());
}

TEST_CASE("engine: ForEach lists every live key once, in order, with its value size") {
  testutil::TempDir dir;
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kWarn);
  auto e = OpenOk(TinyOptions(dir.path()), env, log);
  std::map<BlockId, uint64_t> expect;
  for (int i = 0; i < 300; ++i) {
    REQUIRE(e->Put(KeyFor(i), ValueFor(i, SizeFor(i))).ok());
    expect[KeyFor(i)] = SizeFor(i);
  }
  for (int i = 0; i < 300; i += 5) {
    REQUIRE(e->Delete(KeyFor(i)).ok());
    expect.erase(KeyFor(i));
  }
  std::map<BlockId, uint64_t> seen;
  BlockId prev;
  bool first = true;
  REQUIRE(e->ForEach([&](const BlockId& k, uint64_t size) {
             CHECK((first || prev < k));
             first = false;
             prev = k;
             seen[k] = size;
             return true;
           }).ok());
  CHECK(seen == expect);
}

TEST_CASE("engine: values at the size limit round-trip; larger ones are refused") {
  testutil::TempDir dir;
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kWarn);
  EngineOptions o = TinyOptions(dir.path());
  o.max_value_bytes = 3 << 20;
  auto e = OpenOk(o, env, log);
  const std::string big = ValueFor(1, 3 << 20);
  REQUIRE(e->Put(KeyFor(1), big).ok());
  REQUIRE(e->Put(KeyFor(2), "").ok());
  CHECK(e->Put(KeyFor(3), ValueFor(3, (3 << 20) + 1)).code() == common::Code::kInvalidArgument);
  REQUIRE(e->Flush().ok());
  CHECK(**e->Get(KeyFor(1)) == big);
  CHECK(**e->Get(KeyFor(2)) == "");
}

TEST_CASE("engine: concurrent writers and readers see every acknowledged write") {
  testutil::TempDir dir;
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kWarn);
  auto e = OpenOk(TinyOptions(dir.path()), env, log);
  constexpr int kWriters = 4, kPerWriter = 150;
  std::atomic<int> acked[kWriters] = {};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int j = 0; j < kPerWriter; ++j) {
        const int i = w * 100000 + j;
        if (!e->Put(KeyFor(i), ValueFor(i, SizeFor(i))).ok()) failed = true;
        acked[w] = j + 1;
      }
    });
  }
  threads.emplace_back([&] {
    // Reader: everything acknowledged so far must be readable, with the right bytes.
    for (int round = 0; round < 30; ++round) {
      for (int w = 0; w < kWriters; ++w) {
        const int n = acked[w];
        for (int j = 0; j < n; j += 13) {
          const int i = w * 100000 + j;
          auto got = e->Get(KeyFor(i));
          if (!got.ok() || !got->has_value() || **got != ValueFor(i, SizeFor(i))) failed = true;
        }
      }
    }
  });
  for (auto& t : threads) t.join();
  CHECK(!failed);
  const EngineStats s = e->GetStats();
  CHECK(s.batches == kWriters * kPerWriter);
  CHECK(s.syncs <= s.batches);
}

TEST_CASE("engine: blob GC rewrites live values and removes mostly-dead blob files") {
  testutil::TempDir dir;
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kWarn);
  EngineOptions o = TinyOptions(dir.path());
  o.blob_gc_garbage_ratio = 0.5;
  auto e = OpenOk(o, env, log);
  for (int i = 0; i < 200; ++i) REQUIRE(e->Put(KeyFor(i), ValueFor(i, 1000)).ok());
  REQUIRE(e->Flush().ok());
  const uint64_t before = e->GetStats().blob_files;
  REQUIRE(before > 0);
  for (int i = 0; i < 200; ++i) {
    if (i % 4 != 0) REQUIRE(e->Delete(KeyFor(i)).ok());
  }
  REQUIRE(e->Flush().ok());
  auto collected = e->CollectGarbage();
  REQUIRE_MESSAGE(collected.ok(), collected.status().ToString());
  CHECK(*collected > 0);
  for (int i = 0; i < 200; ++i) {
    auto got = e->Get(KeyFor(i));
    REQUIRE(got.ok());
    if (i % 4 == 0) {
      REQUIRE(got->has_value());
      CHECK(**got == ValueFor(i, 1000));
    } else {
      CHECK(!got->has_value());
    }
  }
  REQUIRE(e->Close().ok());
  e = OpenOk(o, env, log);
  for (int i = 0; i < 200; i += 4) CHECK(**e->Get(KeyFor(i)) == ValueFor(i, 1000));
  CHECK(e->GetStats().blob_files < before);
}

TEST_CASE("engine: a torn final log record is dropped at open, earlier writes kept") {
  testutil::TempDir dir;
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kError);
  EngineOptions o = TinyOptions(dir.path());
  o.memtable_bytes = 1 << 20;  // keep everything in the log
  o.max_log_bytes = 1 << 20;
  {
    auto e = OpenOk(o, env, log);
    for (int i = 0; i < 10; ++i) REQUIRE(e->Put(KeyFor(i), ValueFor(i, 50)).ok());
    REQUIRE(e->Close().ok());
  }
  const std::string path = dir.Sub(NewestLog(env, dir.path()));
  testutil::Truncate(path, *env.GetFileSize(path) - 5);
  auto e = OpenOk(o, env, log);
  for (int i = 0; i < 9; ++i) CHECK(**e->Get(KeyFor(i)) == ValueFor(i, 50));
  CHECK(!e->Get(KeyFor(9))->has_value());
}

TEST_CASE("engine: a bad checksum in the middle of a log is reported as corruption at open") {
  testutil::TempDir dir;
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kError);
  EngineOptions o = TinyOptions(dir.path());
  o.memtable_bytes = 1 << 20;
  o.max_log_bytes = 1 << 20;
  {
    auto e = OpenOk(o, env, log);
    for (int i = 0; i < 10; ++i) REQUIRE(e->Put(KeyFor(i), ValueFor(i, 50)).ok());
    REQUIRE(e->Close().ok());
  }
  const std::string newest = NewestLog(env, dir.path());
  testutil::CorruptBytes(dir.Sub(newest), 24 + 9 + 20);  // inside the first record
  auto e = Engine::Open(o, env, log);
  CHECK(e.status().code() == common::Code::kCorruption);
}

TEST_CASE("engine: a damaged blob value is reported as corruption on read") {
  testutil::TempDir dir;
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kError);
  EngineOptions o = TinyOptions(dir.path());
  o.memtable_bytes = 1 << 20;
  o.max_log_bytes = 1 << 20;
  o.block_cache_bytes = 0;
  auto e = OpenOk(o, env, log);
  REQUIRE(e->Put(KeyFor(1), ValueFor(1, 5000)).ok());
  const std::string newest = NewestLog(env, dir.path());
  testutil::CorruptBytes(dir.Sub(newest), *env.GetFileSize(dir.Sub(newest)) - 100);
  CHECK(e->Get(KeyFor(1)).status().code() == common::Code::kCorruption);
}

TEST_CASE("engine: a data dir with logs but no MANIFEST is refused") {
  testutil::TempDir dir;
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kError);
  {
    auto e = OpenOk(TinyOptions(dir.path()), env, log);
    REQUIRE(e->Put(KeyFor(1), "x").ok());
  }
  REQUIRE(env.RemoveFile(dir.Sub("MANIFEST")).ok());
  CHECK(Engine::Open(TinyOptions(dir.path()), env, log).status().code() ==
        common::Code::kCorruption);
}

TEST_CASE("engine: a damaged run stops compaction, not writes") {
  testutil::TempDir dir;
  common::PosixEnv env;
  std::FILE* devnull = std::fopen("/dev/null", "w");
  REQUIRE(devnull != nullptr);
  common::Logger log(common::LogLevel::kError, devnull);
  EngineOptions o = TinyOptions(dir.path());
  o.compaction_trigger_runs = 3;
  {
    auto e = OpenOk(o, env, log);
    for (int i = 0; i < 50; ++i) REQUIRE(e->Put(KeyFor(i), ValueFor(i, 50)).ok());
    REQUIRE(e->CompactAll().ok());
    REQUIRE(e->Close().ok());
  }
  auto m = LoadManifest(env, dir.path());
  REQUIRE(m.ok());
  REQUIRE(m->runs.size() == 1);
  {
    const std::string sst = SstFileName(dir.path(), m->runs[0]);
    auto reader = SstReader::Open(env, sst, m->runs[0], nullptr);
    REQUIRE(reader.ok());
    testutil::CorruptBytes(sst, (*reader)->index()[0].offset + 3);
  }
  auto e = OpenOk(o, env, log);
  // Enough flushed runs that compaction must try to merge the damaged one.
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 20; ++i) {
      const int k = 1000 + round * 20 + i;
      REQUIRE(e->Put(KeyFor(k), ValueFor(k, 50)).ok());
    }
    REQUIRE(e->Flush().ok());
  }
  CHECK(e->CompactAll().code() == common::Code::kCorruption);
  CHECK(e->Put(KeyFor(5000), "still writable").ok());
  for (int k = 1000; k < 1100; ++k) {
    auto got = e->Get(KeyFor(k));
    REQUIRE_MESSAGE(got.ok(), got.status().ToString());
    CHECK(**got == ValueFor(k, 50));
  }
  REQUIRE(e->Close().ok());
  std::fclose(devnull);
}

TEST_CASE("engine: writes after Close are refused") {
  testutil::TempDir dir;
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kError);
  auto e = OpenOk(TinyOptions(dir.path()), env, log);
  REQUIRE(e->Close().ok());
  CHECK(e->Put(KeyFor(1), "x").code() == common::Code::kUnavailable);
}

}  // namespace
}  // namespace tessera::blockserver::engine
