// BearerFilter over the wire (common/auth/bearer_filter.h): a real server and client; only a
// valid token for this server reaches the handler, which sees who it was; every refusal is the
// same 401, byte for byte; a rotated key ring takes effect at once; a revoked device's token is
// refused before it expires.
#include "common/auth/bearer_filter.h"

#include <doctest/doctest.h>

#include <atomic>
#include <set>
#include <string>

#include "common/auth/base64url.h"
#include "common/http/client.h"
#include "common/http/server.h"
#include "tests/testutil/manual_clock.h"

namespace tessera::common::auth {
namespace {

using namespace std::chrono_literals;

constexpr int64_t kNow = 1'800'000'000;

struct AuthServer {
  AuthServer() : clock(std::chrono::system_clock::time_point(std::chrono::seconds(kNow))) {
    keys.Set(Verifiers());
    router.AddFilter("/v1", BearerFilter(keys, "tessera-metaserver", clock, log,
                                         [this](std::string_view d) { return d == revoked; }));
    router.AddSync("GET", "/v1/whoami", [this](const http::Request& r) {
      ++handled;
      const Caller* caller = r.attributes.Get<Caller>();
      return http::JsonResponse(caller == nullptr ? "nobody" : caller->claims.subject);
    });
    auto s = http::HttpServer::Start(http::ServerOptions(), router, log);
    REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    server = std::move(*s);
  }
  ~AuthServer() { server->Stop(); }

  std::vector<VerifyKey> Verifiers() {
    std::vector<VerifyKey> v;
    v.push_back(std::move(signer.Public()).value());
    return v;
  }
  std::string Token(TokenClaims c) { return std::move(SignToken(signer, c)).value(); }
  // The answer to GET /v1/whoami with this Authorization header ("" for none).
  http::ClientResponse Ask(const std::string& authorization) {
    auto client = std::move(http::HttpClient::Create(server->url())).value();
    if (!authorization.empty()) client->SetHeader("Authorization", authorization);
    auto r = client->Get("/v1/whoami");
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    return *r;
  }

  testutil::ManualClock clock;
  Logger log{LogLevel::kError};
  SigningKey signer = std::move(SigningKey::Generate("k1")).value();
  KeyRing keys;
  std::string revoked = "dev-lost";
  std::atomic<int> handled{0};
  http::Router router;
  std::unique_ptr<http::HttpServer> server;
};

TokenClaims Alice() {
  TokenClaims c;
  c.subject = "alice";
  c.device = "dev-1";
  c.audiences = {"tessera-metaserver"};
  c.not_before = kNow - 10;
  c.expires_at = kNow + 600;
  return c;
}

TEST_CASE("bearer filter: a valid token reaches the handler; every refusal looks alike") {
  AuthServer s;
  auto ok = s.Ask("Bearer " + s.Token(Alice()));
  CHECK(ok.status == 200);
  CHECK(ok.body == "alice");

  TokenClaims expired = Alice();
  expired.not_before = kNow - 1000;
  expired.expires_at = kNow - 100;
  TokenClaims other_audience = Alice();
  other_audience.audiences = {"tessera-blockserver"};
  TokenClaims revoked = Alice();
  revoked.device = "dev-lost";
  SigningKey stranger = std::move(SigningKey::Generate("k1")).value();
  const std::string good = s.Token(Alice());
  const std::vector<std::string> refused = {
      "",
      "Bearer",
      "Bearer ",
      "Basic YWxpY2U6cGFzcw",
      "bearer " + good,
      "Bearer " + good.substr(0, good.size() - 3),
      "Bearer " + Base64UrlEncode(R"({"alg":"none","kid":"k1"})") + good.substr(good.find('.')),
      "Bearer " + s.Token(expired),
      "Bearer " + s.Token(other_audience),
      "Bearer " + s.Token(revoked),
      "Bearer " + std::move(SignToken(stranger, Alice())).value(),
  };
  std::set<std::string> bodies;
  for (const auto& header : refused) {
    CAPTURE(header);
    const auto r = s.Ask(header);
    CHECK(r.status == 401);
    bodies.insert(r.body);
  }
  CHECK(bodies.size() == 1);
  CHECK(s.handled == 1);
}

TEST_CASE("bearer filter: a new key ring is used at once") {
  AuthServer s;
  const std::string before = "Bearer " + s.Token(Alice());
  CHECK(s.Ask(before).status == 200);
  SigningKey next = std::move(SigningKey::Generate("k2")).value();
  std::vector<VerifyKey> ring;
  ring.push_back(std::move(next.Public()).value());
  s.keys.Set(std::move(ring));  // k1 retired
  CHECK(s.Ask(before).status == 401);
  CHECK(s.Ask("Bearer " + std::move(SignToken(next, Alice())).value()).status == 200);
}

TEST_CASE("bearer filter: the server's clock decides expiry, with 60 s of leeway") {
  AuthServer s;
  const std::string token = "Bearer " + s.Token(Alice());  // exp: kNow + 600
  s.clock.Advance(659s);
  CHECK(s.Ask(token).status == 200);
  s.clock.Advance(1s);
  CHECK(s.Ask(token).status == 401);
}

}  // namespace
}  // namespace tessera::common::auth
