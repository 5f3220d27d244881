// common/http/message.h
//
// The HTTP messages as handlers see them: Request (parsed, body inflated, route parameters and
// filter attributes filled in) and Response (what a handler answers), plus the one mapping from
// a Status to an error answer. Plain values: not thread-safe, owned by whoever holds them; a
// Request belongs to the one thread running its filters and handler.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <typeindex>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace tessera::common::http {

// What the router's filters (router.h) established about a request for its handler, one value
// per C++ type: who is asking (authentication), which namespace it may touch, ... A request
// arrives from the network with none, and nothing a client sends lands here: only filters set
// them, so a handler may trust what it finds.
//
//   struct Caller { std::string user; };                  // defined by the auth module
//   request.attributes.Set(Caller{"alice"});              // in a filter
//   if (const Caller* who = request.attributes.Get<Caller>()) ...   // in the handler
//
// Values are immutable once set and shared by copies of the Request.
class RequestAttributes {
 public:
  // Sets (or replaces) the value of type T.
  template <typename T>
  void Set(T value) {
    values_[std::type_index(typeid(T))] = std::make_shared<const T>(std::move(value));
  }
  // The value of type T, or nullptr when no filter set one. Valid while this object (or a copy
  // sharing the value) lives and no Set<T> replaces it.
  template <typename T>
  const T* Get() const {
    const auto it = values_.find(std::type_index(typeid(T)));
    return it == values_.end() ? nullptr : static_cast<const T*>(it->second.get());
  }
  bool empty() const { return values_.empty(); }

 private:
  std::map<std::type_index, std::shared_ptr<const void>> values_;
};

struct Request {
  std::string method;                         // "GET", "POST", "PROPFIND", ...
  std::string path;                           // decoded path, without the query
  std::map<std::string, std::string> params;  // from the route pattern: "{ns}" -> value
  // For a prefix route (Router::AddPrefix): the path after the prefix, "" for the prefix itself,
  // otherwise starting with '/' ("/dav/a/b" under "/dav" -> "/a/b"). Empty for exact routes.
  std::string rest;
  std::map<std::string, std::string> query;  // decoded query parameters
  // Lowercase names, as received, except that content-encoding is removed once the body is
  // inflated (content-length stays the size on the wire).
  std::map<std::string, std::string> headers;
  std::string body;              // always plain (inflated)
  std::string remote;            // "ip:port" of the peer
  RequestAttributes attributes;  // set by filters only; empty when the request arrives
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

}  // namespace tessera::common::http
