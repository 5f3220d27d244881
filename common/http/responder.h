// common/http/responder.h
//
// Responder: the one answer to one request. An async handler (Router::Add) gets one and may
// answer at once or keep it and answer later from any thread (long-poll); the server writes
// the answer on the connection's strand. A Responder whose last copy is destroyed without
// answering sends 500.
// Thread-safe: a copyable handle; copies share the request; only the first Send counts.
#pragma once

#include <memory>

#include "common/http/message.h"

namespace tessera::common::http {

class Responder {
 public:
  class State;  // defined by the server (response_slot.h)
  explicit Responder(std::shared_ptr<State> state);
  // Answers the request; later calls, and calls after the server gave up on it, are ignored.
  void Send(Response response) const;
  // True once the server gave up on the request (the client went away, max_hold passed, or the
  // server is stopping): the answer would be dropped.
  bool Cancelled() const;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace tessera::common::http
