// tests/testutil/manual_clock.h
//
// ManualClock: a common::Clock whose time moves only when the test says so (Advance, or
// SetSystem to step the wall clock, even backwards), for debounce, backoff and timers without
// sleeps. Starts at an arbitrary steady point and the system time given (default: the Unix
// epoch plus one day, so nothing is "before 1970").
// Thread-safe: reads and moves may come from any thread.
#pragma once

#include <chrono>

#include "common/clock.h"
#include "common/mutex.h"

namespace tessera::testutil {

class ManualClock final : public common::Clock {
 public:
  explicit ManualClock(std::chrono::system_clock::time_point system =
                           std::chrono::system_clock::time_point(std::chrono::hours(24)))
      : system_(system) {}

  std::chrono::steady_clock::time_point SteadyNow() const override {
    common::MutexLock lock(mutex_);
    return steady_;
  }
  std::chrono::system_clock::time_point SystemNow() const override {
    common::MutexLock lock(mutex_);
    return system_;
  }

  // Moves both clocks forward by `d` (>= 0).
  void Advance(std::chrono::nanoseconds d) {
    common::MutexLock lock(mutex_);
    steady_ += d;
    system_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
  }
  // Sets the wall clock alone (a step, forwards or back); steady time does not move.
  void SetSystem(std::chrono::system_clock::time_point t) {
    common::MutexLock lock(mutex_);
    system_ = t;
  }

 private:
  mutable common::Mutex mutex_;
  std::chrono::steady_clock::time_point steady_ TESSERA_GUARDED_BY(mutex_) =
      std::chrono::steady_clock::time_point(std::chrono::hours(1));
  std::chrono::system_clock::time_point system_ TESSERA_GUARDED_BY(mutex_);
};

}  // namespace tessera::testutil
