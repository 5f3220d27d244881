// common/auth/signing_key.h
//
// Ed25519 keys for access tokens (EdDSA, RFC 8032 / RFC 8037), through OpenSSL. A SigningKey
// (the metaserver's: it issues tokens) holds a private key; a VerifyKey (what both servers check
// tokens with) holds a public one. Each has a key id (`kid`, carried in a token's header) so that
// keys can be rotated: a new key signs while the old one still verifies the tokens it signed.
// Keys are kept as their raw 32 bytes (the JWK "d" and "x" members, jwks.h). Both own an
// EVP_PKEY; move-only; const methods are thread-safe (OpenSSL's one-shot calls on a shared key).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

struct evp_pkey_st;

namespace tessera::common::auth {

struct PkeyFree {
  void operator()(evp_pkey_st* key) const;
};
using PkeyPtr = std::unique_ptr<evp_pkey_st, PkeyFree>;

inline constexpr size_t kEd25519KeyBytes = 32;
inline constexpr size_t kEd25519SignatureBytes = 64;
// A key id: 1..64 bytes of [A-Za-z0-9_-].
Status ValidateKeyId(std::string_view kid);

class VerifyKey {
 public:
  // InvalidArgument for a bad kid or a key that is not 32 bytes.
  static Result<VerifyKey> FromRaw(std::string kid, std::string_view public_raw);

  const std::string& kid() const { return kid_; }
  std::string PublicRaw() const;
  // True when `signature` is a valid Ed25519 signature of `data` by this key.
  bool Verify(std::string_view data, std::string_view signature) const;

 private:
  VerifyKey(std::string kid, PkeyPtr key) : kid_(std::move(kid)), key_(std::move(key)) {}
  std::string kid_;
  PkeyPtr key_;
};

class SigningKey {
 public:
  // A new key from OpenSSL's CSPRNG.
  static Result<SigningKey> Generate(std::string kid);
  // InvalidArgument for a bad kid or a key that is not 32 bytes.
  static Result<SigningKey> FromRaw(std::string kid, std::string_view private_raw);

  const std::string& kid() const { return kid_; }
  // The 32-byte seed. Secret: never logged, stored with mode 0600.
  std::string PrivateRaw() const;
  // The public half, for the servers that verify.
  Result<VerifyKey> Public() const;
  // The 64-byte signature of `data`.
  Result<std::string> Sign(std::string_view data) const;

 private:
  SigningKey(std::string kid, PkeyPtr key) : kid_(std::move(kid)), key_(std::move(key)) {}
  std::string kid_;
  PkeyPtr key_;
};

}  // namespace tessera::common::auth
