#include "common/mutex.h"

#include <doctest/doctest.h>

#include <chrono>
#include <stop_token>
#include <thread>

namespace tessera::common {
namespace {

using std::chrono::steady_clock;

struct Counter {
  Mutex mutex;
  CondVar changed;
  int value TESSERA_GUARDED_BY(mutex) = 0;
};

TEST_CASE("mutex: a waiter sees the value another thread set under the lock") {
  Counter c;
  std::jthread writer([&] {
    MutexLock lock(c.mutex);
    c.value = 7;
    c.changed.NotifyAll();
  });
  MutexLock lock(c.mutex);
  const bool seen = c.changed.WaitUntil(c.mutex, steady_clock::now() + std::chrono::seconds(30),
                                        [&]() TESSERA_REQUIRES(c.mutex) { return c.value == 7; });
  CHECK(seen);
  CHECK(c.value == 7);
}

TEST_CASE("mutex: a wait ends false at its deadline, or at once when stop is requested") {
  Counter c;
  MutexLock lock(c.mutex);
  CHECK_FALSE(c.changed.WaitUntil(c.mutex, steady_clock::now(),
                                  [&]() TESSERA_REQUIRES(c.mutex) { return c.value > 0; }));
  std::stop_source stop;
  stop.request_stop();
  CHECK_FALSE(c.changed.WaitUntil(c.mutex, stop.get_token(),
                                  steady_clock::now() + std::chrono::hours(1),
                                  [&]() TESSERA_REQUIRES(c.mutex) { return c.value > 0; }));
}

}  // namespace
}  // namespace tessera::common
