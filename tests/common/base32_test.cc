#include "common/base32.h"

#include <doctest/doctest.h>

#include <string>
#include <utility>

namespace tessera::common {
namespace {

TEST_CASE("base32: the RFC 4648 section 10 vectors encode and decode") {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "MY======"},
      {"fo", "MZXQ===="},
      {"foo", "MZXW6==="},
      {"foob", "MZXW6YQ="},
      {"fooba", "MZXW6YTB"},
      {"foobar", "MZXW6YTBOI======"},
  };
  for (const auto& vector : vectors) {
    // (Not a structured binding: clang 14 cannot capture one in CAPTURE's lambda.)
    const std::string& bytes = vector.first;
    const std::string& text = vector.second;
    CAPTURE(bytes);
    CHECK(Base32Encode(bytes) == text);
    auto decoded = Base32Decode(text);
    REQUIRE(decoded.ok());
    CHECK(*decoded == bytes);
  }
}

TEST_CASE("base32: without padding, in lower case, and every byte value round-trips") {
  CHECK(Base32Encode("foobar", /*pad=*/false) == "MZXW6YTBOI");
  auto unpadded = Base32Decode("MZXW6YTBOI");
  REQUIRE(unpadded.ok());
  CHECK(*unpadded == "foobar");
  auto lower = Base32Decode("mzxw6ytboi");
  REQUIRE(lower.ok());
  CHECK(*lower == "foobar");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= all.size(); n += 17) {
    CAPTURE(n);
    const std::string bytes = all.substr(0, n);
    auto back = Base32Decode(Base32Encode(bytes));
    REQUIRE(back.ok());
    CHECK(*back == bytes);
  }
}

TEST_CASE("base32: bad characters, impossible lengths, bad padding and stray bits are refused") {
  for (const char* bad : {"MZXW6YT1", "MZXW 6YT", "M", "MZX", "MZXW6Y",
                          "MY=", "MY=======", "MZ======", "MZXW6YTBOI=======", "M=Y====="}) {
    CAPTURE(bad);
    CHECK(Base32Decode(bad).status().code() == Code::kInvalidArgument);
  }
}

}  // namespace
}  // namespace tessera::common
