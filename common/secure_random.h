// common/secure_random.h
//
// Secret random bytes from OpenSSL's CSPRNG (RAND_bytes): password salts, TOTP secrets, and
// later tokens. random_hex.h is for names, not secrets. Thread-safe (OpenSSL's generator is).
#pragma once

#include <cstddef>
#include <string>

#include "common/result.h"

namespace tessera::common {

// `bytes` random bytes. Unavailable when the generator cannot be seeded (never falls back to
// anything weaker).
Result<std::string> SecureRandomBytes(size_t bytes);

}  // namespace tessera::common
