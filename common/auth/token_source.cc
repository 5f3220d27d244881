#include "common/auth/token_source.h"

#include <algorithm>

namespace tessera::common::auth {

Result<std::string> TokenSource::Get() {
  auto fresh = [&]() TESSERA_REQUIRES(mutex_) -> std::optional<std::string> {
    if (held_ && clock_.SteadyNow() < held_->refresh_at) return held_->token;
    return std::nullopt;
  };
  {
    MutexLock lock(mutex_);
    if (auto t = fresh()) return *t;
  }
  MutexLock one_fetch(fetching_);
  {
    MutexLock lock(mutex_);
    if (auto t = fresh()) return *t;  // another caller fetched while this one waited
  }
  const auto started = clock_.SteadyNow();
  Result<IssuedToken> got = fetch_();
  MutexLock lock(mutex_);
  if (!got.ok()) {
    if (got.status().code() == Code::kPermissionDenied) held_.reset();
    if (held_ && clock_.SteadyNow() < held_->expires_at) return held_->token;
    return got.status();
  }
  const auto lifetime = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::max(got->lifetime, std::chrono::seconds(0)));
  const auto ahead = std::min<std::chrono::steady_clock::duration>(
      std::max<std::chrono::steady_clock::duration>(lifetime / 5, kMinRefreshAhead), lifetime);
  // Measured from before the request went out: the token was issued after that.
  held_ = Held{got->token, started + lifetime - ahead, started + lifetime};
  return held_->token;
}

void TokenSource::Invalidate(const std::string& token) {
  MutexLock lock(mutex_);
  if (held_ && held_->token == token) held_.reset();
}

}  // namespace tessera::common::auth
