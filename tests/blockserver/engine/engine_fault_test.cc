// Fault-point and power-loss tests: for every mutating file operation of a workload, fail it,
// drop everything not fsynced, reopen, and check no acknowledged write was lost and no hole.
#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <vector>

#include "blockserver/engine/engine.h"
#include "common/env_wrapper.h"
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
    EngineOptions o = FaultOptions(dir.path());
    o.reopen_interval = std::chrono::milliseconds(0);
    auto e = Engine::Open(o, env, log);
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
    for (int j = 0; j < kPerBatch; ++j) {
      const int i = 6 * kPerBatch + j;
      batch.Put(KeyFor(i), ValueFor(i, SizeFor(i)));
    }
    w.attempted = 7;
    CHECK((*e)->Write(batch).code() == common::Code::kNoSpace);
    // Still full: the retry's reopen fails too, with the same error.
    CHECK((*e)->Write(batch).code() == common::Code::kNoSpace);
    // Space is back: the next write reopens the engine from disk and goes through.
    env.SetNoSpace(false);
    REQUIRE((*e)->Write(batch).ok());
    w.acknowledged = 7;
    for (int i = 0; i < 7 * kPerBatch; ++i) {
      auto got = (*e)->Get(KeyFor(i));
      REQUIRE(got.ok());
      REQUIRE(got->has_value());
      CHECK(**got == ValueFor(i, SizeFor(i)));
    }
  }
  env.DropUnsyncedData();
  CHECK(CheckRecovered(base, dir.path(), log, w, -2) == 7);
}

TEST_CASE("engine: after ENOSPC the reopen is tried at most once per reopen_interval") {
  common::PosixEnv base;
  std::FILE* devnull = std::fopen("/dev/null", "w");
  REQUIRE(devnull != nullptr);
  common::Logger log(common::LogLevel::kError, devnull);
  testutil::TempDir dir;
  testutil::FaultEnv env(base);
  EngineOptions o = FaultOptions(dir.path());
  o.reopen_interval = std::chrono::hours(1);
  auto e = Engine::Open(o, env, log);
  REQUIRE(e.ok());
  REQUIRE((*e)->Put(KeyFor(1), ValueFor(1, 40)).ok());
  env.SetNoSpace(true);
  CHECK((*e)->Put(KeyFor(2), ValueFor(2, 40)).code() == common::Code::kNoSpace);
  // The first write after the error tries a reopen at once (and fails: still full)...
  CHECK((*e)->Put(KeyFor(2), ValueFor(2, 40)).code() == common::Code::kNoSpace);
  env.SetNoSpace(false);
  // ...the next one within the hour does not try.
  CHECK((*e)->Put(KeyFor(2), ValueFor(2, 40)).code() == common::Code::kNoSpace);
  CHECK(**(*e)->Get(KeyFor(1)) == ValueFor(1, 40));
  (void)(*e)->Close();
  std::fclose(devnull);
}

// A disk that fills up mid-write: an append writes half of its bytes, then fails with ENOSPC,
// as write(2) does on a real file system. Creating files still works.
class TornFullDiskEnv final : public common::EnvWrapper {
 public:
  using EnvWrapper::EnvWrapper;
  void SetFull(bool on) { full_ = on; }

  common::Result<std::unique_ptr<common::WritableFile>> NewWritableFile(
      const std::string& path) override {
    return Wrap(target().NewWritableFile(path));
  }
  common::Result<std::unique_ptr<common::WritableFile>> CreateExclusive(const common::PathAt& path,
                                                                        uint32_t mode) override {
    return Wrap(target().CreateExclusive(path, mode));
  }

