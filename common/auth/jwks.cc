#include "common/auth/jwks.h"

#include <boost/json.hpp>

#include "common/auth/base64url.h"
#include "common/wire/json_fields.h"

namespace tessera::common::auth {

namespace json = boost::json;
using wire::internal::Sv;

std::string EncodeJwks(std::span<const VerifyKey> keys) {
  json::array out;
  for (const auto& k : keys) {
    out.emplace_back(json::object{{"kty", "OKP"},
                                  {"crv", "Ed25519"},
                                  {"alg", "EdDSA"},
                                  {"use", "sig"},
                                  {"kid", Sv(k.kid())},
                                  {"x", Base64UrlEncode(k.PublicRaw())}});
  }
  return wire::internal::Serialize(json::object{{"keys", std::move(out)}});
}

Result<std::vector<VerifyKey>> DecodeJwks(std::string_view text) {
  TESSERA_ASSIGN_OR_RETURN(const json::object set, wire::internal::ParseObject(text));
  TESSERA_ASSIGN_OR_RETURN(const json::array* keys,
                           wire::internal::GetArray(set, "keys", kMaxJwksKeys));
  if (keys->empty()) return InvalidArgument("jwks: no keys");
  std::vector<VerifyKey> out;
  for (const auto& v : *keys) {
    TESSERA_ASSIGN_OR_RETURN(const json::object* k, wire::internal::AsObject(v, "jwks key"));
    auto is = [&](std::string_view field, std::string_view want) {
      const auto* f = k->if_contains(Sv(field));
      return f != nullptr && f->is_string() && f->as_string() == Sv(want);
    };
    if (!is("kty", "OKP") || !is("crv", "Ed25519")) {
      return InvalidArgument("jwks: only Ed25519 (OKP) keys are accepted");
    }
    if (const auto* alg = k->if_contains("alg"); alg != nullptr && !is("alg", "EdDSA")) {
      return InvalidArgument("jwks: a key for another algorithm");
    }
    if (const auto* use = k->if_contains("use"); use != nullptr && !is("use", "sig")) {
      return InvalidArgument("jwks: a key for another use");
    }
    TESSERA_ASSIGN_OR_RETURN(std::string kid, wire::internal::GetString(*k, "kid", 64));
    TESSERA_ASSIGN_OR_RETURN(const std::string x, wire::internal::GetString(*k, "x", 64));
    TESSERA_ASSIGN_OR_RETURN(const std::string raw, Base64UrlDecode(x));
    TESSERA_ASSIGN_OR_RETURN(VerifyKey key, VerifyKey::FromRaw(std::move(kid), raw));
    out.push_back(std::move(key));
  }
  return out;
}

}  // namespace tessera::common::auth
