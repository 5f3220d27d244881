// common/clock.h
//
// Clock: where code that schedules or times things reads the time, so that tests can simulate
// it (tests/testutil/manual_clock.h): steady time for intervals, deadlines and backoff (never
// steps back); system time for what is shown or stored (dates, timestamps; may step).
// RealClock reads the std clocks. Implementations are thread-safe.
#pragma once

#include <chrono>

namespace tessera::common {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::steady_clock::time_point SteadyNow() const = 0;
  virtual std::chrono::system_clock::time_point SystemNow() const = 0;
};

// The real clocks. Stateless; one instance may be shared by everything.
class RealClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point SteadyNow() const override {
    return std::chrono::steady_clock::now();
  }
  std::chrono::system_clock::time_point SystemNow() const override {
    return std::chrono::system_clock::now();
  }
};

}  // namespace tessera::common
