// daemon/syncer/sync_schedule.h
//
// SyncSchedule: when the syncer runs a round and what the round does, as a function of the
// events it was told and the time it is given (no clock of its own, no threads), so it can be
// driven with simulated time. The rules:
// - Local events are debounced: a round takes them once `debounce` passed since the last one,
//   or `max_debounce` since the first of a burst. Too many paths at once (kMaxQueuedPaths), or
//   a watcher overflow, become a full rescan.
// - A remote notification, a retry time that came, work left by the last round (while online),
//   the periodic rescan and the periodic pull make a round due at once.
// - Paths in doubt after a round (the scanner's recheck list) are scanned again kRecheckDelay
//   later, together with any local events still being debounced then (never ahead of them: a
//   partial look inside a directory being renamed would act on half of the rename).
// - A round whose scan ran while local events were waiting to be scanned does not act on it
//   (the scan may hold half of a change, e.g. a directory renamed while it was walked); the
//   next round, once those events settle, scans them and acts. At most once in a row, so a
//   stream of events never starves the servers.
// - A round that waits for something outside (a folder gone, deletes held for a yes) asks to
//   look again at a time (LookAgainAt): a round is due then, scanning nothing by itself.
// - A server unreachable: rounds stay local until the retry time, backoff_min doubling to
//   backoff_max with up to a quarter more of jitter; a pull asked for (the notify thread heard
//   the metaserver) still tries at once.
// Not thread-safe: the Syncer calls it under its mutex.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <set>
#include <string>

#include "daemon/scanner/scanner.h"

namespace tessera::daemon::syncer {

struct SyncerOptions {
  std::chrono::seconds rescan_interval{600};
  std::chrono::milliseconds debounce{100};       // quiet time after the last local event
  std::chrono::milliseconds max_debounce{1000};  // a burst of events waits at most this
  std::chrono::seconds pull_interval{60};        // safety net besides notify
  std::chrono::milliseconds backoff_min{500};
  std::chrono::milliseconds backoff_max{30'000};
};

// More changed paths than this at once become a full rescan (bounded memory).
inline constexpr size_t kMaxQueuedPaths = 10'000;
// Past the scanner's doubt window, so one more look settles a just-written file.
inline constexpr std::chrono::milliseconds kRecheckDelay{1000};

// What one round does: scan (everything, or these relative paths), then, unless the schedule
// says otherwise, talk to the servers (a pull first when `pull`) and process.
struct RoundRequest {
  bool full_scan = false;
  std::set<std::string> paths;  // ignored when full_scan
  bool pull = false;

  bool scans() const { return full_scan || !paths.empty(); }
};

class SyncSchedule {
 public:
  using Time = std::chrono::steady_clock::time_point;

  // `seed` seeds the backoff's jitter.
  SyncSchedule(SyncerOptions options, uint32_t seed) : options_(options), rng_(seed) {}

  // Events, at `now`.
  void PathsChanged(const std::set<std::string>& paths, Time now);
  void Overflowed(Time now);
  void RemoteChanged() { remote_ = true; }

  // The first round (a full scan and a pull); the timers start when it is done.
  RoundRequest FirstRound() const { return RoundRequest{true, {}, true}; }
  // Whether a round is due at `now`.
  bool Due(Time now) const;
  // When to look again while nothing is due: the earliest time something becomes due without
  // a new event (Time::max() when only an event can).
  Time WakeAt() const;
  // What the round due at `now` does; takes the events and timers it covers.
  RoundRequest Take(Time now);

  // After `round`'s scan: whether the round acts on it now (see above). When it does not, its
  // pull waits for the round that does.
  bool ActAfterScan(const RoundRequest& round);
  // Whether a round at `now` may talk to the servers (online, the retry time came, or a pull
  // was asked for).
  bool MayContactServers(Time now, bool pull) const;
  // A round found a server unreachable at `now`: returns how long until the next try.
  std::chrono::milliseconds Unreachable(Time now);
  // Makes a round due at `at` (the earliest of the times asked for, until a round takes it).
  void LookAgainAt(Time at) { look_again_ = std::min(look_again_, at); }
  // A round reached the servers.
  void Reachable() { backoff_ = std::chrono::milliseconds(0); }
  bool offline() const { return backoff_.count() > 0; }

  // A round ended at `now`: `more` is the scanner's recheck list, `work_left` the engine's.
  void RoundDone(Time now, scanner::Recheck more, bool work_left);

 private:
  bool EventsPending() const { return overflow_ || !changed_.empty(); }
  bool Settled(Time now) const;

  const SyncerOptions options_;
  std::set<std::string> changed_;
  bool overflow_ = false;
  bool remote_ = false;
  Time first_event_{};
  Time last_event_{};
  bool started_ = false;  // the timers below run from the end of the first round
  Time next_rescan_ = Time::max();
  Time next_pull_ = Time::max();
  Time next_recheck_ = Time::max();
  Time look_again_ = Time::max();
  scanner::Recheck recheck_;  // bounded: kMaxRecheckPaths, then "all"
  bool work_left_ = false;
  bool deferred_ = false;  // the last round that scanned did not act on its scan
  std::chrono::milliseconds backoff_{0};
  Time retry_at_{};
  std::minstd_rand rng_;
};

}  // namespace tessera::daemon::syncer
