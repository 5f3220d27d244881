// daemon/syncer/store_window.h
//
// StoreWindow: the store requests an upload has in the pipe and the block bytes each carries,
// so that an upload holds a bounded number of block bytes however large its files are. Before
// the sender reads a block, MakeRoom() waits for the oldest stores until the bytes read but not
// yet stored fit under the bound (SyncConfig::upload_window_bytes). Stores seen finished are
// dropped at once (their errors kept until reported), so nothing per batch lives for the whole
// upload. Each store gets a ticket (1, 2, ...); a commit round keeps the last ticket of its
// stores and waits through it. The pipe runs requests in the order submitted, so stores finish
// in ticket order.
// Not thread-safe: the syncer thread's (the futures' requests run on the pipe's thread).
#pragma once

#include <cstdint>
#include <deque>
#include <future>
#include <utility>
#include <vector>

#include "common/status.h"

namespace tessera::daemon::syncer {

class StoreWindow {
 public:
  // `max_bytes`: the bound MakeRoom() keeps to (a store larger than it still goes, alone).
  explicit StoreWindow(uint64_t max_bytes) : max_bytes_(max_bytes) {}
  StoreWindow(const StoreWindow&) = delete;
  StoreWindow& operator=(const StoreWindow&) = delete;

  uint64_t max_bytes() const { return max_bytes_; }

  // Takes a submitted store carrying `bytes` block bytes; returns its ticket.
  uint64_t Add(std::future<common::Status> store, uint64_t bytes);
  // Waits for the oldest stores until `bytes` more fit under max_bytes(), or none is left.
  void MakeRoom(uint64_t bytes);
  // Waits for every store up to `ticket` (0: none). Returns the first error among them or
  // among earlier stores not yet reported (each error is reported once), else OK.
  common::Status WaitThrough(uint64_t ticket);
  // WaitThrough(last_ticket()).
  common::Status WaitAll() { return WaitThrough(last_ticket_); }

  // The ticket of the last store added (0 before any).
  uint64_t last_ticket() const { return last_ticket_; }
  // Block bytes of the stores not yet seen finished.
  uint64_t bytes_in_flight() const { return bytes_in_flight_; }
  // Stores not yet seen finished.
  size_t size() const { return stores_.size(); }

 private:
  struct Store {
    uint64_t ticket = 0;
    uint64_t bytes = 0;
    std::future<common::Status> done;
  };
  // Drops the oldest store once finished (waiting for it), keeping its error.
  void PopOldest();
  // Drops the stores at the front that have finished, without waiting.
  void Reap();

  const uint64_t max_bytes_;
  std::deque<Store> stores_;                                 // in ticket order
  std::vector<std::pair<uint64_t, common::Status>> errors_;  // (ticket, error), not reported
  uint64_t last_ticket_ = 0;
  uint64_t bytes_in_flight_ = 0;
};

}  // namespace tessera::daemon::syncer