 private:
  class File final : public common::WritableFile {
   public:
    File(std::unique_ptr<common::WritableFile> base, const std::atomic<bool>& full)
        : base_(std::move(base)), full_(full) {}
    common::Status Append(std::string_view data) override {
      if (!full_) return base_->Append(data);
      (void)base_->Append(data.substr(0, data.size() / 2));
      return common::ErrnoStatus("append", ENOSPC);
    }
    common::Status Sync() override { return base_->Sync(); }
    common::Status Close() override { return base_->Close(); }
    uint64_t Size() const override { return base_->Size(); }
    common::Status Chmod(uint32_t mode) override { return base_->Chmod(mode); }
    common::Status SetMtime(int64_t mtime_ns) override { return base_->SetMtime(mtime_ns); }
    common::Result<common::FileStat> Stat() const override { return base_->Stat(); }

   private:
    std::unique_ptr<common::WritableFile> base_;
    const std::atomic<bool>& full_;
  };
  common::Result<std::unique_ptr<common::WritableFile>> Wrap(
      common::Result<std::unique_ptr<common::WritableFile>> file) {
    if (!file.ok()) return file;
    return std::unique_ptr<common::WritableFile>(new File(std::move(*file), full_));
  }
  std::atomic<bool> full_{false};
};

TEST_CASE("engine: a disk full at any point of a workload recovers without a restart") {
  common::PosixEnv base;
  std::FILE* devnull = std::fopen("/dev/null", "w");
  REQUIRE(devnull != nullptr);
  common::Logger log(common::LogLevel::kError, devnull);
  constexpr int kFullBatches = 3;
  for (int full_at = 0; full_at < kBatches - kFullBatches; ++full_at) {
    INFO("disk full from batch " << full_at);
    testutil::TempDir dir;
    testutil::FaultEnv fault(base);
    TornFullDiskEnv env(fault);
    EngineOptions o = FaultOptions(dir.path());
    o.reopen_interval = std::chrono::milliseconds(0);  // every write retries
    std::vector<bool> acked(kBatches, false);
    {
      auto e = Engine::Open(o, env, log);
      REQUIRE(e.ok());
      for (int b = 0; b < kBatches; ++b) {
        env.SetFull(b >= full_at && b < full_at + kFullBatches);
        WriteBatch batch;
        for (int j = 0; j < kPerBatch; ++j) {
          const int i = b * kPerBatch + j;
          batch.Put(KeyFor(i), ValueFor(i, SizeFor(i)));
        }
        const common::Status s = (*e)->Write(batch);
        acked[b] = s.ok();
        if (b < full_at || b >= full_at + kFullBatches) {
          // Before the disk filled, and from the first write after space came back.
          REQUIRE_MESSAGE(s.ok(), "batch " << b << ": " << s.ToString());
        } else if (!s.ok()) {
          CHECK(s.code() == common::Code::kNoSpace);
        }
      }
      // Everything acknowledged reads back from the live engine.
      for (int b = 0; b < kBatches; ++b) {
        for (int j = 0; acked[b] && j < kPerBatch; ++j) {
          const int i = b * kPerBatch + j;
          auto got = (*e)->Get(KeyFor(i));
          REQUIRE_MESSAGE(got.ok(), got.status().ToString());
          REQUIRE(got->has_value());
          CHECK(**got == ValueFor(i, SizeFor(i)));
        }
      }
      CHECK((*e)->Close().ok());
    }
    // After power loss and a restart: every acknowledged batch, no half batch.
    fault.DropUnsyncedData();
    auto e = Engine::Open(o, base, log);
    REQUIRE_MESSAGE(e.ok(), e.status().ToString());
    for (int b = 0; b < kBatches; ++b) {
      int present = 0;
      for (int j = 0; j < kPerBatch; ++j) {
        const int i = b * kPerBatch + j;
        auto got = (*e)->Get(KeyFor(i));
        REQUIRE_MESSAGE(got.ok(), got.status().ToString());
        if (got->has_value()) {
          CHECK(**got == ValueFor(i, SizeFor(i)));
          ++present;
        }
      }
      if (acked[b]) CHECK_MESSAGE(present == kPerBatch, "acknowledged batch " << b << " lost");
      CHECK_MESSAGE((present == 0 || present == kPerBatch), "batch " << b << " half present");
    }
  }
  std::fclose(devnull);
}

}  // namespace
}  // namespace tessera::blockserver::engine
