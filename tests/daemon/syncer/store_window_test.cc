// StoreWindow: the bytes bound, dropping finished stores, and errors reported once, through
// their ticket. Futures from promises stand for the pipe's stores.
#include "daemon/syncer/store_window.h"

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <thread>

namespace tessera::daemon::syncer {
namespace {

TEST_CASE("store window: finished stores are dropped as soon as seen, their bytes freed") {
  StoreWindow window(10);
  std::promise<common::Status> a, b;
  CHECK(window.Add(a.get_future(), 4) == 1);
  CHECK(window.Add(b.get_future(), 4) == 2);
  CHECK(window.bytes_in_flight() == 8);
  a.set_value(common::Status::Ok());
  window.MakeRoom(0);  // does not wait: only reaps
  CHECK(window.size() == 1);
  CHECK(window.bytes_in_flight() == 4);
  b.set_value(common::Status::Ok());
  CHECK(window.WaitAll().ok());
  CHECK(window.size() == 0);
  CHECK(window.bytes_in_flight() == 0);
  CHECK(window.last_ticket() == 2);
}

TEST_CASE("store window: MakeRoom waits for the oldest stores until the bytes fit") {
  StoreWindow window(10);
  std::promise<common::Status> a, b;
  window.Add(a.get_future(), 6);
  window.Add(b.get_future(), 3);
  // 9 in flight: 1 more fits without waiting, 2 more need the oldest (6) done.
  window.MakeRoom(1);
  CHECK(window.size() == 2);
  std::thread finisher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    a.set_value(common::Status::Ok());
  });
  window.MakeRoom(2);
  finisher.join();
  CHECK(window.size() == 1);
  CHECK(window.bytes_in_flight() == 3);
  // More than the whole bound: waits until nothing is left, then the caller goes alone.
  b.set_value(common::Status::Ok());
  window.MakeRoom(100);
  CHECK(window.size() == 0);
}

TEST_CASE("store window: an error is reported once, by the first wait through its ticket") {
  StoreWindow window(100);
  std::promise<common::Status> a, b, c;
  window.Add(a.get_future(), 1);
  const uint64_t second = window.Add(b.get_future(), 1);
  window.Add(c.get_future(), 1);
  a.set_value(common::Status::Ok());
  b.set_value(common::Unavailable("blockserver down"));
  c.set_value(common::IOError("write blocks", "disk full"));
  window.MakeRoom(0);  // reaps all three; the errors stay until reported
  CHECK(window.size() == 0);
  CHECK(window.WaitThrough(1).ok());
  CHECK(window.WaitThrough(second).code() == common::Code::kUnavailable);
  CHECK(window.WaitThrough(second).ok());
  CHECK(window.WaitAll().code() == common::Code::kIOError);
  CHECK(window.WaitAll().ok());
}

}  // namespace
}  // namespace tessera::daemon::syncer
