// metaserver/login/login_limiter.h
//
// LoginLimiter: how many failed logins the metaserver accepts before it stops trying
// passwords, per user name and per client address, so neither a loop of guesses at one
// account nor one address guessing at many gets far. Each key (a name, an address) may fail
// `max_failures` times within `window`; beyond that Allow() refuses until the oldest failure
// leaves the window. Failures are counted whether or not the user exists (a limit says nothing
// about existence), and a success clears the user's count (not the address's). Memory is
// bounded: at most `max_keys` keys are tracked, the least recently failed forgotten first.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "common/mutex.h"

namespace tessera::metaserver::login {

struct LoginLimits {
  size_t max_failures_per_user = 5;
  size_t max_failures_per_address = 20;
  std::chrono::seconds window{15 * 60};
  size_t max_keys = 100'000;
};

class LoginLimiter {
 public:
  // `clock` must outlive the limiter.
  LoginLimiter(const common::Clock& clock, LoginLimits limits = {})
      : clock_(clock), limits_(limits) {}

  // Whether a login for `user` from `address` may be tried now.
  bool Allow(std::string_view user, std::string_view address);
  // A login that failed (unknown user, wrong password, wrong or replayed code alike).
  void RecordFailure(std::string_view user, std::string_view address);
  // A login that went through: the user's failures are forgotten.
  void RecordSuccess(std::string_view user);

 private:
  using Time = std::chrono::steady_clock::time_point;
  struct Failures {
    std::deque<Time> times;  // within the window, oldest first
    std::list<std::string>::iterator lru;
  };
  // Failures of `key` still within the window (drops older ones).
  size_t Count(const std::string& key, Time now) TESSERA_REQUIRES(mutex_);
  void Add(const std::string& key, Time now) TESSERA_REQUIRES(mutex_);

  const common::Clock& clock_;
  const LoginLimits limits_;
  common::Mutex mutex_;
  std::unordered_map<std::string, Failures> keys_ TESSERA_GUARDED_BY(mutex_);
  std::list<std::string> lru_ TESSERA_GUARDED_BY(mutex_);  // most recently failed first
};

}  // namespace tessera::metaserver::login
