#include "common/crc32c.h"

#include <doctest/doctest.h>

#include <string>

#include "tests/testutil/random.h"

namespace tessera::common {
namespace {

TEST_CASE("crc32c: matches the published test vectors") {
  CHECK(crc32c::Value("123456789") == 0xe3069283u);
  CHECK(crc32c::Value(std::string(32, '\0')) == 0x8a9136aau);
  CHECK(crc32c::Value(std::string(32, '\xff')) == 0x62a8ab43u);
  std::string ascending(32, '\0');
  for (int i = 0; i < 32; ++i) ascending[i] = static_cast<char>(i);
  CHECK(crc32c::Value(ascending) == 0x46dd794eu);
  CHECK(crc32c::Value("") == 0u);
}

TEST_CASE("crc32c: hardware and table paths agree, and extending equals one pass") {
  testutil::Random rng;
  for (size_t len : {0u, 1u, 7u, 8u, 9u, 63u, 64u, 1000u, 4097u}) {
    std::string data(len, '\0');
    for (auto& c : data) c = static_cast<char>(rng());
    const uint32_t whole = crc32c::Value(data);
    CHECK(crc32c::ExtendPortable(0, data.data(), data.size()) == whole);
    const size_t cut = len / 3;
    CHECK(crc32c::Extend(crc32c::Extend(0, data.data(), cut), data.data() + cut, len - cut) ==
          whole);
  }
}

TEST_CASE("crc32c: a flipped bit changes the checksum") {
  std::string data = "content-addressed block";
  const uint32_t before = crc32c::Value(data);
  data[5] ^= 0x10;
  CHECK(crc32c::Value(data) != before);
}

}  // namespace
}  // namespace tessera::common
