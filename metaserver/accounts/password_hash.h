// metaserver/accounts/password_hash.h
//
// Password hashing with Argon2id (RFC 9106) through libargon2. A hash is kept as its encoded
// string, "$argon2id$v=19$m=65536,t=3,p=1$<salt>$<hash>", which records the parameters with
// it: raising the defaults later leaves old hashes verifiable. Salts are 16 bytes from the
// CSPRNG (common/secure_random.h); verification compares in constant time (argon2id_verify).
// Pure functions apart from the random salt; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace tessera::metaserver::accounts {

struct Argon2Params {
  uint32_t time_cost = 3;          // passes over memory (t)
  uint32_t memory_kib = 64 << 10;  // memory in KiB (m): 64 MiB, RFC 9106's second choice
  uint32_t parallelism = 1;        // lanes (p)
};

inline constexpr size_t kMaxPasswordBytes = 4096;
inline constexpr std::string_view kArgon2idPrefix = "$argon2id$";

// The encoded Argon2id hash of `password` with a fresh salt. InvalidArgument for an empty
// password, one longer than kMaxPasswordBytes, or parameters libargon2 refuses; Unavailable
// when no random salt can be had.
common::Result<std::string> HashPassword(std::string_view password,
                                         const Argon2Params& params = {});

// Whether `password` matches `encoded` (a HashPassword result). false for a wrong password;
// InvalidArgument when `encoded` is not an Argon2id hash string.
common::Result<bool> VerifyPassword(std::string_view password, std::string_view encoded);

}  // namespace tessera::metaserver::accounts
