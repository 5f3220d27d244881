#include "daemon/syncer/syncer.h"

#include <random>

namespace tessera::daemon::syncer {

namespace {
constexpr size_t kMaxQueuedPaths = 10'000;
// Past the scanner's doubt window, so one more look settles a just-written file.
constexpr auto kRecheckDelay = std::chrono::milliseconds(1000);

int64_t MillisBetween(std::chrono::steady_clock::time_point a,
                      std::chrono::steady_clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}
}  // namespace

Syncer::Syncer(SyncEngine& engine, scanner::Scanner& scanner, index::Index& index,
               common::Logger& log, SyncerOptions options)
    : engine_(engine), scanner_(scanner), index_(index), log_(log), options_(options) {
  cursor_ = engine_.cursor();
}

void Syncer::OnPathsChanged(const std::set<std::string>& paths) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto now = Clock::now();
    if (changed_.empty() && !overflow_) first_event_ = now;
    last_event_ = now;
    if (changed_.size() + paths.size() > kMaxQueuedPaths) {
      overflow_ = true;  // bounded: a full rescan finds everything anyway
      changed_.clear();
    } else if (!overflow_) {
      changed_.insert(paths.begin(), paths.end());
    }
  }
  cv_.notify_all();
}

void Syncer::OnOverflow() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    overflow_ = true;
    changed_.clear();
    last_event_ = first_event_ = Clock::now();
  }
  cv_.notify_all();
}

void Syncer::OnRemoteChanged() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    remote_ = true;
  }
  cv_.notify_all();
}

void Syncer::SetConnected(bool connected) {
  if (online_known_ && connected_ == connected) return;
  online_known_ = true;
  connected_ = connected;
  (void)index_.SetValue("connected", connected ? "1" : "0");
  if (connected) {
    log_.Info("sync", "connected to the servers");
  } else {
    log_.Warn("sync", "servers unreachable; changes stay queued");
  }
}

void Syncer::Round(bool full_scan, const std::set<std::string>& paths, bool pull) {
  busy_ = true;
  log_.Debug("sync", "round: " +
                         std::string(full_scan ? "full scan"
                                               : std::to_string(paths.size()) + " changed paths") +
                         (pull ? ", pull" : ""));
  const auto started = Clock::now();
  if (full_scan) {
    auto s = scanner_.FullScan();
    if (!s.ok()) engine_.RecordError("scan: " + s.status().ToString());
  } else if (!paths.empty()) {
    auto s = scanner_.ScanPaths(paths);
    if (!s.ok()) engine_.RecordError("scan: " + s.status().ToString());
  }
  const auto now = Clock::now();
  log_.Debug("sync", "scan took " + std::to_string(MillisBetween(started, now)) + " ms");
  // Offline: only local work until the retry time, unless the notify thread saw the
  // metaserver answer (or stop answering) and asked for a pull.
  if (backoff_.count() > 0 && now < retry_at_ && !pull) return;

  common::Status s;
  if (!online_known_ || !connected_) s = engine_.Ping();
  if (s.ok() && (pull || !online_known_ || !connected_)) s = engine_.Pull();
  if (s.ok()) SetConnected(true);  // before a long round of transfers, so status says so
  for (int i = 0; s.ok() && i < 5; ++i) {
    s = engine_.Process();
    if (s.ok() && engine_.pull_needed()) s = engine_.Pull();
    if (!s.ok() || !engine_.pull_needed()) break;
  }
  cursor_ = engine_.cursor();
  log_.Debug("sync", "sync took " + std::to_string(MillisBetween(now, Clock::now())) + " ms");
  if (s.code() == common::Code::kUnavailable) {
    engine_.RecordError(s.ToString());
    SetConnected(false);
    backoff_ =
        backoff_.count() == 0 ? options_.backoff_min : std::min(backoff_ * 2, options_.backoff_max);
    const auto jitter = std::chrono::milliseconds(rng_() % (backoff_.count() / 4 + 1));
    retry_at_ = Clock::now() + backoff_ + jitter;
    log_.Info("sync", "retrying in " + std::to_string((backoff_ + jitter).count()) + " ms");
    return;
  }
  backoff_ = std::chrono::milliseconds(0);
  SetConnected(true);
  if (!s.ok()) engine_.RecordError(s.ToString());
}

