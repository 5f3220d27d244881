#include "metaserver/ns/notifier.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "common/mutex.h"

namespace tessera::metaserver::ns {
namespace {

using namespace std::chrono_literals;

// Records the one answer a waiter gets; lets a test wait for it with a deadline. Its state is
// shared with the callback, which may outlive the Answer (a Notifier destroyed after it answers
// the waiters left).
class Answer {
 public:
  NotifyFn Fn() {
    return [state = state_](uint64_t head) {
      common::MutexLock lock(state->mutex);
      ++state->calls;
      state->head = head;
      state->cv.NotifyAll();
    };
  }
  // The head it was answered with, or nullopt if no answer came within `timeout`.
  std::optional<uint64_t> WaitFor(std::chrono::milliseconds timeout) {
    State& s = *state_;
    common::MutexLock lock(s.mutex);
    s.cv.WaitFor(s.mutex, timeout, [&s]() TESSERA_REQUIRES(s.mutex) { return s.head.has_value(); });
    return s.head;
  }
  std::optional<uint64_t> Now() {
    common::MutexLock lock(state_->mutex);
    return state_->head;
  }
  int calls() {
    common::MutexLock lock(state_->mutex);
    return state_->calls;
  }

 private:
  struct State {
    common::Mutex mutex;
    common::CondVar cv;
    std::optional<uint64_t> head TESSERA_GUARDED_BY(mutex);
    int calls TESSERA_GUARDED_BY(mutex) = 0;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

Notifier::Clock::time_point In(std::chrono::milliseconds d) { return Notifier::Clock::now() + d; }

TEST_CASE("notifier: a waiter behind the head is answered at once") {
  Notifier notifier;
  Answer answer;
  REQUIRE(notifier.Wait("one", 3, 5, In(60s), answer.Fn()).ok());
  CHECK(answer.Now() == 5u);
  CHECK(notifier.waiting() == 0);
}

TEST_CASE("notifier: an advance wakes the waiters it passes and only those") {
  Notifier notifier;
  Answer at5, at7, other_ns;
  REQUIRE(notifier.Wait("one", 5, 5, In(60s), at5.Fn()).ok());
  REQUIRE(notifier.Wait("one", 7, 5, In(60s), at7.Fn()).ok());
  REQUIRE(notifier.Wait("two", 5, 5, In(60s), other_ns.Fn()).ok());
  CHECK(notifier.waiting() == 3);
  std::jthread committer([&] { notifier.Advance("one", 6); });
  CHECK(at5.WaitFor(5s) == 6u);
  committer.join();
  CHECK_FALSE(at7.Now().has_value());
  CHECK_FALSE(other_ns.Now().has_value());
  notifier.Advance("one", 6);  // not an advance: nothing more happens
  notifier.Advance("one", 4);  // going backwards is ignored
  CHECK_FALSE(at7.Now().has_value());
  notifier.Advance("one", 8);
  CHECK(at7.WaitFor(5s) == 8u);
  CHECK(at5.calls() == 1);
  CHECK(notifier.waiting() == 1);
}

TEST_CASE("notifier: an advance that happened before the wait is not missed") {
  Notifier notifier;
  notifier.Advance("one", 9);  // a commit landed after the handler read head 8
  Answer answer;
  REQUIRE(notifier.Wait("one", 8, 8, In(60s), answer.Fn()).ok());
  CHECK(answer.Now() == 9u);
}

TEST_CASE("notifier: a waiter times out with the unchanged head") {
  Notifier notifier;
  Answer answer;
  REQUIRE(notifier.Wait("one", 4, 4, In(50ms), answer.Fn()).ok());
  CHECK(answer.WaitFor(10s) == 4u);
  CHECK(notifier.waiting() == 0);
  // A later, earlier deadline re-arms the timer even while another long one waits.
  Answer slow, fast;
  REQUIRE(notifier.Wait("one", 4, 4, In(60s), slow.Fn()).ok());
  REQUIRE(notifier.Wait("one", 4, 4, In(20ms), fast.Fn()).ok());
  CHECK(fast.WaitFor(10s) == 4u);
  CHECK_FALSE(slow.Now().has_value());
}

TEST_CASE("notifier: waiters past the limit are refused") {
  NotifierOptions options;
  options.max_waiters = 2;
  Notifier notifier(options);
  Answer a, b, c;
  REQUIRE(notifier.Wait("one", 0, 0, In(60s), a.Fn()).ok());
  REQUIRE(notifier.Wait("one", 0, 0, In(60s), b.Fn()).ok());
  CHECK(notifier.Wait("one", 0, 0, In(60s), c.Fn()).code() == common::Code::kResourceExhausted);
  notifier.Advance("one", 1);
  CHECK(a.Now() == 1u);
  CHECK(b.Now() == 1u);
  CHECK_FALSE(c.Now().has_value());
  Answer d;
  CHECK(notifier.Wait("one", 1, 1, In(60s), d.Fn()).ok());  // room again
}

TEST_CASE("notifier: waiters whose client left are dropped without an answer") {
  NotifierOptions options;
  options.sweep_interval = 10ms;
  Notifier notifier(options);
  Answer answer;
  std::atomic<bool> gone{false};
  REQUIRE(notifier.Wait("one", 0, 0, In(60s), answer.Fn(), [&] { return gone.load(); }).ok());
  gone = true;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (notifier.waiting() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  CHECK(notifier.waiting() == 0);
  CHECK(answer.calls() == 0);
}

TEST_CASE("notifier: a wait on a namespace nobody committed to is woken by its first advance") {
  Notifier notifier;
  Answer first, second;
  REQUIRE(notifier.Wait("fresh", 0, 0, In(60s), first.Fn()).ok());
  REQUIRE(notifier.Wait("fresh", 0, 0, In(60s), second.Fn()).ok());
  CHECK(notifier.remembered() == 1);
  std::jthread committer([&] { notifier.Advance("fresh", 1); });
  CHECK(first.WaitFor(5s) == 1u);
  CHECK(second.WaitFor(5s) == 1u);
  committer.join();
  CHECK(notifier.waiting() == 0);
  CHECK(notifier.remembered() == 1);  // it exists now: its head is kept
}

TEST_CASE("notifier: waits on names that never get a commit leave nothing behind") {
  NotifierOptions options;
  options.sweep_interval = 10ms;
  Notifier notifier(options);
  std::atomic<bool> gone{false};
  Answer answers[3];
  REQUIRE(notifier.Wait("timed-out", 0, 0, In(1ms), answers[0].Fn()).ok());
  REQUIRE(notifier.Wait("left", 0, 0, In(60s), answers[1].Fn(), [&] { return gone.load(); }).ok());
  REQUIRE(notifier.Wait("answered", 0, 3, In(60s), answers[2].Fn()).ok());  // at once
  CHECK(answers[0].WaitFor(10s) == 0u);
  CHECK(answers[2].Now() == 3u);
  gone = true;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (notifier.waiting() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  CHECK(notifier.waiting() == 0);
  CHECK(notifier.remembered() == 0);
  CHECK(answers[1].calls() == 0);
}

TEST_CASE("notifier: shutdown answers every remaining waiter") {
  Answer answer;
  {
    Notifier notifier;
    notifier.Advance("three", 2);
    REQUIRE(notifier.Wait("three", 2, 0, In(60s), answer.Fn()).ok());
  }
  CHECK(answer.Now() == 2u);
}

}  // namespace
}  // namespace tessera::metaserver::ns
