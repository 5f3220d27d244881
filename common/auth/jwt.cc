#include "common/auth/jwt.h"

#include <algorithm>
#include <boost/json.hpp>

#include "common/auth/base64url.h"
#include "common/wire/json_fields.h"

namespace tessera::common::auth {

namespace json = boost::json;
using wire::internal::Sv;

namespace {

constexpr std::string_view kAlg = "EdDSA";

Status ValidateClaims(const TokenClaims& c) {
  auto bounded = [](const std::string& s) { return !s.empty() && s.size() <= kMaxClaimBytes; };
  if (!bounded(c.subject)) return InvalidArgument("token: sub must be 1-256 bytes");
  if (c.device.size() > kMaxClaimBytes) return InvalidArgument("token: dev over 256 bytes");
  if (c.audiences.empty() || c.audiences.size() > 8 ||
      !std::all_of(c.audiences.begin(), c.audiences.end(), bounded)) {
    return InvalidArgument("token: aud must name 1-8 audiences of 1-256 bytes");
  }
  if (c.expires_at <= c.not_before) return InvalidArgument("token: exp must come after nbf");
  if (c.namespaces.size() > kMaxTokenNamespaces) {
    return InvalidArgument("token: more than 256 namespaces");
  }
  for (const auto& g : c.namespaces) {
    if (!bounded(g.ns)) return InvalidArgument("token: a namespace name must be 1-256 bytes");
  }
  return Status::Ok();
}

Status Refuse(std::string why) { return PermissionDenied("token refused: " + why); }

Result<json::object> DecodePart(std::string_view part, std::string_view what) {
  auto bytes = Base64UrlDecode(part);
  if (!bytes.ok()) return Refuse(std::string(what) + " is not base64url");
  auto obj = wire::internal::ParseObject(*bytes);
  if (!obj.ok()) return Refuse(std::string(what) + " is not a JSON object");
  return std::move(obj).value();
}

// A string claim of 1..kMaxClaimBytes (or absent and `optional`).
Result<std::string> StringClaim(const json::object& o, std::string_view key, bool optional) {
  const auto* v = o.if_contains(Sv(key));
  if (v == nullptr && optional) return std::string();
  if (v == nullptr || !v->is_string() || v->as_string().empty() ||
      v->as_string().size() > kMaxClaimBytes) {
    return Refuse(std::string(key) + " missing or malformed");
  }
  return std::string(v->as_string());
}

Result<int64_t> TimeClaim(const json::object& o, std::string_view key, bool optional) {
  const auto* v = o.if_contains(Sv(key));
  if (v == nullptr && optional) return int64_t{0};
  if (v == nullptr || !v->is_int64() || v->as_int64() < 0) {
    return Refuse(std::string(key) + " missing or not a time in seconds");
  }
  return v->as_int64();
}

Result<TokenClaims> ParseClaims(const json::object& o) {
  TokenClaims c;
  TESSERA_ASSIGN_OR_RETURN(c.subject, StringClaim(o, "sub", false));
  TESSERA_ASSIGN_OR_RETURN(c.device, StringClaim(o, "dev", true));
  TESSERA_ASSIGN_OR_RETURN(c.issued_at, TimeClaim(o, "iat", true));
  TESSERA_ASSIGN_OR_RETURN(c.not_before, TimeClaim(o, "nbf", false));
  TESSERA_ASSIGN_OR_RETURN(c.expires_at, TimeClaim(o, "exp", false));
  const auto* aud = o.if_contains("aud");
  if (aud != nullptr && aud->is_string()) {
    c.audiences.emplace_back(aud->as_string());
  } else if (aud != nullptr && aud->is_array() && aud->as_array().size() <= 8) {
    for (const auto& a : aud->as_array()) {
      if (!a.is_string()) return Refuse("aud malformed");
      c.audiences.emplace_back(a.as_string());
    }
  } else {
    return Refuse("aud missing or malformed");
  }
  if (const auto* ns = o.if_contains("ns"); ns != nullptr) {
    if (!ns->is_array() || ns->as_array().size() > kMaxTokenNamespaces) {
      return Refuse("ns malformed");
    }
    for (const auto& item : ns->as_array()) {
      const auto* g = item.if_object();
      const auto* w = g != nullptr ? g->if_contains("w") : nullptr;
      if (g == nullptr || (w != nullptr && !w->is_bool())) return Refuse("ns malformed");
      TESSERA_ASSIGN_OR_RETURN(auto name, StringClaim(*g, "n", false));
      c.namespaces.push_back({std::move(name), w != nullptr && w->as_bool()});
    }
  }
  if (!ValidateClaims(c).ok()) return Refuse("claims out of bounds");
  return c;
}

}  // namespace

const NamespaceGrant* TokenClaims::Grant(std::string_view ns) const {
  for (const auto& g : namespaces) {
    if (g.ns == ns) return &g;
  }
  return nullptr;
}

Result<std::string> SignToken(const SigningKey& key, const TokenClaims& claims) {
  TESSERA_RETURN_IF_ERROR(ValidateClaims(claims));
  json::object header{{"alg", Sv(kAlg)}, {"typ", "JWT"}, {"kid", Sv(key.kid())}};
  json::object body;
  body["sub"] = Sv(claims.subject);
  if (!claims.device.empty()) body["dev"] = Sv(claims.device);
  if (claims.audiences.size() == 1) {
    body["aud"] = Sv(claims.audiences.front());
  } else {
    json::array aud;
    for (const auto& a : claims.audiences) aud.emplace_back(Sv(a));
    body["aud"] = std::move(aud);
  }
  if (claims.issued_at > 0) body["iat"] = claims.issued_at;
  body["nbf"] = claims.not_before;
  body["exp"] = claims.expires_at;
  json::array ns;
  for (const auto& g : claims.namespaces)
    ns.emplace_back(json::object{{"n", Sv(g.ns)}, {"w", g.write}});
  body["ns"] = std::move(ns);
  std::string token = Base64UrlEncode(wire::internal::Serialize(header)) + "." +
                      Base64UrlEncode(wire::internal::Serialize(body));
  TESSERA_ASSIGN_OR_RETURN(const std::string sig, key.Sign(token));
  token += "." + Base64UrlEncode(sig);
  if (token.size() > kMaxTokenBytes) return InvalidArgument("token: over 8 KiB");
  return token;
}

Result<TokenClaims> VerifyToken(std::span<const VerifyKey> keys, std::string_view token,
                                const VerifyOptions& options) {
  if (token.empty()) return Refuse("no token");
  if (token.size() > kMaxTokenBytes) return Refuse("over 8 KiB");
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos ||
      dot1 == 0 || dot2 == dot1 + 1 || dot2 + 1 == token.size()) {
    return Refuse("not three parts");
  }
  TESSERA_ASSIGN_OR_RETURN(const json::object header, DecodePart(token.substr(0, dot1), "header"));
  const auto* alg = header.if_contains("alg");
  if (alg == nullptr || !alg->is_string() || alg->as_string() != Sv(kAlg)) {
    return Refuse("alg is not EdDSA");
  }
  if (header.contains("crit")) return Refuse("crit header not understood");
  if (const auto* typ = header.if_contains("typ");
      typ != nullptr && (!typ->is_string() || typ->as_string() != "JWT")) {
    return Refuse("typ is not JWT");
  }
  const auto* kid = header.if_contains("kid");
  if (kid == nullptr || !kid->is_string()) return Refuse("no kid");
  const auto key = std::find_if(keys.begin(), keys.end(), [&](const VerifyKey& k) {
    return Sv(k.kid()) == kid->as_string();
  });
  if (key == keys.end()) return Refuse("unknown kid");
  auto sig = Base64UrlDecode(token.substr(dot2 + 1));
  if (!sig.ok() || !key->Verify(token.substr(0, dot2), *sig)) return Refuse("bad signature");
  TESSERA_ASSIGN_OR_RETURN(const json::object body,
                           DecodePart(token.substr(dot1 + 1, dot2 - dot1 - 1), "claims"));
  TESSERA_ASSIGN_OR_RETURN(TokenClaims claims, ParseClaims(body));
  const int64_t leeway = std::clamp<int64_t>(options.leeway, 0, kMaxLeewaySeconds);
  if (options.now >= claims.expires_at + leeway) return Refuse("expired");
  if (options.now + leeway < claims.not_before) return Refuse("not valid yet (nbf)");
  if (std::find(claims.audiences.begin(), claims.audiences.end(), options.audience) ==
      claims.audiences.end()) {
    return Refuse("another audience");
  }
  return claims;
}

}  // namespace tessera::common::auth
