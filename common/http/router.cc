#include <boost/json.hpp>

#include "common/http/server.h"

namespace tessera::common::http {

namespace {

// "/a/{b}/c" -> {"a", "{b}", "c"}. A path that does not start with '/' yields one segment
// that no pattern matches.
std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  if (path.empty() || path.front() != '/') {
    out.emplace_back(path);
    return out;
  }
  size_t start = 1;
  for (;;) {
    const size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      out.emplace_back(path.substr(start));
      return out;
    }
    out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

bool IsParam(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

Response JsonResponse(std::string body) {
  Response r;
  r.body = std::move(body);
  return r;
}

Response ResponseOr(Result<Response> result) {
  if (result.ok()) return std::move(result).value();
  return ErrorResponse(result.status());
}

Response ErrorResponse(const Status& status) {
  Response r;
  switch (status.code()) {
    case Code::kInvalidArgument:
      r.status = 400;
      break;
    case Code::kNotFound:
      r.status = 404;
      break;
    case Code::kConflict:
      r.status = 409;
      break;
    case Code::kPermissionDenied:
      r.status = 403;
      break;
    case Code::kResourceExhausted:
      r.status = 413;
      break;
    case Code::kUnavailable:
      r.status = 503;
      break;
    default:
      r.status = 500;
      break;
  }
  const std::string_view name = CodeName(status.code());
  boost::json::object body{{"error", boost::json::string_view(name.data(), name.size())},
                           {"message", status.message()}};
  r.body = boost::json::serialize(body);
  return r;
}

void Router::Add(std::string method, std::string pattern, Handler handler) {
  routes_.push_back(Route{std::move(method), SplitPath(pattern), std::move(handler)});
}

void Router::AddSync(std::string method, std::string pattern,
                     std::function<Response(const Request&)> handler) {
  Add(std::move(method), std::move(pattern),
      [handler = std::move(handler)](Request request, Responder responder) {
        responder.Send(handler(request));
      });
}

const Handler* Router::Match(Request& request, bool* path_matched) const {
  *path_matched = false;
  const std::vector<std::string> segments = SplitPath(request.path);
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool match = true;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      const std::string& want = route.segments[i];
      if (IsParam(want)) {
        if (segments[i].empty())
          match = false;
        else
          params[want.substr(1, want.size() - 2)] = segments[i];
      } else {
        match = want == segments[i];
      }
    }
    if (!match) continue;
    *path_matched = true;
    if (route.method != request.method) continue;
    request.params = std::move(params);
    return &route.handler;
  }
  return nullptr;
}

}  // namespace tessera::common::http
