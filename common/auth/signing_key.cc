#include "common/auth/signing_key.h"

#include <openssl/evp.h>

#include <algorithm>

namespace tessera::common::auth {

namespace {

std::string RawKey(evp_pkey_st* key, bool private_half) {
  std::string out(kEd25519KeyBytes, '\0');
  size_t n = out.size();
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  const int ok = private_half ? EVP_PKEY_get_raw_private_key(key, p, &n)
                              : EVP_PKEY_get_raw_public_key(key, p, &n);
  if (ok != 1) return "";
  out.resize(n);
  return out;
}

}  // namespace

void PkeyFree::operator()(evp_pkey_st* key) const { EVP_PKEY_free(key); }

Status ValidateKeyId(std::string_view kid) {
  const bool ok =
      !kid.empty() && kid.size() <= 64 && std::all_of(kid.begin(), kid.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
      });
  return ok ? Status::Ok() : InvalidArgument("a key id is 1-64 characters of A-Z a-z 0-9 _ -");
}

Result<VerifyKey> VerifyKey::FromRaw(std::string kid, std::string_view public_raw) {
  TESSERA_RETURN_IF_ERROR(ValidateKeyId(kid));
  if (public_raw.size() != kEd25519KeyBytes) {
    return InvalidArgument("an Ed25519 public key is 32 bytes");
  }
  PkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                          reinterpret_cast<const unsigned char*>(public_raw.data()),
                                          public_raw.size()));
  if (!key) return InvalidArgument("not an Ed25519 public key");
  return VerifyKey(std::move(kid), std::move(key));
}

std::string VerifyKey::PublicRaw() const { return RawKey(key_.get(), false); }

bool VerifyKey::Verify(std::string_view data, std::string_view signature) const {
  if (signature.size() != kEd25519SignatureBytes) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                          data.size()) == 1;
}

Result<SigningKey> SigningKey::Generate(std::string kid) {
  TESSERA_RETURN_IF_ERROR(ValidateKeyId(kid));
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return IOError("EVP_PKEY_Q_keygen", "cannot make an Ed25519 key");
  return SigningKey(std::move(kid), std::move(key));
}

Result<SigningKey> SigningKey::FromRaw(std::string kid, std::string_view private_raw) {
  TESSERA_RETURN_IF_ERROR(ValidateKeyId(kid));
  if (private_raw.size() != kEd25519KeyBytes) {
    return InvalidArgument("an Ed25519 private key is 32 bytes");
  }
  PkeyPtr key(EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(private_raw.data()),
      private_raw.size()));
  if (!key) return InvalidArgument("not an Ed25519 private key");
  return SigningKey(std::move(kid), std::move(key));
}

std::string SigningKey::PrivateRaw() const { return RawKey(key_.get(), true); }

Result<VerifyKey> SigningKey::Public() const {
  return VerifyKey::FromRaw(kid_, RawKey(key_.get(), false));
}

Result<std::string> SigningKey::Sign(std::string_view data) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::string sig(kEd25519SignatureBytes, '\0');
  size_t n = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &n,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      n != kEd25519SignatureBytes) {
    return IOError("EVP_DigestSign", "Ed25519 signing failed");
  }
  return sig;
}

}  // namespace tessera::common::auth