void Syncer::FinishRound() {
  {
    std::lock_guard<std::mutex> lock(rounds_mutex_);
    busy_ = false;
    ++rounds_;
  }
  rounds_cv_.notify_all();
}

uint64_t Syncer::WaitForRoundAfter(uint64_t round, Clock::time_point deadline) const {
  std::unique_lock<std::mutex> lock(rounds_mutex_);
  rounds_cv_.wait_until(lock, deadline, [&] { return rounds_.load() > round; });
  return rounds_.load();
}

uint64_t Syncer::WaitForCursor(uint64_t at_least, Clock::time_point deadline) const {
  std::unique_lock<std::mutex> lock(rounds_mutex_);
  rounds_cv_.wait_until(lock, deadline, [&] { return cursor_.load() >= at_least; });
  return cursor_.load();
}

void Syncer::Run(std::stop_token stop) {
  std::stop_callback wake(stop, [this] { cv_.notify_all(); });
  if (auto s = scanner_.RemoveStaleTempFiles(); !s.ok()) engine_.RecordError(s.ToString());
  Round(/*full_scan=*/true, {}, /*pull=*/true);
  FinishRound();
  auto next_rescan = Clock::now() + options_.rescan_interval;
  auto next_pull = Clock::now() + options_.pull_interval;
  auto next_recheck = Clock::time_point::max();
  // Bounded (scanner::kMaxRecheckPaths): too many paths in doubt become one full rescan.
  scanner::Recheck recheck = scanner_.TakeRecheck();
  if (!recheck.empty()) next_recheck = Clock::now() + kRecheckDelay;

  while (!stop.stop_requested()) {
    bool full = false, pull = false;
    std::set<std::string> paths;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      for (;;) {
        if (stop.stop_requested()) return;
        const auto now = Clock::now();
        const bool events = overflow_ || !changed_.empty();
        const bool settled = events && (now - last_event_ >= options_.debounce ||
                                        now - first_event_ >= options_.max_debounce);
        const bool retry = backoff_.count() > 0 && now >= retry_at_;
        const bool more = engine_.work_left() && backoff_.count() == 0;
        if (settled || remote_ || retry || more || now >= next_rescan || now >= next_pull ||
            now >= next_recheck) {
          break;
        }
        auto until = std::min({next_rescan, next_pull, next_recheck});
        if (backoff_.count() > 0) until = std::min(until, retry_at_);
        if (events) until = std::min(until, last_event_ + options_.debounce);
        cv_.wait_until(lock, until);
      }
      const auto now = Clock::now();
      const bool settled =
          (overflow_ || !changed_.empty()) &&
          (now - last_event_ >= options_.debounce || now - first_event_ >= options_.max_debounce);
      if (settled) {
        full = overflow_;
        paths = std::exchange(changed_, {});
        overflow_ = false;
      }
      pull = std::exchange(remote_, false);
    }
    const auto now = Clock::now();
    if (now >= next_rescan) {
      full = true;
      next_rescan = now + options_.rescan_interval;
    }
    if (now >= next_pull) {
      pull = true;
      next_pull = now + options_.pull_interval;
    }
    if (now >= next_recheck) {
      full = full || recheck.all;
      if (!full) paths.merge(recheck.paths);
      recheck = {};
      next_recheck = Clock::time_point::max();
    }
    if (full) log_.Info("sync", "full rescan");
    Round(full, paths, pull);
    FinishRound();
    auto more = scanner_.TakeRecheck();
    if (!more.empty()) {
      recheck.Merge(std::move(more));
      next_recheck = std::min(next_recheck, Clock::now() + kRecheckDelay);
    }
  }
}

}  // namespace tessera::daemon::syncer
