// common/http/server.h
//
// HttpServer: an HTTP/1.1 server on Boost.Beast/Asio with body limits and read timeouts.
// One io_context runs on `threads` I/O threads; each connection is a coroutine on its own
// strand. Requests go through the Router (router.h): its filters, then the route's handler.
// Async handlers (Router::Add) run on the connection's strand and must not block; they answer
// through a Responder (responder.h), at once or later from any thread (long-poll), and a
// Responder destroyed without answering sends 500. Sync handlers (Router::AddSync) run on a
// pool of `workers` threads owned by the server, so that a handler blocking on SQLite or
// fsync never holds up an I/O thread; when every worker is busy and `max_queued_work`
// requests already wait for one, a request is answered 503 (with Retry-After) so that clients
// back off. Every answer is written on the connection's strand. The server owns its sockets
// and threads; handlers own nothing of the server.
// Compression is transparent to handlers (docs/protocol.md, "Compression"): a request body
// sent with `Content-Encoding: zstd` is inflated (capped at the route's body limit, else
// max_body_bytes: 413 beyond, 400 for a bad frame, 415 for another coding) before the handler
// sees it; the bodies held at once are bounded by max_body_bytes_in_flight (503 beyond), and any
// answer of at least 256 bytes goes out zstd-compressed when the request's Accept-Encoding lists
// zstd and that is smaller. Thread-safe: Start/Stop/stats may be called from any thread; the Router
// must be fully built before Start.
//
// Includes message.h, responder.h and router.h, so that code serving HTTP includes this alone.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/http/message.h"
#include "common/http/responder.h"
#include "common/http/router.h"
#include "common/log.h"
#include "common/result.h"

namespace tessera::common::http {

struct ServerOptions {
  std::string listen = "127.0.0.1:0";  // "HOST:PORT"; port 0 picks a free one
  int threads = 2;                     // I/O threads
  // Threads running sync handlers (Router::AddSync), and how many requests may wait for one
  // beyond those running (0: a request finding every worker busy is answered 503 at once).
  int workers = 4;
  size_t max_queued_work = 256;
  // Limit of a request body, both as sent and after inflating it when it came compressed; a
  // route may have a smaller one (Router::SetBodyLimit). Beyond it: 413, and inflating stops.
  uint64_t max_body_bytes = 64ull << 20;
  // Bytes of request bodies (inflated) held at once, summed over the requests in flight; a
  // request that would go over it is answered 503 with Retry-After (a request alone always
  // fits). Bounds the server's memory for bodies under many concurrent large requests.
  uint64_t max_body_bytes_in_flight = 256ull << 20;
  // Compress answers (when >= 256 bytes, accepted by the client, and smaller) at this level.
  bool compress_responses = true;
  int zstd_level = 3;
  std::chrono::milliseconds read_timeout{30'000};
  // Async handlers may hold a request open this long before the server gives up on it (503).
  // Sync handlers are not cut short: they answer when they return.
  std::chrono::milliseconds max_hold{120'000};
};

// What the worker pool is doing, for metrics and tests.
struct WorkStats {
  size_t queued = 0;   // sync requests waiting for a worker
  size_t running = 0;  // sync handlers running
};

class HttpServer {
 public:
  // Binds and listens; IOError/InvalidArgument if the address is bad or taken, InvalidArgument
  // for fewer than one thread or worker. `router` and `log` must outlive the server.
  static Result<std::unique_ptr<HttpServer>> Start(const ServerOptions& options,
                                                   const Router& router, Logger& log);
  ~HttpServer();  // stops and joins
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;  // the bound port (the real one when 0 was asked for)
  // "http://ADDR:PORT" with the bound address; 127.0.0.1 (or [::1]) when listening on all
  // addresses, so the default "127.0.0.1:0" gives "http://127.0.0.1:PORT".
  std::string url() const;
  WorkStats work_stats() const;
  // Stops accepting; idle connections are closed, held requests and sync requests still
  // waiting for a worker are answered 503, sync handlers already running are waited for, and
  // then the requests in flight get up to 3 s to finish; then joins the I/O threads. No
  // handler or filter runs once Stop returns. Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::common::http
