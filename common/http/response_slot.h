// common/http/response_slot.h
//
// Internal to common/http. ResponseSlot is where the one answer to one request lands: the
// session waits on it, Responder handles (through Responder::State) fill it from any thread.
// Thread-safe: every member is guarded by mutex_. The waker is called with mutex_ held, so it
// must only post work, never block or re-enter the slot.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "common/http/message.h"
#include "common/http/responder.h"
#include "common/mutex.h"

namespace tessera::common::http {

class ResponseSlot {
 public:
  // Called by the session before the handler runs; `wake` runs at most once, on Deliver.
  void SetWaker(std::function<void()> wake);
  // The first Deliver wins; later ones, and any after Close, are dropped (returns false).
  bool Deliver(Response response);
  // The answer, if one was delivered and not yet taken.
  std::optional<Response> Take();
  // The session gives up on this request (timeout, peer gone, shutdown): later Delivers are
  // dropped and the waker is released. Returns an answer that raced in, if any.
  std::optional<Response> Close();
  bool closed() const;

 private:
  mutable Mutex mutex_;
  bool answered_ TESSERA_GUARDED_BY(mutex_) = false;
  bool closed_ TESSERA_GUARDED_BY(mutex_) = false;
  std::optional<Response> response_ TESSERA_GUARDED_BY(mutex_);
  std::function<void()> wake_ TESSERA_GUARDED_BY(mutex_);
};

// What Responder copies share. When the last copy goes away unanswered, it answers 500.
class Responder::State {
 public:
  explicit State(std::shared_ptr<ResponseSlot> slot) : slot_(std::move(slot)) {}
  ~State();
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  ResponseSlot& slot() { return *slot_; }

 private:
  std::shared_ptr<ResponseSlot> slot_;
};

}  // namespace tessera::common::http
