#include "metaserver/accounts/password_hash.h"

#include <doctest/doctest.h>

#include <string>

namespace tessera::metaserver::accounts {
namespace {

// Cheap parameters: the tests check behaviour, not cost.
Argon2Params Fast() {
  Argon2Params p;
  p.time_cost = 1;
  p.memory_kib = 64;
  return p;
}

TEST_CASE("argon2id: the encoded string records the parameters and verifies its password") {
  auto hash = HashPassword("correct horse", Fast());
  REQUIRE(hash.ok());
  CHECK(hash->rfind("$argon2id$v=19$m=64,t=1,p=1$", 0) == 0);
  CHECK(hash->find('\0') == std::string::npos);
  auto right = VerifyPassword("correct horse", *hash);
  REQUIRE(right.ok());
  CHECK(*right);
  for (const char* wrong : {"correct horsE", "correct hors", "correct horse ", ""}) {
    CAPTURE(wrong);
    auto result = VerifyPassword(wrong, *hash);
    REQUIRE(result.ok());
    CHECK_FALSE(*result);
  }
}

TEST_CASE("argon2id: the default parameters are the recorded ones") {
  auto hash = HashPassword("pw");
  REQUIRE(hash.ok());
  CHECK(hash->rfind("$argon2id$v=19$m=65536,t=3,p=1$", 0) == 0);
  CHECK(*VerifyPassword("pw", *hash));
}

TEST_CASE("argon2id: each hash has its own salt") {
  auto a = HashPassword("same", Fast());
  auto b = HashPassword("same", Fast());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a != *b);
  CHECK(*VerifyPassword("same", *b));
}

TEST_CASE("argon2id: empty or oversized passwords and foreign hash strings are refused") {
  CHECK(HashPassword("", Fast()).status().code() == common::Code::kInvalidArgument);
  CHECK(HashPassword(std::string(kMaxPasswordBytes + 1, 'x'), Fast()).status().code() ==
        common::Code::kInvalidArgument);
  CHECK(HashPassword(std::string(kMaxPasswordBytes, 'x'), Fast()).ok());
  CHECK(VerifyPassword("pw", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA").status().code() ==
        common::Code::kInvalidArgument);
  CHECK(VerifyPassword("pw", "$argon2id$garbage").status().code() ==
        common::Code::kInvalidArgument);
  CHECK(VerifyPassword("pw", "plain").status().code() == common::Code::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::metaserver::accounts
