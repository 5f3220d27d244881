// daemon/syncer/syncer.h
//
// Syncer: the syncer thread's loop. It owns the schedule (SyncSchedule: debounced local events,
// remote notifications, the periodic rescan, pull and recheck timers, backoff while a server is
// unreachable) and runs rounds: take what `tessera resume` asked (resume_requests.h), check the
// folder (SyncEngine::CheckRoot: a folder gone or replaced pauses everything, looked at again
// every kPausedLookAgain, resumed with a full rescan once it is back), scan what changed, then a
// SyncEngine round (ping, pull, process; pulled and processed again while commits find the
// journal moved on, and what a conflict leaves makes the next round due at once). When a
// server is unreachable it records connected=false and retries with backoff; local changes
// stay queued in the index meanwhile. Steps that failed here (a full disk) are tried again
// every kFailedLookAgain. Errors whose condition ended (a server back, the folder back, the
// failing steps done) leave last_error. Time comes from the Clock it is given.
// Thread safety: Run() is the syncer thread's body; the On*() signals and the accessors may be
// called from any thread (the watcher and notify threads); the schedule is guarded by mutex_.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <set>
#include <stop_token>
#include <string>

#include "common/clock.h"
#include "common/log.h"
#include "common/mutex.h"
#include "daemon/index/index.h"
#include "daemon/scanner/scanner.h"
#include "daemon/syncer/sync_engine.h"
#include "daemon/syncer/sync_schedule.h"

namespace tessera::daemon::syncer {

// A round pulls again and processes what it listed at most this many times when its commits
// find the journal moved on; what is left then is the next round's, at once.
inline constexpr int kMaxPullsPerRound = 5;
// At most this many rounds in a row start at once for what pulls left; then the safety net.
inline constexpr int kMaxPullingRounds = 10;
// How often a paused folder is looked at, and how often held deletes look for a yes.
inline constexpr std::chrono::milliseconds kPausedLookAgain{2000};
// How soon steps that failed here (a full disk, an I/O error) are tried again without an event.
inline constexpr std::chrono::milliseconds kFailedLookAgain{10'000};

class Syncer {
 public:
  // All references must outlive the syncer; the engine, scanner and index are used only from
  // the Run() thread.
  Syncer(SyncEngine& engine, scanner::Scanner& scanner, index::Index& index, common::Logger& log,
         SyncerOptions options, common::Clock& clock);

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
  // Blocks until more than `round` rounds have completed or `deadline` (real time) passes;
  // returns rounds(). Thread-safe.
  uint64_t WaitForRoundAfter(uint64_t round, std::chrono::steady_clock::time_point deadline) const;
  // Blocks until cursor() >= `at_least` (checked as each round ends) or `deadline` (real time)
  // passes; returns cursor(). Thread-safe.
  uint64_t WaitForCursor(uint64_t at_least, std::chrono::steady_clock::time_point deadline) const;
  bool connected() const { return connected_.load(); }
  // Whether a round is running now (for the notify thread: its wake-up may be our own commit).
  bool busy() const { return busy_.load(); }

 private:
  void Round(const RoundRequest& round);
  void SetConnected(bool connected);
  // Acts on what `tessera resume` asked; true when the folder started over (the round then
  // scans all and pulls).
  bool TakeRequests();
  // The folder check said `why`: sync stays paused (said once per reason).
  void Pause(const std::string& why);
  // The folder check passed: ends a pause.
  void Unpause();
  // Records `message` as last_error (and logs it).
  void RecordError(const std::string& message);
  // Tells the schedule the round ended, counts it and wakes WaitForRoundAfter/WaitForCursor.
  void FinishRound();

  SyncEngine& engine_;
  scanner::Scanner& scanner_;
  index::Index& index_;
  common::Logger& log_;
  common::Clock& clock_;

  common::Mutex mutex_;
  common::CondVar cv_;  // a signal or a stop request changed what is due
  SyncSchedule schedule_ TESSERA_GUARDED_BY(mutex_);

  std::atomic<uint64_t> cursor_{0};
  std::atomic<uint64_t> rounds_{0};
  std::atomic<bool> busy_{false};
  mutable common::Mutex rounds_mutex_;  // pairs with rounds_cv_; rounds_ changes under it
  mutable common::CondVar rounds_cv_;
  std::atomic<bool> connected_{false};
  // Syncer thread only:
  bool online_known_ = false;
  bool temps_removed_ = false;     // RemoveStaleTempFiles ran (once, in the first round it may)
  bool pause_known_ = false;       // the index's "paused" value was set by this run
  std::string paused_;             // why sync is paused ("" while it is not)
  std::string unreachable_error_;  // the last_error an unreachable server left
  bool look_again_ = false;        // this round asks for another look after kPausedLookAgain
  bool retry_failed_ = false;      // this round asks for another try after kFailedLookAgain
  std::string failure_error_;      // the last_error failing steps left (cleared when they work)
  bool more_work_ = false;         // this round left a pull, or paths pulled, unprocessed
  int pulling_rounds_ = 0;         // rounds in a row that left more_work_
};

}  // namespace tessera::daemon::syncer
