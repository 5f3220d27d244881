#include "metaserver/ns/notifier.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace tessera::metaserver::ns {

Notifier::Notifier(NotifierOptions options)
    : options_(options), timer_([this](std::stop_token stop) { TimerLoop(stop); }) {}

Notifier::~Notifier() {
  timer_.request_stop();
  if (timer_.joinable()) timer_.join();
  std::vector<Wakeup> wakeups;
  {
    common::MutexLock lock(mutex_);
    while (!waiters_.empty()) wakeups.push_back(RemoveLocked(waiters_.begin()));
  }
  for (auto& w : wakeups) w.notify(w.head);
}

common::Status Notifier::Wait(std::string_view ns, uint64_t cursor, uint64_t known_head,
                              Clock::time_point deadline, NotifyFn notify, CancelledFn cancelled) {
  uint64_t head = 0;
  {
    common::MutexLock lock(mutex_);
    auto it = namespaces_.find(ns);
    head = std::max(known_head, it != namespaces_.end() ? it->second.head : 0);
    if (head <= cursor) {
      if (waiters_.size() >= options_.max_waiters) {
        return common::ResourceExhausted("too many notify waiters (" +
                                         std::to_string(options_.max_waiters) + ")");
      }
      if (it == namespaces_.end()) it = namespaces_.emplace(std::string(ns), Namespace{}).first;
      it->second.head = head;
      const uint64_t id = next_id_++;
      Waiter& w = waiters_[id];
      w.ns = it;
      w.notify = std::move(notify);
      w.cancelled = std::move(cancelled);
      w.by_cursor = it->second.waiters.emplace(cursor, id);
      w.by_deadline = deadlines_.emplace(deadline, id);
      // Wake the timer only when this deadline is the new earliest.
      if (w.by_deadline == deadlines_.begin()) {
        rearm_ = true;
        cv_.NotifyAll();
      }
      return common::Status::Ok();
    }
    if (it != namespaces_.end()) it->second.head = head;
  }
  notify(head);  // already something new: answer now, outside the lock
  return common::Status::Ok();
}

void Notifier::Advance(std::string_view ns, uint64_t head) {
  if (head == 0) return;  // nothing was ever committed: nothing to wake or remember
  std::vector<Wakeup> woken;
  {
    common::MutexLock lock(mutex_);
    auto it = namespaces_.find(ns);
    if (it == namespaces_.end()) it = namespaces_.emplace(std::string(ns), Namespace{}).first;
    Namespace& state = it->second;
    if (head <= state.head) return;
    state.head = head;
    // Waiters with cursor < head, lowest cursor first.
    while (!state.waiters.empty() && state.waiters.begin()->first < head) {
      woken.push_back(RemoveLocked(waiters_.find(state.waiters.begin()->second)));
    }
  }
  for (auto& w : woken) w.notify(w.head);
}

size_t Notifier::waiting() const {
  common::MutexLock lock(mutex_);
  return waiters_.size();
}

size_t Notifier::remembered() const {
  common::MutexLock lock(mutex_);
  return namespaces_.size();
}

Notifier::Wakeup Notifier::RemoveLocked(std::map<uint64_t, Waiter>::iterator it) {
  Waiter& w = it->second;
  Namespace& state = w.ns->second;
  Wakeup out{std::move(w.notify), std::move(w.cancelled), state.head};
  state.waiters.erase(w.by_cursor);
  deadlines_.erase(w.by_deadline);
  // A name nobody waits on and no commit advanced need not be remembered: only waits on
  // namespaces that do not exist leave such entries, and they must not pile up.
  if (state.waiters.empty() && state.head == 0) namespaces_.erase(w.ns);
  waiters_.erase(it);
  return out;
}

void Notifier::TimerLoop(std::stop_token stop) {
  auto next_sweep = Clock::now() + options_.sweep_interval;
  common::MutexLock lock(mutex_);
  while (!stop.stop_requested()) {
    auto wake_at = next_sweep;
    if (!deadlines_.empty()) wake_at = std::min(wake_at, deadlines_.begin()->first);
    cv_.WaitUntil(mutex_, stop, wake_at, [this]() TESSERA_REQUIRES(mutex_) { return rearm_; });
    rearm_ = false;
    if (stop.stop_requested()) break;

    const auto now = Clock::now();
    std::vector<Wakeup> expired;
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
      expired.push_back(RemoveLocked(waiters_.find(deadlines_.begin()->second)));
    }
    std::vector<Wakeup> dropped;
    if (now >= next_sweep) {
      next_sweep = now + options_.sweep_interval;
      for (auto it = waiters_.begin(); it != waiters_.end();) {
        auto next = std::next(it);
        if (it->second.cancelled && it->second.cancelled()) dropped.push_back(RemoveLocked(it));
        it = next;
      }
    }
    if (!expired.empty() || !dropped.empty()) {
      mutex_.Unlock();
      for (auto& w : expired) w.notify(w.head);
      expired.clear();
      dropped.clear();  // the client is gone: nobody to answer
      mutex_.Lock();
    }
  }
}

}  // namespace tessera::metaserver::ns
