#include "common/http/responder.h"

#include "common/http/response_slot.h"

namespace tessera::common::http {

Responder::State::~State() {
  slot_->Deliver(ErrorResponse(Status(Code::kIOError, "handler dropped the request unanswered")));
}

Responder::Responder(std::shared_ptr<State> state) : state_(std::move(state)) {}

void Responder::Send(Response response) const { state_->slot().Deliver(std::move(response)); }

bool Responder::Cancelled() const { return state_->slot().closed(); }

}  // namespace tessera::common::http
