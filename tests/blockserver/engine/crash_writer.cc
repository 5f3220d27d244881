// crash_writer DIR FIRST_BATCH: writes batches FIRST_BATCH, FIRST_BATCH+1, ... to an engine in
// DIR with tiny memtables (so flushes and compactions are always in flight) and prints each
// batch number to stdout, flushed, once its Write was acknowledged. Runs until killed (or
// 100000 batches). Used by crash_test.cc, which kills it with SIGKILL.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "blockserver/engine/engine.h"
#include "tests/blockserver/engine/crash_workload.h"

int main(int argc, char** argv) {
  using namespace tessera::blockserver::engine;
  if (argc != 3) {
    std::fprintf(stderr, "usage: crash_writer DIR FIRST_BATCH\n");
    return 2;
  }
  tessera::common::PosixEnv env;
  tessera::common::Logger log(tessera::common::LogLevel::kWarn);
  auto engine = Engine::Open(testing::CrashOptions(argv[1]), env, log);
  if (!engine.ok()) {
    std::fprintf(stderr, "open: %s\n", engine.status().ToString().c_str());
    return 1;
  }
  const long first = std::strtol(argv[2], nullptr, 10);
  for (long b = first; b < first + 100000; ++b) {
    const auto s = (*engine)->Write(testing::CrashBatch(static_cast<uint64_t>(b)));
    if (!s.ok()) {
      std::fprintf(stderr, "write %ld: %s\n", b, s.ToString().c_str());
      return 1;
    }
    std::printf("%ld\n", b);
    std::fflush(stdout);
  }
  return 0;
}
