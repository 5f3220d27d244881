// common/http/body_budget.h
//
// Internal to common/http. BodyBudget: the bytes of request bodies an HttpServer holds at once,
// summed over every request in flight, against a server-wide limit (ServerOptions::
// max_body_bytes_in_flight). A request takes a Lease for its body once it is read (and
// inflated) and keeps it until its answer is written; a request that would take the budget over
// its limit is answered 503 with Retry-After instead, so that clients back off and retry.
// Thread-safe. The budget must outlive every Lease taken from it.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>

namespace tessera::common::http {

class BodyBudget {
 public:
  // Gives `bytes` back to the budget when destroyed. Movable, not copyable.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    uint64_t bytes() const { return bytes_; }

   private:
    friend class BodyBudget;
    Lease(BodyBudget* budget, uint64_t bytes) : budget_(budget), bytes_(bytes) {}
    BodyBudget* budget_ = nullptr;
    uint64_t bytes_ = 0;
  };

  explicit BodyBudget(uint64_t max_bytes) : max_bytes_(max_bytes) {}
  BodyBudget(const BodyBudget&) = delete;
  BodyBudget& operator=(const BodyBudget&) = delete;

  // A lease of `bytes`, or nullopt when the bytes already leased plus `bytes` would exceed the
  // limit. A request alone is always admitted (when nothing else is leased), so that a limit
  // below a route's body limit cannot refuse that route for good.
  std::optional<Lease> TryTake(uint64_t bytes);
  uint64_t in_use() const { return in_use_.load(); }
  uint64_t max_bytes() const { return max_bytes_; }

 private:
  void Give(uint64_t bytes) { in_use_.fetch_sub(bytes); }

  const uint64_t max_bytes_;
  std::atomic<uint64_t> in_use_{0};
};

}  // namespace tessera::common::http
