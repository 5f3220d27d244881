// LoginLimiter (metaserver/login/login_limiter.h): a loop of wrong guesses is stopped per user
// and per address, for the window only; unknown names count like known ones; a success clears
// the user's count; the tracked keys stay bounded.
#include "metaserver/login/login_limiter.h"

#include <doctest/doctest.h>

#include <string>

#include "tests/testutil/manual_clock.h"

namespace tessera::metaserver::login {
namespace {

using namespace std::chrono_literals;

TEST_CASE("login limiter: a loop of wrong codes at one user stops, for the window only") {
  testutil::ManualClock clock;
  LoginLimiter limiter(clock);
  int tried = 0;
  for (int i = 0; i < 1000; ++i) {
    if (!limiter.Allow("alice", "10.0.0." + std::to_string(i % 250))) continue;
    ++tried;
    limiter.RecordFailure("alice", "10.0.0." + std::to_string(i % 250));
  }
  CHECK(tried == 5);                        // from many addresses, still five guesses at alice
  CHECK(limiter.Allow("bob", "10.0.0.1"));  // others are not locked out
  clock.Advance(15min - 1s);
  CHECK_FALSE(limiter.Allow("alice", "10.9.9.9"));
  clock.Advance(1s);
  CHECK(limiter.Allow("alice", "10.9.9.9"));
}

TEST_CASE("login limiter: one address guessing at many names stops too") {
  testutil::ManualClock clock;
  LoginLimiter limiter(clock);
  int tried = 0;
  for (int i = 0; i < 500; ++i) {
    const std::string user = "user" + std::to_string(i);  // mostly names that do not exist
    if (!limiter.Allow(user, "203.0.113.7")) continue;
    ++tried;
    limiter.RecordFailure(user, "203.0.113.7");
  }
  CHECK(tried == 20);
  CHECK(limiter.Allow("user1", "198.51.100.1"));  // from elsewhere: the user's own count (1)
}

TEST_CASE("login limiter: a success clears the user's failures, not the address's") {
  testutil::ManualClock clock;
  LoginLimits limits;
  limits.max_failures_per_user = 3;
  limits.max_failures_per_address = 4;
  LoginLimiter limiter(clock, limits);
  for (int i = 0; i < 3; ++i) limiter.RecordFailure("alice", "a1");
  CHECK_FALSE(limiter.Allow("alice", "a2"));
  limiter.RecordSuccess("alice");
  CHECK(limiter.Allow("alice", "a2"));
  limiter.RecordFailure("carol", "a1");
  CHECK_FALSE(limiter.Allow("dave", "a1"));  // a1 has 4 failures
}

TEST_CASE("login limiter: the keys tracked stay bounded") {
  testutil::ManualClock clock;
  LoginLimits limits;
  limits.max_keys = 100;
  limits.max_failures_per_user = 1;
  LoginLimiter limiter(clock, limits);
  limiter.RecordFailure("first", "x");
  for (int i = 0; i < 1000; ++i)
    limiter.RecordFailure("u" + std::to_string(i), "y" + std::to_string(i));
  // The oldest keys were forgotten to make room (a bound on memory, not a way around the limit:
  // forgetting needs more distinct names than max_keys within the window).
  CHECK(limiter.Allow("first", "z"));
  CHECK_FALSE(limiter.Allow("u999", "z"));
}

}  // namespace
}  // namespace tessera::metaserver::login
