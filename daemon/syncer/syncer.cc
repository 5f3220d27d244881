#include "daemon/syncer/syncer.h"

#include <random>
#include <utility>

#include "daemon/syncer/resume_requests.h"

namespace tessera::daemon::syncer {

namespace {

int64_t MillisBetween(std::chrono::steady_clock::time_point a,
                      std::chrono::steady_clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

}  // namespace

Syncer::Syncer(SyncEngine& engine, scanner::Scanner& scanner, index::Index& index,
               common::Logger& log, SyncerOptions options, common::Clock& clock)
    : engine_(engine),
      scanner_(scanner),
      index_(index),
      log_(log),
      clock_(clock),
      schedule_(options, std::random_device{}()) {
  cursor_ = engine_.cursor();
}

void Syncer::OnPathsChanged(const std::set<std::string>& paths) {
  {
    common::MutexLock lock(mutex_);
    schedule_.PathsChanged(paths, clock_.SteadyNow());
  }
  cv_.NotifyAll();
}

void Syncer::OnOverflow() {
  {
    common::MutexLock lock(mutex_);
    schedule_.Overflowed(clock_.SteadyNow());
  }
  cv_.NotifyAll();
}

void Syncer::OnRemoteChanged() {
  {
    common::MutexLock lock(mutex_);
    schedule_.RemoteChanged();
  }
  cv_.NotifyAll();
}

void Syncer::SetConnected(bool connected) {
  if (online_known_ && connected_ == connected) return;
  online_known_ = true;
  connected_ = connected;
  (void)index_.SetValue("connected", connected ? "1" : "0");
  if (connected) {
    // The servers answer again: their error is history (the log keeps it).
    if (!unreachable_error_.empty()) {
      (void)index_.ClearValueIf("last_error", unreachable_error_);
      unreachable_error_.clear();
    }
    log_.Info("sync", "connected to the servers");
  } else {
    log_.Warn("sync", "servers unreachable; changes stay queued");
  }
}

void Syncer::RecordError(const std::string& message) { engine_.RecordError(message); }

bool Syncer::TakeRequests() {
  auto take = [&](std::string_view key) {
    auto asked = index_.TakeValue(std::string(key));
    return asked.ok() && *asked;
  };
  bool started_over = false;
  if (take(kRequestStartOver)) {
    if (const common::Status s = engine_.StartOver(); s.ok()) {
      started_over = true;
    } else {
      RecordError("start over: " + s.ToString());
    }
  }
  if (take(kRequestConfirmDeletes)) {
    auto n = index_.ConfirmHeldDeletes();
    if (n.ok()) {
      log_.Info("sync", "confirmed: " + std::to_string(*n) + " held deletes go through");
    } else {
      RecordError("confirming held deletes: " + n.status().ToString());
    }
  }
  if (take(kRequestRestore)) {
    auto n = index_.RestoreHeldDeletes();
    if (n.ok()) {
      log_.Info("sync", "restoring: " + std::to_string(*n) + " deleted files come back");
    } else {
      RecordError("restoring held deletes: " + n.status().ToString());
    }
  }
  return started_over;
}

void Syncer::Pause(const std::string& why) {
  look_again_ = true;
  if (pause_known_ && why == paused_) return;
  pause_known_ = true;
  paused_ = why;
  (void)index_.SetValue("paused", why);
  RecordError(why);
}

void Syncer::Unpause() {
  if (pause_known_ && paused_.empty()) return;
  if (!paused_.empty()) {
    log_.Info("sync", "the folder is back: syncing again, from a full rescan");
    (void)index_.ClearValueIf("last_error", paused_);
  }
  pause_known_ = true;
  paused_.clear();
  (void)index_.SetValue("paused", "");
}

void Syncer::Round(const RoundRequest& asked) {
  busy_ = true;
  more_work_ = false;
  RoundRequest round = asked;
  if (TakeRequests()) round = RoundRequest{true, {}, true};
  // Nothing is scanned, sent or applied while the folder is not the one synced before.
  auto why = engine_.CheckRoot();
  if (!why.ok()) {
    RecordError("checking the folder: " + why.status().ToString());
    look_again_ = true;
    return;
  }
  if (!why->empty()) {
    Pause(*why);
    return;
  }
  if (!paused_.empty()) round = RoundRequest{true, {}, true};  // what happened meanwhile
  Unpause();
  if (!temps_removed_) {
    temps_removed_ = true;
    if (auto s = scanner_.RemoveStaleTempFiles(); !s.ok()) RecordError(s.ToString());
  }
  log_.Debug("sync", "round: " +
                         std::string(round.full_scan
                                         ? "full scan"
                                         : std::to_string(round.paths.size()) + " changed paths") +
                         (round.pull ? ", pull" : ""));
  const auto started = clock_.SteadyNow();
  if (round.full_scan) {
    auto s = scanner_.FullScan();
    if (!s.ok()) RecordError("scan: " + s.status().ToString());
  } else if (!round.paths.empty()) {
    auto s = scanner_.ScanPaths(round.paths);
    if (!s.ok()) RecordError("scan: " + s.status().ToString());
  }
  const auto now = clock_.SteadyNow();
  log_.Debug("sync", "scan took " + std::to_string(MillisBetween(started, now)) + " ms");
  bool act = false;
  bool may_contact = false;
  {
    common::MutexLock lock(mutex_);
    act = schedule_.ActAfterScan(round);
    // Offline: only local work until the retry time, unless the notify thread saw the
    // metaserver answer (or stop answering) and asked for a pull.
    may_contact = schedule_.MayContactServers(now, round.pull);
  }
  if (!act) {
    log_.Debug("sync", "local changes came in during the scan: acting once they are scanned");
    return;
  }
  if (!may_contact) return;

  common::Status s;
  if (!online_known_ || !connected_) s = engine_.Ping();
  if (s.ok() && (round.pull || !online_known_ || !connected_)) s = engine_.Pull();
  if (s.ok()) SetConnected(true);  // before a long round of transfers, so status says so
  // A commit that found the journal moved on (a conflict: a stale parent, a move not taken)
  // asks for a pull; the paths are then processed again at once, in this round. What is still
  // left after kMaxPullsPerRound pulls (or a pull not processed yet) makes the next round due
  // at once: a conflict never waits for the safety-net pull.
  bool processed = false;  // nothing was pulled since the last Process()
  for (int i = 0; s.ok() && i < kMaxPullsPerRound; ++i) {
    s = engine_.Process();
    processed = true;
    if (!s.ok() || !engine_.pull_needed()) break;
    s = engine_.Pull();
    processed = false;
  }
  more_work_ = s.ok() && (!processed || engine_.pull_needed());
  // Bounded: commits that keep finding the journal moved on, round after round, are left for
  // the safety-net pull instead of keeping the servers busy.
  pulling_rounds_ = more_work_ ? pulling_rounds_ + 1 : 0;
  if (pulling_rounds_ > kMaxPullingRounds) {
    if (pulling_rounds_ == kMaxPullingRounds + 1) {
      log_.Warn("sync", "commits keep finding the journal moved on; waiting for the next pull");
    }
    more_work_ = false;
  }
  cursor_ = engine_.cursor();
  log_.Debug("sync", "sync took " + std::to_string(MillisBetween(now, clock_.SteadyNow())) + " ms");
  if (s.code() == common::Code::kUnavailable) {
    unreachable_error_ = s.ToString();
    RecordError(unreachable_error_);
    SetConnected(false);
    std::chrono::milliseconds delay;
    {
      common::MutexLock lock(mutex_);
      delay = schedule_.Unreachable(clock_.SteadyNow());
    }
    log_.Info("sync", "retrying in " + std::to_string(delay.count()) + " ms");
    return;
  }
  {
    common::MutexLock lock(mutex_);
    schedule_.Reachable();
  }
  SetConnected(true);
  if (!s.ok()) RecordError(s.ToString());
  // Steps that failed here (no event may come to retry them: space freed is not an event).
  if (engine_.failing() > 0) {
    retry_failed_ = true;
    const std::string failure = engine_.failure().ToString();
    if (s.ok() && failure != failure_error_) RecordError(failure);
    failure_error_ = s.ok() ? failure : s.ToString();
  } else if (s.ok() && !failure_error_.empty()) {
    log_.Info("sync", "the steps that failed went through: " + failure_error_ + " is over");
    (void)index_.ClearValueIf("last_error", failure_error_);
    failure_error_.clear();
  }
}

void Syncer::FinishRound() {
  // Bounded (scanner::kMaxRecheckPaths): too many paths in doubt become one full rescan.
  scanner::Recheck recheck = scanner_.TakeRecheck();
  const bool work_left = engine_.work_left() || more_work_;
  // Held deletes look for a yes (`tessera resume`) now and then, as a paused folder does.
  if (auto held = engine_.held_deletes(); held.ok() && *held > 0) look_again_ = true;
  {
    common::MutexLock lock(mutex_);
    const auto now = clock_.SteadyNow();
    schedule_.RoundDone(now, std::move(recheck), work_left);
    if (look_again_) schedule_.LookAgainAt(now + kPausedLookAgain);
    if (retry_failed_) schedule_.LookAgainAt(now + kFailedLookAgain);
  }
  look_again_ = false;
  retry_failed_ = false;
  {
    common::MutexLock lock(rounds_mutex_);
    busy_ = false;
    ++rounds_;
  }
  rounds_cv_.NotifyAll();
}

uint64_t Syncer::WaitForRoundAfter(uint64_t round,
                                   std::chrono::steady_clock::time_point deadline) const {
  common::MutexLock lock(rounds_mutex_);
  rounds_cv_.WaitUntil(rounds_mutex_, deadline, [&] { return rounds_.load() > round; });
  return rounds_.load();
}

uint64_t Syncer::WaitForCursor(uint64_t at_least,
                               std::chrono::steady_clock::time_point deadline) const {
  common::MutexLock lock(rounds_mutex_);
  rounds_cv_.WaitUntil(rounds_mutex_, deadline, [&] { return cursor_.load() >= at_least; });
  return cursor_.load();
}

void Syncer::Run(std::stop_token stop) {
  // Taking the mutex before notifying: the loop is then either before its stop check or
  // waiting, never in between (a wake-up lost there would wait out a whole timer).
  std::stop_callback wake(stop, [this] {
    { common::MutexLock lock(mutex_); }
    cv_.NotifyAll();
  });
  RoundRequest first;
  {
    common::MutexLock lock(mutex_);
    first = schedule_.FirstRound();
  }
  Round(first);
  FinishRound();

  while (!stop.stop_requested()) {
    RoundRequest round;
    {
      common::MutexLock lock(mutex_);
      for (;;) {
        if (stop.stop_requested()) return;
        const auto now = clock_.SteadyNow();
        if (schedule_.Due(now)) break;
        const auto wake_at = schedule_.WakeAt();
        if (wake_at == SyncSchedule::Time::max()) {
          cv_.Wait(mutex_);
        } else {
          // The clock's time to wait, waited in real time.
          cv_.WaitUntil(mutex_, std::chrono::steady_clock::now() + (wake_at - now));
        }
      }
      round = schedule_.Take(clock_.SteadyNow());
    }
    if (round.full_scan) log_.Info("sync", "full rescan");
    Round(round);
    FinishRound();
  }
}

}  // namespace tessera::daemon::syncer
