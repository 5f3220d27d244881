#include "metaserver/login/login_limiter.h"

#include <algorithm>

namespace tessera::metaserver::login {

namespace {

std::string UserKey(std::string_view user) { return "u:" + std::string(user); }
std::string AddressKey(std::string_view address) { return "a:" + std::string(address); }

}  // namespace

size_t LoginLimiter::Count(const std::string& key, Time now) {
  auto it = keys_.find(key);
  if (it == keys_.end()) return 0;
  auto& times = it->second.times;
  while (!times.empty() && now - times.front() >= limits_.window) times.pop_front();
  if (times.empty()) {
    lru_.erase(it->second.lru);
    keys_.erase(it);
    return 0;
  }
  return times.size();
}

void LoginLimiter::Add(const std::string& key, Time now) {
  auto it = keys_.find(key);
  if (it == keys_.end()) {
    if (keys_.size() >= limits_.max_keys && !lru_.empty()) {
      keys_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(key);
    it = keys_.emplace(key, Failures{{}, lru_.begin()}).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  auto& times = it->second.times;
  times.push_back(now);
  // Only as many as can matter are kept.
  const size_t cap = std::max(limits_.max_failures_per_user, limits_.max_failures_per_address);
  while (times.size() > cap) times.pop_front();
}

bool LoginLimiter::Allow(std::string_view user, std::string_view address) {
  const Time now = clock_.SteadyNow();
  common::MutexLock lock(mutex_);
  return Count(UserKey(user), now) < limits_.max_failures_per_user &&
         Count(AddressKey(address), now) < limits_.max_failures_per_address;
}

void LoginLimiter::RecordFailure(std::string_view user, std::string_view address) {
  const Time now = clock_.SteadyNow();
  common::MutexLock lock(mutex_);
  Add(UserKey(user), now);
  Add(AddressKey(address), now);
}

void LoginLimiter::RecordSuccess(std::string_view user) {
  common::MutexLock lock(mutex_);
  if (auto it = keys_.find(UserKey(user)); it != keys_.end()) {
    lru_.erase(it->second.lru);
    keys_.erase(it);
  }
}

}  // namespace tessera::metaserver::login
