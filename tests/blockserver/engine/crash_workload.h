// tests/blockserver/engine/crash_workload.h
//
// The deterministic workload shared by crash_writer (the process that gets killed) and
// crash_test (which checks what survived): batch b puts kKeysPerBatch keys with values of
// mixed sizes (inline, just over the blob threshold, and large).
#pragma once

#include "blockserver/engine/engine.h"
#include "tests/blockserver/engine/test_util.h"

namespace tessera::blockserver::engine::testing {

inline constexpr int kKeysPerCrashBatch = 4;

inline size_t CrashValueSize(uint64_t i) {
  switch (i % 4) {
    case 0:
      return 30;
    case 1:
      return 300;
    case 2:
      return 5000;
    default:
      return 40000;
  }
}

inline WriteBatch CrashBatch(uint64_t b) {
  WriteBatch batch;
  for (int j = 0; j < kKeysPerCrashBatch; ++j) {
    const uint64_t i = b * kKeysPerCrashBatch + j;
    batch.Put(KeyFor(i), ValueFor(i, CrashValueSize(i + b)));
  }
  return batch;
}

inline EngineOptions CrashOptions(const std::string& dir) {
  EngineOptions o;
  o.dir = dir;
  o.memtable_bytes = 16 << 10;
  o.max_log_bytes = 512 << 10;
  o.blob_threshold_bytes = 200;
  o.sst.block_bytes = 1024;
  o.compaction_trigger_runs = 3;
  return o;
}

}  // namespace tessera::blockserver::engine::testing
