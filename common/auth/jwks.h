// common/auth/jwks.h
//
// The metaserver's public token keys as a JSON Web Key Set (RFC 7517, OKP keys of RFC 8037):
// {"keys":[{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","use":"sig","kid":ID,"x":BASE64URL}]}.
// The blockserver fetches it to verify tokens itself (jwt.h). Decoding refuses any key that
// is not an Ed25519 signing key, and sets of more than kMaxJwksKeys. Pure functions.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/auth/signing_key.h"
#include "common/result.h"

namespace tessera::common::auth {

inline constexpr size_t kMaxJwksKeys = 16;

std::string EncodeJwks(std::span<const VerifyKey> keys);

// InvalidArgument naming what is wrong; never an empty set.
Result<std::vector<VerifyKey>> DecodeJwks(std::string_view json);

}  // namespace tessera::common::auth
