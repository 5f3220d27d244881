// Fault-point and power-loss tests: for every mutating file operation of a workload, fail it,
// drop everything not fsynced, reopen, and check no acknowledged write was lost and no hole.
#include <doctest/doctest.h>

#include "blockserver/engine/engine.h"
#include "tests/blockserver/engine/test_util.h"
#include "tests/testutil/fault_env.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::blockserver::engine {
namespace {

using testing::KeyFor;
using testing::ValueFor;

constexpr int kBatches = 24;
constexpr int kPerBatch = 3;

size_t SizeFor(int i) { return i % 2 == 0 ? 700 : 40; }

struct WriteLog {
  int acknowledged = 0;  // batches 0..acknowledged-1 were acknowledged
  int attempted = 0;
};

EngineOptions FaultOptions(const std::string& dir) {
  EngineOptions o = testing::TinyOptions(dir);
  o.memtable_bytes = 2 << 10;
  o.max_log_bytes = 6 << 10;
  o.compaction_trigger_runs = 2;
  return o;
}

// Writes batches until the first failure. Deletes of earlier keys are mixed in so flushes and
// compactions carry tombstones.
WriteLog RunWorkload(common::Env& env, const std::string& dir, common::Logger& log) {
  WriteLog w;
  auto e = Engine::Open(FaultOptions(dir), env, log);
  if (!e.ok()) return w;
  for (int b = 0; b < kBatches; ++b) {
    WriteBatch batch;
    for (int j = 0; j < kPerBatch; ++j) {
      const int i = b * kPerBatch + j;
      batch.Put(KeyFor(i), ValueFor(i, SizeFor(i)));
    }
    if (b % 5 == 4) batch.Delete(KeyFor(1000 + b));  // deleting absent keys: tombstones only
    w.attempted = b + 1;
    if (!(*e)->Write(batch).ok()) break;
    w.acknowledged = b + 1;
  }
  (void)(*e)->Close();
  return w;
}

// Returns how many leading batches are fully present; checks atomicity and no holes.
int CheckRecovered(common::Env& env, const std::string& dir, common::Logger& log, const WriteLog& w,
                   int64_t fail_at) {
  auto e = Engine::Open(FaultOptions(dir), env, log);
  REQUIRE_MESSAGE(e.ok(), "fail_at=" << fail_at << ": " << e.status().ToString());
  int present_prefix = -1;
  for (int b = 0; b < kBatches; ++b) {
    int present = 0;
    for (int j = 0; j < kPerBatch; ++j) {
      const int i = b * kPerBatch + j;
      auto got = (*e)->Get(KeyFor(i));
      REQUIRE_MESSAGE(got.ok(), "fail_at=" << fail_at << ": " << got.status().ToString());
      if (got->has_value()) {
        CHECK_MESSAGE(**got == ValueFor(i, SizeFor(i)), "fail_at=" << fail_at << " key " << i);
        ++present;
      }
    }
    CHECK_MESSAGE((present == 0 || present == kPerBatch),
                  "fail_at=" << fail_at << ": batch " << b << " partially present");
    if (present == 0 && present_prefix < 0) present_prefix = b;
    if (present > 0 && present_prefix >= 0) {
      FAIL("fail_at=" << fail_at << ": batch " << b << " present after missing batch "
                      << present_prefix);
    }
  }
  if (present_prefix < 0) present_prefix = kBatches;
  CHECK_MESSAGE(present_prefix >= w.acknowledged, "fail_at=" << fail_at << ": acknowledged "
                                                             << w.acknowledged << " but only "
                                                             << present_prefix << " recovered");
  CHECK_MESSAGE(present_prefix <= w.attempted, "fail_at=" << fail_at << ": invented writes");
  // The recovered engine accepts writes again.
  CHECK((*e)->Put(KeyFor(999999), "after").ok());
  return present_prefix;
}

TEST_CASE("engine: every failed file operation leaves a store that recovers a clean prefix") {
  common::PosixEnv base;
  std::FILE* devnull = std::fopen("/dev/null", "w");
  REQUIRE(devnull != nullptr);
  common::Logger log(common::LogLevel::kError, devnull);  // injected faults log errors
  int64_t fail_at = 0;
  for (;; ++fail_at) {
    testutil::TempDir dir;
    testutil::FaultEnv env(base);
    env.FailNthOperation(fail_at);
    const WriteLog w = RunWorkload(env, dir.path(), log);
    env.DropUnsyncedData();
    CheckRecovered(base, dir.path(), log, w, fail_at);
    if (!env.fault_fired()) {
      CHECK(w.acknowledged == kBatches);
      break;
    }
  }
  MESSAGE("fault points walked: " << fail_at);
  std::fclose(devnull);
  CHECK(fail_at > 50);
}

TEST_CASE("engine: power loss after a clean run keeps every acknowledged write") {
  common::PosixEnv base;
  common::Logger log(common::LogLevel::kError);
  testutil::TempDir dir;
  testutil::FaultEnv env(base);
  const WriteLog w = RunWorkload(env, dir.path(), log);
  REQUIRE(w.acknowledged == kBatches);
  env.DropUnsyncedData();
  CHECK(CheckRecovered(base, dir.path(), log, w, -1) == kBatches);
}

TEST_CASE("engine: ENOSPC fails writes with NoSpace and loses nothing acknowledged") {
  common::PosixEnv base;
  common::Logger log(common::LogLevel::kError);
  testutil::TempDir dir;
  testutil::FaultEnv env(base);
  WriteLog w;
  {
    auto e = Engine::Open(FaultOptions(dir.path()), env, log);
    REQUIRE(e.ok());
    for (int b = 0; b < 6; ++b) {
      WriteBatch batch;
      for (int j = 0; j < kPerBatch; ++j) {
        const int i = b * kPerBatch + j;
        batch.Put(KeyFor(i), ValueFor(i, SizeFor(i)));
      }
      REQUIRE((*e)->Write(batch).ok());
      w.acknowledged = w.attempted = b + 1;
    }
    env.SetNoSpace(true);
    WriteBatch batch;
    batch.Put(KeyFor(6 * kPerBatch), ValueFor(6 * kPerBatch, SizeFor(6 * kPerBatch)));
    w.attempted = 7;
    CHECK((*e)->Write(batch).code() == common::Code::kNoSpace);
    // Sticky: even with space back, the engine refuses writes until reopened.
    env.SetNoSpace(false);
    CHECK(!(*e)->Write(batch).ok());
  }
  env.DropUnsyncedData();
  CheckRecovered(base, dir.path(), log, w, -2);
}

}  // namespace
}  // namespace tessera::blockserver::engine
