// metaserver/ns/notifier.h
//
// Notifier: long-poll waiters per namespace, by name. A notify request that finds nothing new
// registers a waiter (namespace, cursor, deadline, callback); a commit that advances the
// namespace's head wakes every waiter whose cursor is below the new head; a timer thread answers
// the rest at their deadline with the current head. Names, not ids: a client may wait on a
// namespace that does not exist yet, and the commit that creates it wakes it. The number of
// waiters is bounded, and so is what they leave behind: a name is remembered only while it has
// waiters or once a commit advanced it (a namespace that exists).
//
// Thread-safe. Owns one timer thread (started by the constructor, joined by the destructor).
// Callbacks run without the Notifier's lock held, on the thread of Wait (already new), Advance
// (woken), the timer (deadline), or the destructor (shutdown); they must not block for long and
// must not call back into the Notifier.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "common/mutex.h"
#include "common/status.h"

namespace tessera::metaserver::ns {

// Answers a waiter with the namespace's head. Called at most once per waiter.
using NotifyFn = std::function<void(uint64_t head)>;
// True once the waiting client has gone away; such waiters are dropped without a call.
using CancelledFn = std::function<bool()>;

struct NotifierOptions {
  size_t max_waiters = 10'000;
  // How often the timer looks for waiters whose client went away.
  std::chrono::milliseconds sweep_interval{1'000};
};

class Notifier {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Notifier(NotifierOptions options = {});
  // Answers every remaining waiter with the head it knows, then joins the timer thread.
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Registers a waiter for namespace `ns` that has seen everything up to `cursor`.
  // `known_head` is the head the caller read from the journal just before (0 for a namespace
  // that does not exist); the Notifier takes the larger of it and every head passed to Advance.
  // If that is already > cursor, `notify` runs at once on this thread. Otherwise it runs later,
  // exactly once: when Advance moves the head past `cursor`, at `deadline` (with the unchanged
  // head), or at shutdown -- unless `cancelled` (optional) reports the client gone first.
  // ResourceExhausted, and no call, when max_waiters are already waiting.
  common::Status Wait(std::string_view ns, uint64_t cursor, uint64_t known_head,
                      Clock::time_point deadline, NotifyFn notify, CancelledFn cancelled = {});

  // Records that namespace `ns` now has head `head` (a smaller value than one already seen is
  // ignored) and wakes every waiter whose cursor is below it.
  void Advance(std::string_view ns, uint64_t head);

  // Waiters currently registered.
  size_t waiting() const;
  // Namespaces remembered (with waiters or a head), for tests of the bound above.
  size_t remembered() const;

 private:
  struct Namespace {
    uint64_t head = 0;
    std::multimap<uint64_t, uint64_t> waiters;  // cursor -> waiter id
  };
  using NamespaceMap = std::map<std::string, Namespace, std::less<>>;
  struct Waiter {
    NamespaceMap::iterator ns;
    NotifyFn notify;
    CancelledFn cancelled;
    std::multimap<uint64_t, uint64_t>::iterator by_cursor;             // in ns->second.waiters
    std::multimap<Clock::time_point, uint64_t>::iterator by_deadline;  // in deadlines_
  };
  struct Wakeup {
    NotifyFn notify;
    CancelledFn cancelled;  // kept so that it, too, dies outside the lock
    uint64_t head = 0;
  };

  // Removes waiter `it` from every index (and its namespace's entry when that holds nothing
  // worth keeping) and returns its callbacks with the namespace's head. The callbacks may own
  // request state (a Responder) whose destruction does work, so callers destroy the result
  // only after releasing the lock.
  Wakeup RemoveLocked(std::map<uint64_t, Waiter>::iterator it) TESSERA_REQUIRES(mutex_);
  void TimerLoop(std::stop_token stop);

  const NotifierOptions options_;
  mutable common::Mutex mutex_;
  common::CondVar cv_;
  uint64_t next_id_ TESSERA_GUARDED_BY(mutex_) = 1;
  bool rearm_ TESSERA_GUARDED_BY(mutex_) = false;  // a new earliest deadline arrived
  std::map<uint64_t, Waiter> waiters_ TESSERA_GUARDED_BY(mutex_);
  NamespaceMap namespaces_ TESSERA_GUARDED_BY(mutex_);
  std::multimap<Clock::time_point, uint64_t> deadlines_ TESSERA_GUARDED_BY(mutex_);
  std::jthread timer_;  // last: started after everything above exists, joined first
};

}  // namespace tessera::metaserver::ns
