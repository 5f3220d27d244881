#include "metaserver/accounts/otp.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <utility>

#include "common/base32.h"
#include "common/http/client.h"
#include "metaserver/accounts/otpauth_uri.h"

namespace tessera::metaserver::accounts {
namespace {

using namespace std::chrono_literals;
using Time = std::chrono::sys_seconds;

constexpr std::string_view kRfcSecret = "12345678901234567890";

Time At(int64_t unix_seconds) { return Time(std::chrono::seconds(unix_seconds)); }

TEST_CASE("hotp: the RFC 4226 Appendix D codes for counters 0 to 9") {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (uint64_t counter = 0; counter < 10; ++counter) {
    CAPTURE(counter);
    CHECK(HotpCode(kRfcSecret, counter) == expected[counter]);
  }
}

TEST_CASE("totp: the RFC 6238 Appendix B SHA-1 rows, 8 digits") {
  const std::pair<int64_t, const char*> rows[] = {
      {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
      {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
  };
  TotpParams params;
  params.digits = 8;
  for (const auto& row : rows) {
    // (Not a structured binding: clang 14 cannot capture one in CAPTURE's lambda.)
    const int64_t seconds = row.first;
    const char* code = row.second;
    CAPTURE(seconds);
    CHECK(TotpCode(kRfcSecret, At(seconds), params) == code);
    CHECK(VerifyTotp(kRfcSecret, code, At(seconds), params) == TotpStep(At(seconds), params));
  }
  CHECK(TotpStep(At(59)) == 1);
  CHECK(TotpStep(At(1111111109)) == 0x23523EC);  // T from the RFC's table
}

TEST_CASE("totp: the step before and after are accepted and named; further ones are not") {
  const Time now = At(1234567890);
  const uint64_t step = TotpStep(now);
  CHECK(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, now), now) == step);
  CHECK(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, now - 30s), now) == step - 1);
  CHECK(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, now + 30s), now) == step + 1);
  CHECK_FALSE(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, now - 60s), now).has_value());
  CHECK_FALSE(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, now + 60s), now).has_value());
  TotpParams strict;
  strict.window = 0;
  CHECK_FALSE(VerifyTotp(kRfcSecret, TotpCode(kRfcSecret, now - 30s), now, strict).has_value());
}

TEST_CASE("totp: wrong codes, wrong lengths and non-digits never match") {
  const Time now = At(1234567890);
  std::string code = TotpCode(kRfcSecret, now);
  CHECK_FALSE(VerifyTotp("another secret key..", code, now).has_value());
  CHECK_FALSE(VerifyTotp(kRfcSecret, code.substr(1), now).has_value());
  CHECK_FALSE(VerifyTotp(kRfcSecret, code + "0", now).has_value());
  CHECK_FALSE(VerifyTotp(kRfcSecret, "", now).has_value());
  CHECK_FALSE(VerifyTotp(kRfcSecret, "12345a", now).has_value());
  code[0] = static_cast<char>('0' + (code[0] - '0' + 1) % 10);
  CHECK_FALSE(VerifyTotp(kRfcSecret, code, now).has_value());
}

TEST_CASE("otpauth uri: issuer, escaped name, unpadded base32 secret, SHA1/6/30") {
  CHECK(OtpauthUri("alice", kRfcSecret) ==
        "otpauth://totp/Tessera:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Tessera"
        "&algorithm=SHA1&digits=6&period=30");
  CHECK(OtpauthUri("Anna Bell&co:x?", "0123456789abcdefghij")
            .find("Tessera:Anna%20Bell%26co%3Ax%3F?") != std::string::npos);
  CHECK(common::http::UrlEncode("a-b.c_d~e/f\xc3\xa9") == "a-b.c_d~e%2Ff%C3%A9");
  auto secret = common::Base32Decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  REQUIRE(secret.ok());
  CHECK(*secret == kRfcSecret);
}

}  // namespace
}  // namespace tessera::metaserver::accounts
