// GET /v1/auth/keys on a running metaserver: the public keys of DATA/token-keys/ as a JWKS
// (no secret in it), the same key after a restart, and a token signed with the key on disk
// verifies with what the endpoint serves.
#include <doctest/doctest.h>

#include <string>

#include "common/auth/base64url.h"
#include "common/auth/jwks.h"
#include "common/auth/jwt.h"
#include "common/http/client.h"
#include "metaserver/service.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::metaserver {
namespace {

std::string KeysOf(const testutil::TempDir& dir, common::Env& env, common::Logger& log) {
  ServiceOptions options;
  options.listen = "127.0.0.1:0";
  options.data_dir = dir.Sub("meta");
  options.blockserver_url = "http://127.0.0.1:1";  // not called: no commit is made
  auto service = Service::Start(options, env, log);
  REQUIRE_MESSAGE(service.ok(), service.status().ToString());
  auto client = std::move(common::http::HttpClient::Create("http://127.0.0.1:" +
                                                           std::to_string((*service)->port())))
                    .value();
  auto r = client->Get("/v1/auth/keys");
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  return r->body;
}

TEST_CASE("metaserver: /v1/auth/keys serves the token keys' public half, stable over restarts") {
  testutil::TempDir dir;
  common::PosixEnv env;
  common::Logger log(common::LogLevel::kError);
  const std::string first = KeysOf(dir, env, log);
  auto keys = common::auth::DecodeJwks(first);
  REQUIRE_MESSAGE(keys.ok(), keys.status().ToString() << ": " << first);
  REQUIRE(keys->size() == 1);
  CHECK(KeysOf(dir, env, log) == first);

  // The key on disk signs what the served key verifies; its secret is not served.
  auto on_disk = tokens::TokenKeys::Open(env, dir.Sub("meta"), 0);
  REQUIRE(on_disk.ok());
  CHECK(first.find(common::auth::Base64UrlEncode(on_disk->signer().PrivateRaw())) ==
        std::string::npos);
  common::auth::TokenClaims c;
  c.subject = "alice";
  c.audiences = {"tessera-blockserver"};
  c.not_before = 100;
  c.expires_at = 200;
  auto token = common::auth::SignToken(on_disk->signer(), c);
  REQUIRE(token.ok());
  common::auth::VerifyOptions at;
  at.audience = "tessera-blockserver";
  at.now = 150;
  CHECK(common::auth::VerifyToken(*keys, *token, at).ok());
}

}  // namespace
}  // namespace tessera::metaserver
