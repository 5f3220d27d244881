#include "common/auth/bearer_filter.h"

#include <chrono>

namespace tessera::common::auth {

http::Response Unauthenticated() {
  http::Response r;
  r.status = 401;
  r.body = R"({"error":"Unauthenticated","message":"a valid access token is required"})";
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

http::Filter BearerFilter(const KeyRing& keys, std::string audience, const Clock& clock,
                          Logger& log, RevokedCheck revoked) {
  return [&keys, audience = std::move(audience), &clock, &log,
          revoked = std::move(revoked)](http::Request& request) -> std::optional<http::Response> {
    auto refuse = [&](std::string_view why) {
      log.Info("auth", "refused " + request.method + " " + request.path + " from " +
                           request.remote + ": " + std::string(why));
      return Unauthenticated();
    };
    const auto header = request.headers.find("authorization");
    if (header == request.headers.end()) return refuse("no token");
    constexpr std::string_view kScheme = "Bearer ";
    const std::string_view value = header->second;
    if (value.size() <= kScheme.size() || value.substr(0, kScheme.size()) != kScheme) {
      return refuse("not a bearer token");
    }
    VerifyOptions at;
    at.audience = audience;
    at.now = std::chrono::duration_cast<std::chrono::seconds>(clock.SystemNow().time_since_epoch())
                 .count();
    const KeyRing::Keys now_keys = keys.Get();
    auto claims = VerifyToken(*now_keys, value.substr(kScheme.size()), at);
    if (!claims.ok()) return refuse(claims.status().message());
    if (revoked && !claims->device.empty() && revoked(claims->device)) {
      return refuse("device " + claims->device + " was revoked");
    }
    request.attributes.Set(Caller{std::move(claims).value()});
    return std::nullopt;
  };
}

}  // namespace tessera::common::auth
