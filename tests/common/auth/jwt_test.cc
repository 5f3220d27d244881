// Access tokens (common/auth/jwt.h): the RFC 8037 Ed25519 JWS example, a round trip, and every
// token a server must refuse: none, truncated, altered, alg none or another alg, unknown key,
// another key under the same id, expired, not yet valid, another audience; the leeway is 60 s
// at most; a rotated key still verifies what it signed.
#include "common/auth/jwt.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/auth/base64url.h"
#include "common/auth/jwks.h"

namespace tessera::common::auth {
namespace {

constexpr int64_t kNow = 1'800'000'000;

TokenClaims Claims() {
  TokenClaims c;
  c.subject = "alice";
  c.device = "dev-7";
  c.audiences = {"tessera-metaserver", "tessera-blockserver"};
  c.issued_at = kNow;
  c.not_before = kNow;
  c.expires_at = kNow + 600;
  c.namespaces = {{"alice", true}, {"photos", false}};
  return c;
}

VerifyOptions At(int64_t now, std::string audience = "tessera-metaserver") {
  VerifyOptions o;
  o.audience = std::move(audience);
  o.now = now;
  return o;
}

struct Keys {
  SigningKey signer = std::move(SigningKey::Generate("k1")).value();
  std::vector<VerifyKey> verify;
  Keys() { verify.push_back(std::move(signer.Public()).value()); }
};

std::string Refusal(const Keys& keys, const std::string& token, const VerifyOptions& at) {
  auto got = VerifyToken(keys.verify, token, at);
  if (got.ok()) return "accepted";
  CHECK(got.status().code() == Code::kPermissionDenied);
  return got.status().message();
}

TEST_CASE("jwt: the RFC 8037 A.4 Ed25519 example signs and verifies byte for byte") {
  auto d = Base64UrlDecode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
  REQUIRE(d.ok());
  auto key = SigningKey::FromRaw("rfc", *d);
  REQUIRE(key.ok());
  auto pub = key->Public();
  REQUIRE(pub.ok());
  CHECK(Base64UrlEncode(pub->PublicRaw()) == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
  const std::string input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
  auto sig = key->Sign(input);
  REQUIRE(sig.ok());
  CHECK(Base64UrlEncode(*sig) ==
        "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");
  CHECK(pub->Verify(input, *sig));
  std::string flipped = *sig;
  flipped[10] = static_cast<char>(flipped[10] ^ 1);
  CHECK_FALSE(pub->Verify(input, flipped));
  CHECK_FALSE(pub->Verify(input + "x", *sig));
}

TEST_CASE("jwt: a signed token verifies to the same claims") {
  Keys keys;
  auto token = SignToken(keys.signer, Claims());
  REQUIRE(token.ok());
  auto got = VerifyToken(keys.verify, *token, At(kNow + 1));
  REQUIRE_MESSAGE(got.ok(), got.status().ToString());
  CHECK(*got == Claims());
  REQUIRE(got->Grant("photos") != nullptr);
  CHECK_FALSE(got->Grant("photos")->write);
  CHECK(got->Grant("bob") == nullptr);
  CHECK(VerifyToken(keys.verify, *token, At(kNow + 1, "tessera-blockserver")).ok());
}

TEST_CASE("jwt: time: expired, not yet valid, and the leeway of at most 60 s") {
  Keys keys;
  const std::string token = *SignToken(keys.signer, Claims());
  const int64_t exp = kNow + 600;
  CHECK(Refusal(keys, token, At(exp + 59)) == "accepted");
  CHECK(Refusal(keys, token, At(exp + 60)).find("expired") != std::string::npos);
  CHECK(Refusal(keys, token, At(kNow - 60)) == "accepted");
  CHECK(Refusal(keys, token, At(kNow - 61)).find("nbf") != std::string::npos);
  VerifyOptions lax = At(exp + 3600);
  lax.leeway = 7200;  // asked for, but capped at 60 s
  CHECK(Refusal(keys, token, lax).find("expired") != std::string::npos);
  VerifyOptions strict = At(exp + 1);
  strict.leeway = 0;
  CHECK(Refusal(keys, token, strict).find("expired") != std::string::npos);
}

TEST_CASE("jwt: malformed and forged tokens are refused") {
  Keys keys;
  const std::string token = *SignToken(keys.signer, Claims());
  const size_t dot1 = token.find('.');
  const size_t dot2 = token.rfind('.');
  const std::string header = token.substr(0, dot1);
  const std::string body = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string sig = token.substr(dot2 + 1);
  const auto at = At(kNow + 1);

  CHECK(Refusal(keys, "", at).find("no token") != std::string::npos);
  CHECK(Refusal(keys, token.substr(0, token.size() - 5), at) != "accepted");  // truncated
  CHECK(Refusal(keys, header + "." + body, at).find("three parts") != std::string::npos);
  CHECK(Refusal(keys, token + ".x", at).find("three parts") != std::string::npos);
  CHECK(Refusal(keys, std::string(kMaxTokenBytes + 1, 'a'), at).find("8 KiB") != std::string::npos);
  CHECK(Refusal(keys, "%%%." + body + "." + sig, at).find("base64url") != std::string::npos);

  // A changed signature, or claims changed under the original signature.
  std::string bad_sig = sig;
  bad_sig[5] = bad_sig[5] == 'A' ? 'B' : 'A';
  CHECK(Refusal(keys, header + "." + body + "." + bad_sig, at).find("signature") !=
        std::string::npos);
  TokenClaims more = Claims();
  more.namespaces[1].write = true;
  const std::string other = *SignToken(keys.signer, more);
  const std::string other_body =
      other.substr(other.find('.') + 1, other.rfind('.') - other.find('.') - 1);
  CHECK(Refusal(keys, header + "." + other_body + "." + sig, at).find("signature") !=
        std::string::npos);

  // alg "none" (with or without a signature), or another algorithm, under the same kid.
  for (const char* h : {R"({"alg":"none","typ":"JWT","kid":"k1"})", R"({"alg":"HS256","kid":"k1"})",
                        R"({"alg":"NONE","kid":"k1"})", R"({"kid":"k1"})"}) {
    CAPTURE(h);
    const std::string forged = Base64UrlEncode(h) + "." + body;
    CHECK(Refusal(keys, forged + "." + sig, at).find("alg") != std::string::npos);
    CHECK(Refusal(keys, forged + ".", at) != "accepted");
  }
  CHECK(Refusal(keys,
                Base64UrlEncode(R"({"alg":"EdDSA","kid":"k1","crit":["exp"]})") + "." + body + "." +
                    sig,
                at)
            .find("crit") != std::string::npos);

  // A key nobody published, or another key under a published key's id.
  SigningKey stranger = std::move(SigningKey::Generate("k9")).value();
  CHECK(Refusal(keys, *SignToken(stranger, Claims()), at).find("unknown kid") != std::string::npos);
  SigningKey impostor = std::move(SigningKey::Generate("k1")).value();
  CHECK(Refusal(keys, *SignToken(impostor, Claims()), at).find("signature") != std::string::npos);

  // A token for another audience.
  CHECK(Refusal(keys, token, At(kNow + 1, "tessera-webdav")).find("audience") != std::string::npos);
}

TEST_CASE("jwt: a rotated key keeps verifying what it signed; a dropped one does not") {
  Keys keys;
  const std::string old_token = *SignToken(keys.signer, Claims());
  SigningKey next = std::move(SigningKey::Generate("k2")).value();
  keys.verify.push_back(std::move(next.Public()).value());
  const std::string new_token = *SignToken(next, Claims());
  CHECK(VerifyToken(keys.verify, old_token, At(kNow + 1)).ok());
  CHECK(VerifyToken(keys.verify, new_token, At(kNow + 1)).ok());
  keys.verify.erase(keys.verify.begin());
  CHECK_FALSE(VerifyToken(keys.verify, old_token, At(kNow + 1)).ok());
  CHECK(VerifyToken(keys.verify, new_token, At(kNow + 1)).ok());
}

TEST_CASE("jwt: claims a server would refuse are not signed") {
  Keys keys;
  TokenClaims c = Claims();
  c.audiences.clear();
  CHECK(SignToken(keys.signer, c).status().code() == Code::kInvalidArgument);
  c = Claims();
  c.expires_at = c.not_before;
  CHECK(SignToken(keys.signer, c).status().code() == Code::kInvalidArgument);
  c = Claims();
  c.subject.clear();
  CHECK(SignToken(keys.signer, c).status().code() == Code::kInvalidArgument);
  CHECK(SigningKey::Generate("bad kid").status().code() == Code::kInvalidArgument);
  CHECK(VerifyKey::FromRaw("k", "short").status().code() == Code::kInvalidArgument);
}

TEST_CASE("jwks: public keys round-trip; other key types and empty sets are refused") {
  Keys keys;
  SigningKey next = std::move(SigningKey::Generate("k2")).value();
  keys.verify.push_back(std::move(next.Public()).value());
  const std::string set = EncodeJwks(keys.verify);
  CHECK(set.find(Base64UrlEncode(keys.signer.PrivateRaw())) == std::string::npos);  // no secret
  auto back = DecodeJwks(set);
  REQUIRE_MESSAGE(back.ok(), back.status().ToString());
  REQUIRE(back->size() == 2);
  CHECK((*back)[1].kid() == "k2");
  CHECK((*back)[1].PublicRaw() == keys.verify[1].PublicRaw());
  const std::string token = *SignToken(next, Claims());
  CHECK(VerifyToken(*back, token, At(kNow + 1)).ok());

  for (const char* bad :
       {R"({"keys":[]})", R"({"keys":[{"kty":"RSA","kid":"a","x":"AA"}]})",
        R"({"keys":[{"kty":"OKP","crv":"X25519","kid":"a","x":"AA"}]})",
        R"({"keys":[{"kty":"OKP","crv":"Ed25519","alg":"HS256","kid":"a","x":"AA"}]})",
        R"({"keys":[{"kty":"OKP","crv":"Ed25519","kid":"a","x":"AAAA"}]})", "[]", "{"}) {
    CAPTURE(bad);
    CHECK(DecodeJwks(bad).status().code() == Code::kInvalidArgument);
  }
}

}  // namespace
}  // namespace tessera::common::auth
