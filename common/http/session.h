// common/http/session.h
//
// Internal to common/http. Session serves one accepted connection: reads requests with the
// body limit and read timeout, dispatches them through the Router (filters and an async
// handler on the strand; filters and a sync handler on the WorkerPool), waits for the answer
// (an async one until its Responder answers, max_hold passes, the peer leaves or the server
// stops; a sync one until its worker answers), writes the answers, and
// keeps the connection alive between requests.
// Not thread-safe: everything runs on the connection's strand; Shutdown() must be posted there.
// Keeps itself alive with shared_from_this() while its coroutine runs; the server's registry
// (SessionRegistry) must outlive every Session.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "common/http/body_budget.h"
#include "common/http/response_slot.h"
#include "common/http/server.h"
#include "common/http/worker_pool.h"
#include "common/mutex.h"
#include "common/zstd.h"

namespace tessera::common::http {

namespace net = boost::asio;
namespace beast = boost::beast;

class Session;

// The server's list of live sessions, so that Stop() can reach them. Thread-safe.
class SessionRegistry {
 public:
  uint64_t Add(std::weak_ptr<Session> session);
  void Remove(uint64_t id);
  std::vector<std::shared_ptr<Session>> Live();
  // Waits until no session is registered or `deadline` passes; true when empty.
  bool WaitEmpty(std::chrono::steady_clock::time_point deadline);

 private:
  Mutex mutex_;
  CondVar empty_;
  uint64_t next_id_ TESSERA_GUARDED_BY(mutex_) = 1;
  std::map<uint64_t, std::weak_ptr<Session>> sessions_ TESSERA_GUARDED_BY(mutex_);
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `router`, `workers`, `options`, `log`, `registry`, `stopping` and `budget` must outlive the
  // session.
  Session(net::ip::tcp::socket socket, const Router& router, WorkerPool& workers,
          const ServerOptions& options, Logger& log, SessionRegistry& registry,
          const std::atomic<bool>& stopping, BodyBudget& budget);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Registers and spawns the connection's coroutine on its strand.
  void Start();
  // On the strand: stop reading new requests, give up any held async request (503), close
  // when idle. A sync request with a worker keeps its answer.
  void Shutdown();
  // With no io threads running (after the server joined them): drops any held request's slot,
  // so that a late Responder::Send never posts to a dying io_context.
  void CloseSlot();

  net::any_io_executor executor() { return stream_.get_executor(); }

 private:
  net::awaitable<void> Run();
  // Routes `request` and waits for its answer; nullopt when the peer went away.
  net::awaitable<std::optional<Response>> Dispatch(Request request);
  // Starts the matched handler (and the filters before it), which answers into slot_.
  void StartAsync(const Handler& handler, Request request, Responder responder);
  void StartSync(const SyncHandler& handler, Request request, Responder responder);
  // Compresses the body when `accept_zstd` and the rule of content_coding.h say so.
  net::awaitable<bool> Write(Response response, unsigned version, bool keep_alive,
                             bool accept_zstd);
  // After refusing a request mid-body: answer, stop sending, read and discard a bounded amount
  // so that the client sees the answer rather than a reset.
  net::awaitable<void> RefuseAndLinger(Response response, unsigned version);
  void WatchPeer(std::shared_ptr<net::steady_timer> timer);
  // The 503 (with Retry-After) for a request whose body does not fit in the server's budget.
  Response BudgetFull();

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  const Router& router_;
  WorkerPool& workers_;
  const ServerOptions& options_;
  zstd::Codec codec_;  // body compression contexts of this connection (its strand only)
  Logger& log_;
  SessionRegistry& registry_;
  const std::atomic<bool>& stopping_;
  BodyBudget& budget_;
  uint64_t registry_id_ = 0;
  std::string remote_;

  // Strand-only state.
  bool reading_ = false;                     // waiting for (or reading) a request
  bool peer_gone_ = false;                   // seen EOF while holding a request
  net::steady_timer* hold_timer_ = nullptr;  // set while a request is held
  bool holding_sync_ = false;                // the held request is a sync handler's
  std::shared_ptr<ResponseSlot> slot_;       // the held request's slot
};

}  // namespace tessera::common::http
