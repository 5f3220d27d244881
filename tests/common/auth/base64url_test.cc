// Base64url (RFC 4648 section 5, no padding): the RFC's section 10 vectors, and the strict
// decoding a token relies on (one spelling per byte string).
#include "common/auth/base64url.h"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

namespace tessera::common::auth {
namespace {

TEST_CASE("base64url: RFC 4648 vectors, without padding") {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& vector : vectors) {
    // (Not a structured binding: clang 14 cannot capture one in CAPTURE's lambda.)
    const std::string& bytes = vector.first;
    const std::string& text = vector.second;
    CHECK(Base64UrlEncode(bytes) == text);
    auto back = Base64UrlDecode(text);
    REQUIRE(back.ok());
    CHECK(*back == bytes);
  }
  // The URL-safe alphabet: '-' and '_' where base64 has '+' and '/'.
  CHECK(Base64UrlEncode("\xfb\xff") == "-_8");
  CHECK(*Base64UrlDecode("-_8") == "\xfb\xff");
}

TEST_CASE("base64url: anything but the canonical spelling is refused") {
  for (const char* bad :
       {"Zg==", "Zm8=", "Z", "Zm9vY", "Zh", "Zm9", "Zm+v", "Zm/v", "Zm9v!", "Zm 9"}) {
    CAPTURE(bad);
    CHECK(Base64UrlDecode(bad).status().code() == Code::kInvalidArgument);
  }
}

}  // namespace
}  // namespace tessera::common::auth
