#include "daemon/syncer/notify_loop.h"

#include <algorithm>

#include "common/mutex.h"

namespace tessera::daemon::syncer {

namespace {
constexpr std::chrono::milliseconds kStopCheck{100};  // a stop is seen within this while waiting
}  // namespace

void RunNotifyLoop(std::stop_token stop, common::client::MetaClient& meta, Syncer& syncer,
                   common::Logger& log) {
  // Nothing notifies `cv`: waits on it are sleeps that a stop request cuts short.
  common::Mutex mutex;
  common::CondVar cv;
  std::chrono::milliseconds backoff{0};
  std::string epoch;
  while (!stop.stop_requested()) {
    const uint64_t cursor = syncer.cursor();
    auto r = meta.Notify(cursor, kNotifyWait);
    if (stop.stop_requested()) return;
    if (r.ok()) {
      backoff = std::chrono::milliseconds(0);
      const bool epoch_changed = !epoch.empty() && r->epoch != epoch;
      epoch = r->epoch;
      if (r->head > cursor && !epoch_changed) {
        // Often our own commit: the syncer is then mid-round and, when the round ends, its
        // cursor is past what it committed. Waiting for that delays nothing (the syncer could
        // not pull before the round ends anyway) and saves listing what we just sent.
        const uint64_t round = syncer.rounds();
        if (syncer.busy()) {
          syncer.WaitForRoundAfter(round, std::chrono::steady_clock::now() + kOwnCommitWait);
        }
        if (syncer.cursor() >= r->head) continue;
      }
      if (r->head > cursor && !epoch_changed) {
        syncer.OnRemoteChanged();
        // Ask again once the syncer has applied up to that head: asking earlier, from the old
        // cursor, would only be answered at once with the same head (a wasted exchange). A
        // round still running (a big download) is waited out: the pull is already asked for,
        // and nothing the server could say would make it start sooner.
        const auto deadline = std::chrono::steady_clock::now() + kApplyWait;
        while (!stop.stop_requested() &&
               (std::chrono::steady_clock::now() < deadline || syncer.busy()) &&
               syncer.WaitForCursor(r->head, std::chrono::steady_clock::now() + kStopCheck) <
                   r->head) {
        }
      } else if (r->head < cursor || epoch_changed) {
        syncer.OnRemoteChanged();
        // The journal was reset or replaced: the syncer starts over; give it a moment.
        common::MutexLock lock(mutex);
        cv.WaitFor(mutex, stop, std::chrono::milliseconds(200),
                   [&] { return syncer.cursor() != cursor; });
      }
      continue;
    }
    // The first failure after a success: let the syncer try too, so `connected` turns false
    // even when nothing local is waiting to go up.
    if (backoff.count() == 0) syncer.OnRemoteChanged();
    backoff = backoff.count() == 0 ? std::chrono::milliseconds(500)
                                   : std::min(backoff * 2, std::chrono::milliseconds(30'000));
    log.Debug("notify", r.status().ToString());
    common::MutexLock lock(mutex);
    cv.WaitFor(mutex, stop, backoff, [] { return false; });
  }
}

}  // namespace tessera::daemon::syncer
