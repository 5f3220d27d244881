#include "metaserver/accounts/password_hash.h"

#include <argon2.h>

#include "common/secure_random.h"

namespace tessera::metaserver::accounts {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

}  // namespace

common::Result<std::string> HashPassword(std::string_view password, const Argon2Params& params) {
  if (password.empty()) return common::InvalidArgument("empty password");
  if (password.size() > kMaxPasswordBytes) {
    return common::InvalidArgument("password longer than " + std::to_string(kMaxPasswordBytes) +
                                   " bytes");
  }
  TESSERA_ASSIGN_OR_RETURN(const std::string salt, common::SecureRandomBytes(kSaltBytes));
  std::string encoded(argon2_encodedlen(params.time_cost, params.memory_kib, params.parallelism,
                                        kSaltBytes, kHashBytes, Argon2_id),
                      '\0');
  const int rc = argon2id_hash_encoded(params.time_cost, params.memory_kib, params.parallelism,
                                       password.data(), password.size(), salt.data(), salt.size(),
                                       kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return common::InvalidArgument(std::string("argon2id_hash_encoded: ") +
                                   argon2_error_message(rc));
  }
  // argon2_encodedlen counts the terminator (and is an upper bound).
  if (const size_t end = encoded.find('\0'); end != std::string::npos) encoded.resize(end);
  return encoded;
}

common::Result<bool> VerifyPassword(std::string_view password, std::string_view encoded) {
  if (encoded.substr(0, kArgon2idPrefix.size()) != kArgon2idPrefix) {
    return common::InvalidArgument("not an Argon2id hash string");
  }
  if (password.size() > kMaxPasswordBytes) return false;
  const std::string c_encoded(encoded);  // argon2id_verify wants a NUL-terminated string
  const int rc = argon2id_verify(c_encoded.c_str(), password.data(), password.size());
  if (rc == ARGON2_OK) return true;
  if (rc == ARGON2_VERIFY_MISMATCH) return false;
  return common::InvalidArgument(std::string("argon2id_verify: ") + argon2_error_message(rc));
}

}  // namespace tessera::metaserver::accounts
