#include "metaserver/notifier.h"

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace tessera::metaserver {
namespace {

using namespace std::chrono_literals;

// Records the one answer a waiter gets; lets a test wait for it with a deadline.
class Answer {
 public:
  NotifyFn Fn() {
    return [this](uint64_t head) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++calls_;
      head_ = head;
      cv_.notify_all();
    };
  }
  // The head it was answered with, or nullopt if no answer came within `timeout`.
  std::optional<uint64_t> WaitFor(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_for(lock, timeout, [this] { return head_.has_value(); });
    return head_;
  }
  std::optional<uint64_t> Now() {
    std::lock_guard<std::mutex> lock(mutex_);
    return head_;
  }
  int calls() {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::optional<uint64_t> head_;
  int calls_ = 0;
};

Notifier::Clock::time_point In(std::chrono::milliseconds d) { return Notifier::Clock::now() + d; }

TEST_CASE("notifier: a waiter behind the head is answered at once") {
  Notifier notifier;
  Answer answer;
  REQUIRE(notifier.Wait(1, 3, 5, In(60s), answer.Fn()).ok());
  CHECK(answer.Now() == 5u);
  CHECK(notifier.waiting() == 0);
}

TEST_CASE("notifier: an advance wakes the waiters it passes and only those") {
  Notifier notifier;
  Answer at5, at7, other_ns;
  REQUIRE(notifier.Wait(1, 5, 5, In(60s), at5.Fn()).ok());
  REQUIRE(notifier.Wait(1, 7, 5, In(60s), at7.Fn()).ok());
  REQUIRE(notifier.Wait(2, 5, 5, In(60s), other_ns.Fn()).ok());
  CHECK(notifier.waiting() == 3);
  std::jthread committer([&] { notifier.Advance(1, 6); });
  CHECK(at5.WaitFor(5s) == 6u);
  committer.join();
  CHECK_FALSE(at7.Now().has_value());
  CHECK_FALSE(other_ns.Now().has_value());
  notifier.Advance(1, 6);  // not an advance: nothing more happens
  notifier.Advance(1, 4);  // going backwards is ignored
  CHECK_FALSE(at7.Now().has_value());
  notifier.Advance(1, 8);
  CHECK(at7.WaitFor(5s) == 8u);
  CHECK(at5.calls() == 1);
  CHECK(notifier.waiting() == 1);
}

TEST_CASE("notifier: an advance that happened before the wait is not missed") {
  Notifier notifier;
  notifier.Advance(1, 9);  // a commit landed after the handler read head 8
  Answer answer;
  REQUIRE(notifier.Wait(1, 8, 8, In(60s), answer.Fn()).ok());
  CHECK(answer.Now() == 9u);
}

TEST_CASE("notifier: a waiter times out with the unchanged head") {
  Notifier notifier;
  Answer answer;
  REQUIRE(notifier.Wait(1, 4, 4, In(50ms), answer.Fn()).ok());
  CHECK(answer.WaitFor(10s) == 4u);
  CHECK(notifier.waiting() == 0);
  // A later, earlier deadline re-arms the timer even while another long one waits.
  Answer slow, fast;
  REQUIRE(notifier.Wait(1, 4, 4, In(60s), slow.Fn()).ok());
  REQUIRE(notifier.Wait(1, 4, 4, In(20ms), fast.Fn()).ok());
  CHECK(fast.WaitFor(10s) == 4u);
  CHECK_FALSE(slow.Now().has_value());
}

TEST_CASE("notifier: waiters past the limit are refused") {
  NotifierOptions options;
  options.max_waiters = 2;
  Notifier notifier(options);
  Answer a, b, c;
  REQUIRE(notifier.Wait(1, 0, 0, In(60s), a.Fn()).ok());
  REQUIRE(notifier.Wait(1, 0, 0, In(60s), b.Fn()).ok());
  CHECK(notifier.Wait(1, 0, 0, In(60s), c.Fn()).code() == common::Code::kResourceExhausted);
  notifier.Advance(1, 1);
  CHECK(a.Now() == 1u);
  CHECK(b.Now() == 1u);
  CHECK_FALSE(c.Now().has_value());
  Answer d;
  CHECK(notifier.Wait(1, 1, 1, In(60s), d.Fn()).ok());  // room again
}

TEST_CASE("notifier: waiters whose client left are dropped without an answer") {
  NotifierOptions options;
  options.sweep_interval = 10ms;
  Notifier notifier(options);
  Answer answer;
  std::atomic<bool> gone{false};
  REQUIRE(notifier.Wait(1, 0, 0, In(60s), answer.Fn(), [&] { return gone.load(); }).ok());
  gone = true;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (notifier.waiting() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  CHECK(notifier.waiting() == 0);
  CHECK(answer.calls() == 0);
}

TEST_CASE("notifier: shutdown answers every remaining waiter") {
  Answer answer;
  {
    Notifier notifier;
    notifier.Advance(3, 2);
    REQUIRE(notifier.Wait(3, 2, 0, In(60s), answer.Fn()).ok());
  }
  CHECK(answer.Now() == 2u);
}

}  // namespace
}  // namespace tessera::metaserver
