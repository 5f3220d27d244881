// The metaserver's token keys on disk (metaserver/tokens/token_keys.h): made once, kept (0600
// in a 0700 folder), rotated without invalidating what the old key signed, retired, and a
// damaged key file refused by name rather than replaced.
#include "metaserver/tokens/token_keys.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/auth/jwt.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::metaserver::tokens {
namespace {

constexpr int64_t kNow = 1'800'000'000;

std::string TokenFrom(const TokenKeys& keys) {
  common::auth::TokenClaims c;
  c.subject = "alice";
  c.audiences = {"tessera-metaserver"};
  c.not_before = kNow;
  c.expires_at = kNow + 600;
  auto token = common::auth::SignToken(keys.signer(), c);
  REQUIRE(token.ok());
  return *token;
}

bool Verifies(const TokenKeys& keys, const std::string& token) {
  common::auth::VerifyOptions at;
  at.audience = "tessera-metaserver";
  at.now = kNow + 1;
  return common::auth::VerifyToken(keys.verify_keys(), token, at).ok();
}

uint32_t ModeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

size_t KeyFiles(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    n += e.path().extension() == ".json";
  return n;
}

TEST_CASE("token keys: the first key is made once, kept private, and found again") {
  testutil::TempDir data;
  common::PosixEnv env;
  std::string kid, token;
  {
    auto keys = TokenKeys::Open(env, data.path(), kNow);
    REQUIRE_MESSAGE(keys.ok(), keys.status().ToString());
    kid = keys->signer().kid();
    token = TokenFrom(*keys);
    CHECK(Verifies(*keys, token));
  }
  const std::string dir = data.Sub("token-keys");
  CHECK(ModeOf(dir) == 0700);
  CHECK(ModeOf(dir + "/" + kid + ".json") == 0600);
  CHECK(KeyFiles(dir) == 1);
  auto again = TokenKeys::Open(env, data.path(), kNow + 100);
  REQUIRE(again.ok());
  CHECK(again->signer().kid() == kid);
  CHECK(Verifies(*again, token));  // same key: what it signed before a restart still verifies
  CHECK(KeyFiles(dir) == 1);
}

TEST_CASE("token keys: a rotation keeps old tokens valid until the old key is retired") {
  testutil::TempDir data;
  common::PosixEnv env;
  auto keys = TokenKeys::Open(env, data.path(), kNow);
  REQUIRE(keys.ok());
  const std::string old_kid = keys->signer().kid();
  const std::string old_token = TokenFrom(*keys);
  REQUIRE(keys->Rotate(kNow + 10).ok());
  CHECK(keys->signer().kid() != old_kid);
  const std::string new_token = TokenFrom(*keys);
  CHECK(Verifies(*keys, old_token));
  CHECK(Verifies(*keys, new_token));

  // After a restart the newer key still signs.
  auto reopened = TokenKeys::Open(env, data.path(), kNow + 20);
  REQUIRE(reopened.ok());
  CHECK(reopened->signer().kid() == keys->signer().kid());
  CHECK(reopened->verify_keys().size() == 2);

  CHECK(reopened->Retire(reopened->signer().kid()).code() == common::Code::kInvalidArgument);
  CHECK(reopened->Retire("k-nobody").code() == common::Code::kNotFound);
  REQUIRE(reopened->Retire(old_kid).ok());
  CHECK_FALSE(Verifies(*reopened, old_token));
  CHECK(Verifies(*reopened, new_token));
  CHECK(KeyFiles(data.Sub("token-keys")) == 1);
}

TEST_CASE("token keys: a damaged key file is refused by name, not replaced") {
  testutil::TempDir data;
  common::PosixEnv env;
  std::string kid;
  {
    auto keys = TokenKeys::Open(env, data.path(), kNow);
    REQUIRE(keys.ok());
    kid = keys->signer().kid();
  }
  const std::string path = data.Sub("token-keys") + "/" + kid + ".json";
  for (const std::string& damage :
       {std::string("{\"kid\":\"") + kid + "\",\"created\":1,\"d\":\"short\"}",
        std::string("not json"), std::string("{\"kid\":\"other\",\"created\":1,\"d\":\"AAAA\"}")}) {
    CAPTURE(damage);
    { std::ofstream(path, std::ios::trunc) << damage; }
    auto keys = TokenKeys::Open(env, data.path(), kNow);
    REQUIRE_FALSE(keys.ok());
    CHECK(keys.status().code() == common::Code::kCorruption);
    CHECK(keys.status().message().find(path) != std::string::npos);
    CHECK(KeyFiles(data.Sub("token-keys")) == 1);  // nothing made in its place
  }
}

}  // namespace
}  // namespace tessera::metaserver::tokens
