// tests/common/alloc_meter.h
//
// AllocMeter measures what the program allocates through operator new while it lives: the
// peak of the bytes allocated since it started and not yet freed (malloc_usable_size of each
// block), across all threads. Tests use it to check that a bounded operation stays bounded,
// deterministically (no timing, no RSS). It sees only operator new (std::string, containers);
// memory a C library takes with malloc (zstd's contexts and window) is not counted. A block
// allocated before the meter and freed under it lowers the count, so the peak can only be
// under-, never over-estimated by what else runs: compare it with bounds far apart.
//
// Linking alloc_meter.cc replaces the global operator new and delete of the whole test
// program; with no meter running they cost one relaxed atomic load each. Not in a sanitizer
// build (TESSERA_NO_ALLOC_METER: its runtime owns operator new): then counting() is false and
// peak_bytes() is 0, and a test skips its bound. At most one meter at a time; construct and
// destroy it on one thread.
#pragma once

#include <cstdint>

namespace tessera::common::testing {

class AllocMeter {
 public:
  AllocMeter();  // starts counting from zero
  ~AllocMeter();
  AllocMeter(const AllocMeter&) = delete;
  AllocMeter& operator=(const AllocMeter&) = delete;

  // Whether allocations are counted in this build (see above).
  static bool counting();
  // The most bytes that were allocated under the meter and still held, at any moment so far.
  int64_t peak_bytes() const;
};

}  // namespace tessera::common::testing
