#include "common/http/response_slot.h"

namespace tessera::common::http {

void ResponseSlot::SetWaker(std::function<void()> wake) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!closed_) wake_ = std::move(wake);
}

bool ResponseSlot::Deliver(Response response) {
  std::lock_guard<std::mutex> lock(mutex_);
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
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(response_, std::nullopt);
}

std::optional<Response> ResponseSlot::Close() {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
  wake_ = nullptr;
  return std::exchange(response_, std::nullopt);
}

bool ResponseSlot::closed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return closed_;
}

Responder::State::~State() {
  slot_->Deliver(ErrorResponse(Status(Code::kIOError, "handler dropped the request unanswered")));
}

Responder::Responder(std::shared_ptr<State> state) : state_(std::move(state)) {}

void Responder::Send(Response response) const { state_->slot().Deliver(std::move(response)); }

bool Responder::Cancelled() const { return state_->slot().closed(); }

}  // namespace tessera::common::http
