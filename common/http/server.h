// common/http/server.h
//
// HttpServer: an HTTP/1.1 server on Boost.Beast/Asio with body limits and read timeouts.
// One io_context runs on `threads` threads; each connection is a coroutine on its own strand.
// Handlers receive a parsed Request and a Responder; they may answer at once or keep the
// Responder and answer later from any thread (long-poll). A Responder that is destroyed without
// answering sends 500. The server owns its sockets; handlers own nothing of the server.
// Compression is transparent to handlers (docs/protocol.md, "Compression"): a request body
// sent with `Content-Encoding: zstd` is inflated (capped at max_body_bytes: 413 beyond, 400 for
// a bad frame, 415 for another coding) before the handler sees it, and any answer of at least
// 256 bytes goes out zstd-compressed when the request's Accept-Encoding lists zstd and that is
// smaller.
// Thread-safe: Start/Stop may be called from any thread; Router must be fully built before Start.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"
#include "common/result.h"

namespace tessera::common::http {

struct Request {
  std::string method;                         // "GET", "POST", ...
  std::string path;                           // decoded path, without the query
  std::map<std::string, std::string> params;  // from the route pattern: "{ns}" -> value
  std::map<std::string, std::string> query;   // decoded query parameters
  // Lowercase names, as received, except that content-encoding is removed once the body is
  // inflated (content-length stays the size on the wire).
  std::map<std::string, std::string> headers;
  std::string body;    // always plain (inflated)
  std::string remote;  // "ip:port" of the peer
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Extra headers. A handler that sets Content-Encoding itself is sent as it is.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Maps a Status to an HTTP response: 400 InvalidArgument, 404 NotFound, 409 Conflict,
// 403 PermissionDenied, 413 ResourceExhausted, 503 Unavailable, 500 otherwise; body
// {"error":"<code name>","message":"..."}.
Response ErrorResponse(const Status& status);
// A 200 response with this JSON body.
Response JsonResponse(std::string body);
// The response `result` holds, or the ErrorResponse of its error.
Response ResponseOr(Result<Response> result);

// Answers one request exactly once. Copyable handle; thread-safe; later calls are ignored.
class Responder {
 public:
  class State;  // defined by the server
  explicit Responder(std::shared_ptr<State> state);
  void Send(Response response) const;
  // True once the client has gone away (the answer would be dropped).
  bool Cancelled() const;

 private:
  std::shared_ptr<State> state_;
};

using Handler = std::function<void(Request request, Responder responder)>;

// Method + path pattern -> handler. Patterns are literal segments and "{name}" segments:
// "/v1/ns/{ns}/list". Not thread-safe while being built; read-only once the server starts.
class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);
  // Convenience for handlers that answer at once.
  void AddSync(std::string method, std::string pattern,
               std::function<Response(const Request&)> handler);

  // Finds the handler and fills request.params; nullptr when nothing matches (the server then
  // answers 404, or 405 when the path matches under another method).
  const Handler* Match(Request& request, bool* path_matched) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

struct ServerOptions {
  std::string listen = "127.0.0.1:0";  // "HOST:PORT"; port 0 picks a free one
  int threads = 2;
  // Limit of a request body, both as sent and after inflating it when it came compressed.
  uint64_t max_body_bytes = 64ull << 20;
  // Compress answers (when >= 256 bytes, accepted by the client, and smaller) at this level.
  bool compress_responses = true;
  int zstd_level = 3;
  std::chrono::milliseconds read_timeout{30'000};
  // Long-poll handlers may hold a request open this long before the server gives up on it.
  std::chrono::milliseconds max_hold{120'000};
};

class HttpServer {
 public:
  // Binds and listens; IOError/InvalidArgument if the address is bad or taken.
  // `router` and `log` must outlive the server.
  static Result<std::unique_ptr<HttpServer>> Start(const ServerOptions& options,
                                                   const Router& router, Logger& log);
  ~HttpServer();  // stops and joins
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;  // the bound port (the real one when 0 was asked for)
  // "http://ADDR:PORT" with the bound address; 127.0.0.1 (or [::1]) when listening on all
  // addresses, so the default "127.0.0.1:0" gives "http://127.0.0.1:PORT".
  std::string url() const;
  // Stops accepting; idle connections are closed, held requests answered 503, and requests in
  // flight get up to 3 s to finish; then joins the threads. Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Blocks until SIGINT or SIGTERM arrives (they are blocked in the calling thread first, so
// call this from main before starting other threads that should not receive them). Returns
// the signal number.
int WaitForTerminationSignal();
// Blocks SIGINT/SIGTERM/SIGPIPE in the calling thread; threads started afterwards inherit it.
void BlockTerminationSignals();

}  // namespace tessera::common::http
