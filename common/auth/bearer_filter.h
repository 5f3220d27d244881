// common/auth/bearer_filter.h
//
// BearerFilter: a router filter (common/http/router.h) that lets a request through only with a
// valid access token for this server: `Authorization: Bearer <token>`, checked by VerifyToken
// (jwt.h) against the KeyRing's keys of the moment, for `audience`, at the clock's wall time.
// A request let through carries Caller{claims} in its attributes for the handlers. Every
// refusal is the same 401 (`WWW-Authenticate: Bearer`, body {"error":"Unauthenticated",
// "message":"a valid access token is required"}): no token, a malformed one, a forged, expired
// or revoked one look alike to the caller. The reason goes to the log at Info with the peer's
// address, never the token. `revoked` (optional) refuses tokens of a revoked device before
// their expiry. Everything referenced must outlive the filter; it is thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/auth/jwt.h"
#include "common/auth/key_ring.h"
#include "common/clock.h"
#include "common/http/router.h"
#include "common/log.h"

namespace tessera::common::auth {

// Who is asking, as the token says.
struct Caller {
  TokenClaims claims;
};

// True when tokens of device `device` must not be accepted any more.
using RevokedCheck = std::function<bool(std::string_view device)>;

// The refusal every unauthenticated request gets.
http::Response Unauthenticated();

http::Filter BearerFilter(const KeyRing& keys, std::string audience, const Clock& clock,
                          Logger& log, RevokedCheck revoked = nullptr);

}  // namespace tessera::common::auth
