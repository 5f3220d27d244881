// TokenSource (common/auth/token_source.h): one fetch serves until a fifth of the lifetime
// (at least 30 s) is left, on the steady clock whatever the wall clock does; a failed refresh
// keeps a token that is still valid unless the credential was refused; a refused token is
// dropped; concurrent callers share one fetch.
#include "common/auth/token_source.h"

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "tests/testutil/manual_clock.h"

namespace tessera::common::auth {
namespace {

using namespace std::chrono_literals;

struct Counter {
  std::atomic<int> calls{0};
  Status fail;  // the next fetches fail with this when not OK
  TokenSource::Fetch Fn(std::chrono::seconds lifetime = 600s) {
    return [this, lifetime]() -> Result<IssuedToken> {
      const int n = ++calls;
      if (!fail.ok()) return fail;
      return IssuedToken{"t" + std::to_string(n), lifetime};
    };
  }
};

TEST_CASE("token source: fetched once, again before the last fifth of its lifetime") {
  testutil::ManualClock clock;
  Counter c;
  TokenSource source(c.Fn(), clock);
  CHECK(*source.Get() == "t1");
  CHECK(*source.Get() == "t1");
  clock.Advance(479s);  // 600 s lifetime: refreshed from 480 s on
  CHECK(*source.Get() == "t1");
  clock.Advance(1s);
  CHECK(*source.Get() == "t2");
  CHECK(c.calls == 2);
  // The wall clock stepping (NTP, a suspended laptop's clock fixed) changes nothing.
  clock.SetSystem(std::chrono::system_clock::time_point(std::chrono::hours(24 * 365 * 40)));
  CHECK(*source.Get() == "t2");
  CHECK(c.calls == 2);
}

TEST_CASE("token source: short lifetimes refresh 30 s ahead at least") {
  testutil::ManualClock clock;
  Counter c;
  TokenSource source(c.Fn(100s), clock);
  CHECK(*source.Get() == "t1");
  clock.Advance(69s);
  CHECK(*source.Get() == "t1");
  clock.Advance(1s);
  CHECK(*source.Get() == "t2");
}

TEST_CASE("token source: a failed refresh keeps a valid token, unless the credential was refused") {
  testutil::ManualClock clock;
  Counter c;
  TokenSource source(c.Fn(), clock);
  CHECK(*source.Get() == "t1");
  clock.Advance(500s);
  c.fail = Unavailable("metaserver down");
  CHECK(*source.Get() == "t1");  // 100 s of validity left
  clock.Advance(100s);
  CHECK(source.Get().status().code() == Code::kUnavailable);  // expired now
  c.fail = Status::Ok();
  CHECK(*source.Get() == "t4");

  clock.Advance(500s);
  c.fail = PermissionDenied("device revoked");
  CHECK(source.Get().status().code() == Code::kPermissionDenied);
  clock.Advance(1s);
  CHECK(source.Get().status().code() == Code::kPermissionDenied);  // not the old token either
}

TEST_CASE("token source: a token a server refused is not handed out again") {
  testutil::ManualClock clock;
  Counter c;
  TokenSource source(c.Fn(), clock);
  CHECK(*source.Get() == "t1");
  source.Invalidate("t0");  // not the one held: nothing changes
  CHECK(*source.Get() == "t1");
  source.Invalidate("t1");
  CHECK(*source.Get() == "t2");
}

TEST_CASE("token source: callers at once share one fetch") {
  testutil::ManualClock clock;
  std::atomic<int> calls{0};
  Mutex mutex;
  CondVar all_started;
  int started = 0;  // guarded by mutex
  TokenSource source(
      [&]() -> Result<IssuedToken> {
        ++calls;
        // The fetch holds on until every caller is running (or a deadline passes), so the
        // others arrive while it is in flight.
        MutexLock lock(mutex);
        (void)all_started.WaitFor(mutex, 10s,
                                  [&]() TESSERA_REQUIRES(mutex) { return started == 8; });
        return IssuedToken{"shared", 600s};
      },
      clock);
  std::vector<std::thread> threads;
  std::atomic<int> right{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      {
        MutexLock lock(mutex);
        ++started;
        all_started.NotifyAll();
      }
      auto got = source.Get();
      right += got.ok() && *got == "shared" ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(right == 8);
  CHECK(calls == 1);
}

}  // namespace
}  // namespace tessera::common::auth
