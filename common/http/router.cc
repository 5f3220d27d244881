#include "common/http/router.h"

#include <tuple>

#include "common/check.h"

namespace tessera::common::http {

namespace {

// "/a/{b}/c" -> {"a", "{b}", "c"}; "/" -> {""}; "/a/" -> {"a", ""}. The views point into
// `path`. A path that does not start with '/' has no segments and matches no route.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') return out;
  size_t start = 1;
  for (;;) {
    const size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(path.substr(start));
      return out;
    }
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

std::vector<std::string> PatternSegments(std::string_view pattern) {
  std::vector<std::string> out;
  for (std::string_view s : SplitPath(pattern)) out.emplace_back(s);
  return out;
}

// A prefix covers paths segment by segment: "/dav/" is "/dav", and "/" covers everything.
std::vector<std::string> PrefixSegments(std::string_view prefix) {
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  if (prefix.empty()) return {};
  return PatternSegments(prefix);
}

bool IsParam(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Matches `pattern` against the first pattern.size() segments of `path` (the caller checks
// the count), collecting "{name}" values into `params` when it is not null.
bool MatchSegments(const std::vector<std::string>& pattern,
                   const std::vector<std::string_view>& path,
                   std::map<std::string, std::string>* params) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string& want = pattern[i];
    if (IsParam(want)) {
      if (path[i].empty()) return false;
      if (params != nullptr) (*params)[want.substr(1, want.size() - 2)] = std::string(path[i]);
    } else if (want != path[i]) {
      return false;
    }
  }
  return true;
}

bool Covers(const std::vector<std::string>& prefix, const std::vector<std::string_view>& path) {
  return !path.empty() && path.size() >= prefix.size() && MatchSegments(prefix, path, nullptr);
}

}  // namespace

void Router::AddRoute(std::string method, std::string pattern, bool prefix, Handler handler,
                      SyncHandler sync_handler) {
  Route route;
  route.method = std::move(method);
  route.segments = prefix ? PrefixSegments(pattern) : PatternSegments(pattern);
  route.prefix = prefix;
  route.handler = std::move(handler);
  route.sync_handler = std::move(sync_handler);
  route.pattern = std::move(pattern);
  routes_.push_back(std::move(route));
}

void Router::Add(std::string method, std::string pattern, Handler handler) {
  AddRoute(std::move(method), std::move(pattern), false, std::move(handler), nullptr);
}

void Router::AddSync(std::string method, std::string pattern, SyncHandler handler) {
  AddRoute(std::move(method), std::move(pattern), false, nullptr, std::move(handler));
}

void Router::AddPrefix(std::string method, std::string prefix, Handler handler) {
  AddRoute(std::move(method), std::move(prefix), true, std::move(handler), nullptr);
}

void Router::AddPrefixSync(std::string method, std::string prefix, SyncHandler handler) {
  AddRoute(std::move(method), std::move(prefix), true, nullptr, std::move(handler));
}

void Router::SetBodyLimit(std::string_view method, std::string_view pattern,
                          uint64_t max_body_bytes) {
  bool found = false;
  for (auto it = routes_.rbegin(); it != routes_.rend() && !found; ++it) {
    if (it->method == method && it->pattern == pattern) {
      it->max_body_bytes = max_body_bytes;
      found = true;
    }
  }
  TESSERA_CHECK(found);  // a limit on a route nobody added is a typo that would limit nothing
}

void Router::AddFilter(Filter filter) { AddFilter("/", std::move(filter)); }

void Router::AddFilter(std::string prefix, Filter filter) {
  filters_.push_back(ScopedFilter{PrefixSegments(prefix), std::move(filter)});
}

RouteMatch Router::Match(Request& request) const {
  RouteMatch out;
  const std::vector<std::string_view> segments = SplitPath(request.path);
  if (segments.empty()) return out;
  const Route* best = nullptr;
  std::tuple<bool, size_t, bool> best_rank;
  std::map<std::string, std::string> best_params;
  for (const Route& route : routes_) {
    const bool fits = route.prefix ? segments.size() >= route.segments.size()
                                   : segments.size() == route.segments.size();
    if (!fits) continue;
    std::map<std::string, std::string> params;
    if (!MatchSegments(route.segments, segments, &params)) continue;
    out.path_matched = true;
    const bool names_method = route.method == request.method;
    if (!names_method && route.method != kAnyMethod) continue;
    // Exact over prefix, longer prefix over shorter, named method over any; ties: first added.
    const std::tuple<bool, size_t, bool> rank{!route.prefix, route.segments.size(), names_method};
    if (best != nullptr && !(rank > best_rank)) continue;
    best = &route;
    best_rank = rank;
    best_params = std::move(params);
  }
  if (best == nullptr) return out;
  request.params = std::move(best_params);
  request.rest.clear();
  if (best->prefix && segments.size() > best->segments.size()) {
    // From the '/' before the first segment past the prefix to the end.
    const std::string_view first = segments[best->segments.size()];
    request.rest = request.path.substr(static_cast<size_t>(first.data() - request.path.data()) - 1);
  }
  out.max_body_bytes = best->max_body_bytes;
  if (best->sync_handler) {
    out.sync_handler = &best->sync_handler;
  } else {
    out.handler = &best->handler;
  }
  return out;
}

std::optional<Response> Router::RunFilters(Request& request) const {
  if (filters_.empty()) return std::nullopt;
  const std::string path = request.path;  // a filter may touch the request; scope by the original
  const std::vector<std::string_view> segments = SplitPath(path);
  for (const ScopedFilter& f : filters_) {
    if (!Covers(f.prefix, segments)) continue;
    std::optional<Response> refused = f.filter(request);
    if (refused) return refused;
  }
  return std::nullopt;
}

}  // namespace tessera::common::http
