// daemon/syncer/syncer.h
//
// Syncer: the syncer thread's loop. It owns nothing but the schedule: it waits for local events
// (debounced), remote notifications, the periodic rescan and retry timers, then scans what
// changed and runs a SyncEngine round. When a server is unreachable it records connected=false
// and retries with exponential backoff (0.5 s doubling to 30 s, with jitter); local changes stay
// queued in the index meanwhile.
// Thread safety: Run() is the syncer thread's body; the On*() signals and cursor() may be called
// from any thread (the watcher and notify threads); they only touch mutex_-guarded state.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <set>
#include <stop_token>
#include <string>

#include "common/env.h"
#include "common/log.h"
#include "daemon/index/index.h"
#include "daemon/scanner/scanner.h"
#include "daemon/syncer/sync_engine.h"

namespace tessera::daemon::syncer {

struct SyncerOptions {
  std::chrono::seconds rescan_interval{600};
  std::chrono::milliseconds debounce{100};       // quiet time after the last local event
  std::chrono::milliseconds max_debounce{1000};  // a burst of events waits at most this
  std::chrono::seconds pull_interval{60};        // safety net besides notify
  std::chrono::milliseconds backoff_min{500};
  std::chrono::milliseconds backoff_max{30'000};
};

class Syncer {
 public:
  // All references must outlive the syncer; they are used only from the Run() thread.
  Syncer(SyncEngine& engine, scanner::Scanner& scanner, index::Index& index, common::Logger& log,
         SyncerOptions options);

  void Run(std::stop_token stop);

  // Local paths (relative) changed; thread-safe. Too many at once becomes a full rescan.
  void OnPathsChanged(const std::set<std::string>& paths);
  // The watcher lost events (queue overflow): rescan everything.
  void OnOverflow();
  // The journal moved on (from the notify thread).
  void OnRemoteChanged();
  // The cursor last applied (for notify).
  uint64_t cursor() const { return cursor_.load(); }
  // Rounds completed (for tests: wait until the syncer went idle after a change).
  uint64_t rounds() const { return rounds_.load(); }
  // Blocks until more than `round` rounds have completed or `deadline` passes; returns
  // rounds(). Thread-safe.
  uint64_t WaitForRoundAfter(uint64_t round, std::chrono::steady_clock::time_point deadline) const;
  // Blocks until cursor() >= `at_least` (checked as each round ends) or `deadline` passes;
  // returns cursor(). Thread-safe.
  uint64_t WaitForCursor(uint64_t at_least, std::chrono::steady_clock::time_point deadline) const;
  bool connected() const { return connected_.load(); }
  // Whether a round is running now (for the notify thread: its wake-up may be our own commit).
  bool busy() const { return busy_.load(); }

 private:
  using Clock = std::chrono::steady_clock;
  void Round(bool full_scan, const std::set<std::string>& paths, bool pull);
  void SetConnected(bool connected);
  void FinishRound();  // counts a round and wakes WaitForRoundAfter() and WaitForCursor()

  SyncEngine& engine_;
  scanner::Scanner& scanner_;
  index::Index& index_;
  common::Logger& log_;
  const SyncerOptions options_;

  std::mutex mutex_;
  std::condition_variable_any cv_;
  std::set<std::string> changed_;    // guarded by mutex_
  bool overflow_ = false;            // guarded by mutex_
  bool remote_ = false;              // guarded by mutex_
  Clock::time_point first_event_{};  // guarded by mutex_
  Clock::time_point last_event_{};   // guarded by mutex_

  std::atomic<uint64_t> cursor_{0};
  std::atomic<uint64_t> rounds_{0};
  std::atomic<bool> busy_{false};
  mutable std::mutex rounds_mutex_;  // pairs with rounds_cv_; rounds_ changes under it
  mutable std::condition_variable rounds_cv_;
  std::atomic<bool> connected_{false};
  bool online_known_ = false;  // syncer thread only
  std::chrono::milliseconds backoff_{0};
  Clock::time_point retry_at_{};
  std::minstd_rand rng_{std::random_device{}()};  // backoff jitter
};

}  // namespace tessera::daemon::syncer
