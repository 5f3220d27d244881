// common/auth/token_source.h
//
// TokenSource: a client's current access token (jwt.h), fetched when needed and fetched again
// before it runs out. `fetch` trades the device's long-lived credential for a token with the
// metaserver and says how long the token lives; the source keeps it until `lifetime` minus a
// margin (a fifth of the lifetime, at least kMinRefreshAhead) has passed on the steady clock,
// so a request never starts with a token about to expire, whatever the two machines' wall
// clocks say. One fetch at a time: callers that find the token stale while another fetches wait
// for that fetch. A fetch that fails while the old token is still valid keeps the old token (the
// metaserver may be down a moment); PermissionDenied (the device was revoked, the credential is
// wrong) drops it at once. Invalidate() drops a token a server refused, so the next Get()
// fetches. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/result.h"

namespace tessera::common::auth {

inline constexpr std::chrono::seconds kMinRefreshAhead{30};

struct IssuedToken {
  std::string token;
  std::chrono::seconds lifetime{0};  // from when it was issued (the server's expires_in)
};

class TokenSource {
 public:
  using Fetch = std::function<Result<IssuedToken>()>;
  // `clock` must outlive the source; `fetch` is called with no lock of the caller's held.
  TokenSource(Fetch fetch, const Clock& clock) : fetch_(std::move(fetch)), clock_(clock) {}

  // A token with more than the margin left, fetching one when needed; fetch's error otherwise.
  Result<std::string> Get();
  // `token` was refused by a server: it is not handed out again.
  void Invalidate(const std::string& token);

 private:
  struct Held {
    std::string token;
    std::chrono::steady_clock::time_point refresh_at;  // fetch again from here
    std::chrono::steady_clock::time_point expires_at;  // unusable from here
  };

  Fetch fetch_;
  const Clock& clock_;
  Mutex mutex_;
  std::optional<Held> held_ TESSERA_GUARDED_BY(mutex_);
  // Serializes fetches (taken before mutex_, never while holding it).
  Mutex fetching_;
};

}  // namespace tessera::common::auth
