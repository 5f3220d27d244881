// common/auth/jwt.h
//
// Access tokens: JSON Web Tokens (RFC 7519) in JWS compact form (RFC 7515), signed with EdDSA
// over Ed25519 (RFC 8037) by the metaserver and checked by both servers with its public keys
// (signing_key.h), so that neither server calls the other per request. The header is
// {"alg":"EdDSA","typ":"JWT","kid":KEY_ID}; the claims are
//   sub  the user name            dev  the device id the token was issued to
//   aud  the servers it is for    iat, nbf, exp  seconds since the epoch
//   ns   the namespaces and rights: [{"n": NAME, "w": true|false}, ...] (w: may write)
// VerifyToken accepts only that: alg exactly "EdDSA" (never "none", nor any other), a known
// kid, a valid signature over the first two parts as sent, strict base64url (base64url.h), at
// most kMaxTokenBytes, no "crit" header, exp and nbf present and the audience asked for among
// `aud`; the clock-skew leeway is capped at kMaxLeewaySeconds. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/auth/signing_key.h"
#include "common/result.h"

namespace tessera::common::auth {

inline constexpr size_t kMaxTokenBytes = 8192;
inline constexpr int64_t kMaxLeewaySeconds = 60;
inline constexpr size_t kMaxTokenNamespaces = 256;
inline constexpr size_t kMaxClaimBytes = 256;  // sub, dev, each aud and namespace name

struct NamespaceGrant {
  std::string ns;
  bool write = false;
  bool operator==(const NamespaceGrant&) const = default;
};

struct TokenClaims {
  std::string subject;                 // sub
  std::string device;                  // dev
  std::vector<std::string> audiences;  // aud (at least one)
  int64_t issued_at = 0;               // iat
  int64_t not_before = 0;              // nbf
  int64_t expires_at = 0;              // exp
  std::vector<NamespaceGrant> namespaces;
  bool operator==(const TokenClaims&) const = default;

  // The grant for `ns`, or nullptr when the token gives none.
  const NamespaceGrant* Grant(std::string_view ns) const;
};

// The compact token. InvalidArgument for claims VerifyToken would refuse (no audience, an
// empty subject, fields over the bounds above, exp not after nbf).
Result<std::string> SignToken(const SigningKey& key, const TokenClaims& claims);

struct VerifyOptions {
  std::string audience;                // must be one of the token's `aud`
  int64_t now = 0;                     // seconds since the epoch
  int64_t leeway = kMaxLeewaySeconds;  // clock skew allowed either way (capped at 60 s)
};

// The token's claims when it is valid for `options` under one of `keys`; otherwise
// PermissionDenied saying why (for the server's log: answer the caller without the reason).
Result<TokenClaims> VerifyToken(std::span<const VerifyKey> keys, std::string_view token,
                                const VerifyOptions& options);

}  // namespace tessera::common::auth
