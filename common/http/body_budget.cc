#include "common/http/body_budget.h"

#include <utility>

namespace tessera::common::http {

BodyBudget::Lease::Lease(Lease&& other) noexcept
    : budget_(std::exchange(other.budget_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

BodyBudget::Lease& BodyBudget::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    if (budget_ != nullptr) budget_->Give(bytes_);
    budget_ = std::exchange(other.budget_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

BodyBudget::Lease::~Lease() {
  if (budget_ != nullptr) budget_->Give(bytes_);
}

std::optional<BodyBudget::Lease> BodyBudget::TryTake(uint64_t bytes) {
  uint64_t used = in_use_.load();
  for (;;) {
    if (used != 0 && (used > max_bytes_ || bytes > max_bytes_ - used)) return std::nullopt;
    if (in_use_.compare_exchange_weak(used, used + bytes)) return Lease(this, bytes);
  }
}

}  // namespace tessera::common::http
