#include "metaserver/notifier.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace tessera::metaserver {

Notifier::Notifier(NotifierOptions options)
    : options_(options), timer_([this](std::stop_token stop) { TimerLoop(stop); }) {}

Notifier::~Notifier() {
  timer_.request_stop();
  if (timer_.joinable()) timer_.join();
  std::vector<Wakeup> wakeups;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    while (!waiters_.empty()) wakeups.push_back(RemoveLocked(waiters_.begin()));
  }
  for (auto& w : wakeups) w.notify(w.head);
}

common::Status Notifier::Wait(uint64_t nsid, uint64_t cursor, uint64_t known_head,
                              Clock::time_point deadline, NotifyFn notify, CancelledFn cancelled) {
  uint64_t head = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Namespace& ns = namespaces_[nsid];
    ns.head = std::max(ns.head, known_head);
    head = ns.head;
    if (head <= cursor) {
      if (waiters_.size() >= options_.max_waiters) {
        return common::ResourceExhausted("too many notify waiters (" +
                                         std::to_string(options_.max_waiters) + ")");
      }
      const uint64_t id = next_id_++;
      Waiter& w = waiters_[id];
      w.nsid = nsid;
      w.notify = std::move(notify);
      w.cancelled = std::move(cancelled);
      w.by_cursor = ns.waiters.emplace(cursor, id);
      w.by_deadline = deadlines_.emplace(deadline, id);
      // Wake the timer only when this deadline is the new earliest.
      if (w.by_deadline == deadlines_.begin()) {
        rearm_ = true;
        cv_.notify_all();
      }
      return common::Status::Ok();
    }
  }
  notify(head);  // already something new: answer now, outside the lock
  return common::Status::Ok();
}

void Notifier::Advance(uint64_t nsid, uint64_t head) {
  std::vector<Wakeup> woken;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Namespace& ns = namespaces_[nsid];
    if (head <= ns.head) return;
    ns.head = head;
    // Waiters with cursor < head, lowest cursor first.
    while (!ns.waiters.empty() && ns.waiters.begin()->first < head) {
      woken.push_back(RemoveLocked(waiters_.find(ns.waiters.begin()->second)));
    }
  }
  for (auto& w : woken) w.notify(w.head);
}

size_t Notifier::waiting() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return waiters_.size();
}

Notifier::Wakeup Notifier::RemoveLocked(std::map<uint64_t, Waiter>::iterator it) {
  Waiter& w = it->second;
  Namespace& ns = namespaces_[w.nsid];
  Wakeup out{std::move(w.notify), std::move(w.cancelled), ns.head};
  ns.waiters.erase(w.by_cursor);
  deadlines_.erase(w.by_deadline);
  waiters_.erase(it);
  return out;
}

void Notifier::TimerLoop(std::stop_token stop) {
  auto next_sweep = Clock::now() + options_.sweep_interval;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop.stop_requested()) {
    auto wake_at = next_sweep;
    if (!deadlines_.empty()) wake_at = std::min(wake_at, deadlines_.begin()->first);
    cv_.wait_until(lock, stop, wake_at, [this] { return rearm_; });
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
      lock.unlock();
      for (auto& w : expired) w.notify(w.head);
      expired.clear();
      dropped.clear();  // the client is gone: nobody to answer
      lock.lock();
    }
  }
}

}  // namespace tessera::metaserver
