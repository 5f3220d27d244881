// metaserver/tokens/token_keys.h
//
// TokenKeys: the metaserver's keys for signing access tokens (common/auth/jwt.h), kept in
// DATA/token-keys/ (mode 0700): one file a key, "<kid>.json" = {"kid","created","d"} with the
// 32-byte Ed25519 seed in base64url, mode 0600, written atomically and durably. The newest key
// (by `created`, then kid) signs; every key present verifies, so a rotation never logs a device
// out: Rotate() adds a key that signs from then on, and Retire() removes an old one once the
// tokens it signed have expired. Open() makes the first key of a new data dir and refuses a
// key file it cannot read (naming it) rather than replace it. Not thread-safe: the service
// guards it (reads of signer()/verify_keys() are const and safe to share once opened).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/auth/signing_key.h"
#include "common/env.h"
#include "common/result.h"

namespace tessera::metaserver::tokens {

inline constexpr std::string_view kKeysDir = "token-keys";

class TokenKeys {
 public:
  // `now`: seconds since the epoch, recorded as a new key's `created`. `env` must outlive it.
  static common::Result<TokenKeys> Open(common::Env& env, const std::string& data_dir, int64_t now);

  const common::auth::SigningKey& signer() const { return keys_[signer_].key; }
  std::span<const common::auth::VerifyKey> verify_keys() const { return verify_; }

  // A new key, written durably, signs from now on; the others still verify.
  common::Status Rotate(int64_t now);
  // Removes key `kid` (InvalidArgument for the signing key; NotFound for an unknown one).
  common::Status Retire(std::string_view kid);

 private:
  struct Entry {
    common::auth::SigningKey key;
    int64_t created = 0;
  };
  TokenKeys(common::Env& env, std::string dir) : env_(&env), dir_(std::move(dir)) {}
  common::Status Add(common::auth::SigningKey key, int64_t created);
  common::Status Write(const Entry& e);
  void Index();  // signer_ and verify_ from keys_

  common::Env* env_;
  std::string dir_;
  std::vector<Entry> keys_;
  size_t signer_ = 0;
  std::vector<common::auth::VerifyKey> verify_;
};

}  // namespace tessera::metaserver::tokens
