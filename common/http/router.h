// common/http/router.h
//
// Router: method + path -> handler, with a filter stage in front of the handlers.
//
// Routes
//   Add, AddSync              an exact pattern of literal and "{name}" segments,
//                             "/v1/ns/{ns}/list"; "{name}" matches one non-empty segment and
//                             lands in Request::params.
//   AddPrefix, AddPrefixSync  every path under a prefix pattern ("/web", "/dav",
//                             "/v1/ns/{ns}/dav"): the prefix itself and anything below it after
//                             a '/' ("/dav", "/dav/", "/dav/a/b", not "/davx"); the remainder
//                             lands in Request::rest. A trailing '/' on the prefix is ignored;
//                             "/" covers every path.
//   A route's method is one ("GET", "PROPFIND", ...) or kAnyMethod, which accepts every method
//   (WebDAV: PROPFIND, MKCOL, MOVE, COPY, LOCK, ...).
// Which route serves a request: among the routes whose path and method match, an exact route
// wins over a prefix route, a longer prefix (more segments) over a shorter one, a route naming
// the method over a kAnyMethod route, then the route added first. When none matches, the
// server answers 405 if some route's path matched under another method, else 404.
//
// Handlers
//   Handler (Add, AddPrefix) is async: it runs on the connection's strand, an I/O thread, and
//   must not block; it answers through its Responder, at once or later from any thread (the
//   metaserver's long-poll).
//   SyncHandler (AddSync, AddPrefixSync) answers at once and may block (SQLite writes, fsync):
//   it runs on the server's worker pool (ServerOptions::workers), never on an I/O thread; its
//   answer is written back on the connection's strand.
//
// Filters
//   AddFilter(filter) covers every route, AddFilter(prefix, filter) the paths under `prefix`
//   (the AddPrefix rule). Filters run after a route matched and before its handler (never for
//   a 404 or 405), in the order added, on the thread the handler runs on: a worker for a sync
//   route, the strand for an async one, so a filter covering async routes must not block. A
//   filter returns nullopt to let the request through, after annotating it if it likes
//   (Request::attributes: who is asking, ...), or the Response to send instead (401, 403, ...);
//   then neither later filters nor the handler run.
//
// Thread-safety: not thread-safe while being built. Once the server starts it is read-only,
// every const method is safe from any thread, and it must outlive the server. Handlers and
// filters are called concurrently from several threads.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http/message.h"
#include "common/http/responder.h"

namespace tessera::common::http {

using Handler = std::function<void(Request request, Responder responder)>;
using SyncHandler = std::function<Response(const Request& request)>;
// nullopt: go on to the next filter, then the handler. A Response: send it instead.
using Filter = std::function<std::optional<Response>(Request& request)>;

// The method of a route that accepts every method.
inline constexpr std::string_view kAnyMethod = "*";

// What Router::Match found. Points into the Router.
struct RouteMatch {
  const Handler* handler = nullptr;           // an async route serves the request
  const SyncHandler* sync_handler = nullptr;  // a sync route serves it (on a worker)
  bool path_matched = false;                  // some route's path matched (405 rather than 404)
  // The route's limit of its request body after inflating (SetBodyLimit); 0: the server's.
  uint64_t max_body_bytes = 0;

  bool found() const { return handler != nullptr || sync_handler != nullptr; }
};

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);
  void AddSync(std::string method, std::string pattern, SyncHandler handler);
  void AddPrefix(std::string method, std::string prefix, Handler handler);
  void AddPrefixSync(std::string method, std::string prefix, SyncHandler handler);
  void AddFilter(Filter filter);
  void AddFilter(std::string prefix, Filter filter);
  // Limits the request body of the route added last with exactly `method` and `pattern` to
  // `max_body_bytes`, as sent and after inflating (the server refuses a larger one with 413
  // before the handler runs, and stops inflating at the limit). Without it a route has the
  // server's ServerOptions::max_body_bytes; a limit above that one has no effect.
  // REQUIRES: such a route was added.
  void SetBodyLimit(std::string_view method, std::string_view pattern, uint64_t max_body_bytes);

  // Finds the route serving `request` (rules above) and fills request.params and request.rest.
  RouteMatch Match(Request& request) const;
  // Runs the filters covering request.path in order: nullopt when all let it through, else
  // the first refusal.
  std::optional<Response> RunFilters(Request& request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    bool prefix = false;
    Handler handler;           // set for async routes
    SyncHandler sync_handler;  // set for sync routes
    std::string pattern;
    uint64_t max_body_bytes = 0;
  };
  struct ScopedFilter {
    std::vector<std::string> prefix;
    Filter filter;
  };

  void AddRoute(std::string method, std::string pattern, bool prefix, Handler handler,
                SyncHandler sync_handler);

  std::vector<Route> routes_;
  std::vector<ScopedFilter> filters_;
};

}  // namespace tessera::common::http
