#include "common/http/response_slot.h"

#include <utility>

namespace tessera::common::http {

void ResponseSlot::SetWaker(std::function<void()> wake) {
  MutexLock lock(mutex_);
  if (!closed_) wake_ = std::move(wake);
}

bool ResponseSlot::Deliver(Response response) {
  MutexLock lock(mutex_);
  if (answered_ || closed_) return false;
  answered_ = true;
  response_ = std::move(response);
  if (wake_) {
    wake_();
    wake_ = nullptr;
  }
  return true;
}

std::optional<Response> ResponseSlot::Take() {
  MutexLock lock(mutex_);
  return std::exchange(response_, std::nullopt);
}

std::optional<Response> ResponseSlot::Close() {
  MutexLock lock(mutex_);
  closed_ = true;
  wake_ = nullptr;
  return std::exchange(response_, std::nullopt);
}

bool ResponseSlot::closed() const {
  MutexLock lock(mutex_);
  return closed_;
}

}  // namespace tessera::common::http
