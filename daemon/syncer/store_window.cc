#include "daemon/syncer/store_window.h"

#include <chrono>

namespace tessera::daemon::syncer {

uint64_t StoreWindow::Add(std::future<common::Status> store, uint64_t bytes) {
  Reap();
  stores_.push_back(Store{++last_ticket_, bytes, std::move(store)});
  bytes_in_flight_ += bytes;
  return last_ticket_;
}

void StoreWindow::MakeRoom(uint64_t bytes) {
  Reap();
  while (!stores_.empty() && bytes_in_flight_ + bytes > max_bytes_) PopOldest();
}

common::Status StoreWindow::WaitThrough(uint64_t ticket) {
  while (!stores_.empty() && stores_.front().ticket <= ticket) PopOldest();
  common::Status first;
  std::erase_if(errors_, [&](const std::pair<uint64_t, common::Status>& e) {
    if (e.first > ticket) return false;
    if (first.ok()) first = e.second;
    return true;
  });
  return first;
}

void StoreWindow::PopOldest() {
  Store& oldest = stores_.front();
  const common::Status s = oldest.done.get();
  if (!s.ok()) errors_.emplace_back(oldest.ticket, s);
  bytes_in_flight_ -= oldest.bytes;
  stores_.pop_front();
}

void StoreWindow::Reap() {
  while (!stores_.empty() &&
         stores_.front().done.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
    PopOldest();
  }
}

}  // namespace tessera::daemon::syncer
