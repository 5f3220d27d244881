#include "common/mutex.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stop_token>
#include <thread>
#include <vector>

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

TEST_CASE("mutex: WaitFor sees a change made within its timeout, and ends false without one") {
  Counter c;
  std::jthread writer([&] {
    MutexLock lock(c.mutex);
    c.value = 3;
    c.changed.NotifyAll();
  });
  {
    MutexLock lock(c.mutex);
    CHECK(c.changed.WaitFor(c.mutex, std::chrono::seconds(30),
                            [&]() TESSERA_REQUIRES(c.mutex) { return c.value == 3; }));
  }
  writer.join();
  MutexLock lock(c.mutex);
  const auto start = steady_clock::now();
  CHECK_FALSE(c.changed.WaitFor(c.mutex, std::chrono::milliseconds(20),
                                [&]() TESSERA_REQUIRES(c.mutex) { return c.value == 4; }));
  CHECK(steady_clock::now() - start >= std::chrono::milliseconds(20));
  std::stop_source stop;
  stop.request_stop();
  CHECK_FALSE(c.changed.WaitFor(c.mutex, stop.get_token(), std::chrono::hours(1),
                                [&]() TESSERA_REQUIRES(c.mutex) { return c.value == 4; }));
}

struct Shared {
  mutable SharedMutex mutex;
  int a TESSERA_GUARDED_BY(mutex) = 0;
  int b TESSERA_GUARDED_BY(mutex) = 0;

  void Bump() {
    WriterMutexLock lock(mutex);
    ++a;
    ++b;
  }
  bool Consistent() const {
    ReaderMutexLock lock(mutex);
    return a == b;
  }
  int Total() const {
    ReaderMutexLock lock(mutex);
    return a + b;
  }
};

TEST_CASE("mutex: readers of a SharedMutex never see a writer's change half done") {
  Shared s;
  std::atomic<bool> torn{false};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 20000; ++i) {
          if (!s.Consistent()) torn = true;
        }
      });
    }
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 10000; ++i) s.Bump();
      });
    }
  }
  CHECK_FALSE(torn);
  CHECK(s.Total() == 2 * 2 * 10000);
}

TEST_CASE("mutex: a SharedMutex is held shared by many readers at once, by one writer alone") {
  SharedMutex mutex;
  mutex.ReaderLock();
  // A second reader gets in while the first holds it...
  std::atomic<bool> second_reader{false};
  std::jthread reader([&] {
    ReaderMutexLock lock(mutex);
    second_reader = true;
  });
  reader.join();
  CHECK(second_reader);
  // ...a writer waits for the reader to leave.
  std::atomic<bool> wrote{false};
  std::jthread writer([&] {
    WriterMutexLock lock(mutex);
    wrote = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK_FALSE(wrote);
  mutex.ReaderUnlock();
  writer.join();
  CHECK(wrote);
}

}  // namespace
}  // namespace tessera::common
