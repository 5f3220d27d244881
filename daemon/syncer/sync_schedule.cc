#include "daemon/syncer/sync_schedule.h"

#include <algorithm>
#include <utility>

namespace tessera::daemon::syncer {

void SyncSchedule::PathsChanged(const std::set<std::string>& paths, Time now) {
  if (!EventsPending()) first_event_ = now;
  last_event_ = now;
  if (changed_.size() + paths.size() > kMaxQueuedPaths) {
    overflow_ = true;  // bounded: a full rescan finds everything anyway
    changed_.clear();
  } else if (!overflow_) {
    changed_.insert(paths.begin(), paths.end());
  }
}

void SyncSchedule::Overflowed(Time now) {
  overflow_ = true;
  changed_.clear();
  last_event_ = first_event_ = now;
}

bool SyncSchedule::Settled(Time now) const {
  return EventsPending() &&
         (now - last_event_ >= options_.debounce || now - first_event_ >= options_.max_debounce);
}

bool SyncSchedule::Due(Time now) const {
  // A scan that raced local events is acted on only once they are scanned too.
  if (deferred_ && EventsPending()) return Settled(now);
  const bool retry = offline() && now >= retry_at_;
  const bool more = work_left_ && !offline();
  const bool recheck = now >= next_recheck_ && !EventsPending();
  return Settled(now) || remote_ || retry || more || now >= next_rescan_ || now >= next_pull_ ||
         recheck || now >= look_again_;
}

SyncSchedule::Time SyncSchedule::WakeAt() const {
  Time until = Time::max();
  if (EventsPending()) {
    until = std::min(last_event_ + options_.debounce, first_event_ + options_.max_debounce);
  }
  if (deferred_ && EventsPending()) return until;
  until = std::min({until, next_rescan_, next_pull_, look_again_});
  if (!EventsPending()) until = std::min(until, next_recheck_);
  if (offline()) until = std::min(until, retry_at_);
  return until;
}

RoundRequest SyncSchedule::Take(Time now) {
  RoundRequest round;
  if (Settled(now)) {
    round.full_scan = overflow_;
    round.paths = std::exchange(changed_, {});
    overflow_ = false;
  }
  round.pull = std::exchange(remote_, false);
  if (now >= look_again_) look_again_ = Time::max();
  if (now >= next_rescan_) {
    round.full_scan = true;
    next_rescan_ = now + options_.rescan_interval;
  }
  if (now >= next_pull_) {
    round.pull = true;
    next_pull_ = now + options_.pull_interval;
  }
  if (now >= next_recheck_ && !EventsPending()) {
    round.full_scan = round.full_scan || recheck_.all;
    if (!round.full_scan) round.paths.merge(recheck_.paths);
    recheck_ = {};
    next_recheck_ = Time::max();
  }
  if (round.full_scan) round.paths.clear();
  return round;
}

bool SyncSchedule::ActAfterScan(const RoundRequest& round) {
  if (round.scans() && EventsPending() && !deferred_) {
    deferred_ = true;
    remote_ = remote_ || round.pull;
    return false;
  }
  deferred_ = false;
  return true;
}

bool SyncSchedule::MayContactServers(Time now, bool pull) const {
  return !offline() || now >= retry_at_ || pull;
}

std::chrono::milliseconds SyncSchedule::Unreachable(Time now) {
  backoff_ = offline() ? std::min(backoff_ * 2, options_.backoff_max) : options_.backoff_min;
  const auto jitter = std::chrono::milliseconds(rng_() % (backoff_.count() / 4 + 1));
  retry_at_ = now + backoff_ + jitter;
  return backoff_ + jitter;
}

void SyncSchedule::RoundDone(Time now, scanner::Recheck more, bool work_left) {
  if (!started_) {
    started_ = true;
    next_rescan_ = now + options_.rescan_interval;
    next_pull_ = now + options_.pull_interval;
  }
  if (!more.empty()) {
    recheck_.Merge(std::move(more));
    next_recheck_ = std::min(next_recheck_, now + kRecheckDelay);
  }
  work_left_ = work_left;
}

}  // namespace tessera::daemon::syncer
