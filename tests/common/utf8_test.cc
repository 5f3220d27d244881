#include "common/utf8.h"

#include <doctest/doctest.h>

#include "common/device_name.h"

namespace tessera::common {
namespace {

TEST_CASE("utf8: well-formed text passes, every kind of malformed sequence does not") {
  CHECK(IsValidUtf8(""));
  CHECK(IsValidUtf8("plain ascii"));
  CHECK(IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));  // é € 😀
  CHECK_FALSE(IsValidUtf8("caf\xe9.txt"));                          // Latin-1
  CHECK_FALSE(IsValidUtf8("\xc0\xaf"));                             // overlong '/'
  CHECK_FALSE(IsValidUtf8("\xe0\x80\xaf"));                         // overlong
  CHECK_FALSE(IsValidUtf8("\xed\xa0\x80"));                         // a surrogate
  CHECK_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));                     // past U+10FFFF
  CHECK_FALSE(IsValidUtf8("\xe2\x82"));                             // truncated
  CHECK_FALSE(IsValidUtf8("\x80"));                                 // a lone continuation
  CHECK(EscapeInvalidUtf8("caf\xe9.txt") == "caf\\xe9.txt");
  CHECK(EscapeInvalidUtf8("caf\xc3\xa9") == "caf\xc3\xa9");
}

TEST_CASE("device name: a plain name, nothing that breaks a file name") {
  CHECK(ValidateDeviceName("laptop").ok());
  CHECK(ValidateDeviceName("Anna's Mac-mini (2)").ok());
  CHECK(ValidateDeviceName("b\xc3\xbcro").ok());
  for (const char* bad :
       {"", ".", "..", "evil/../dev", "a\\b", "tab\there", "caf\xe9", " lead", "trail "}) {
    INFO(bad);
    CHECK(ValidateDeviceName(bad).code() == Code::kInvalidArgument);
  }
  CHECK_FALSE(ValidateDeviceName(std::string(kMaxDeviceNameBytes + 1, 'x')).ok());
  CHECK(ValidateDeviceName(std::string(kMaxDeviceNameBytes, 'x')).ok());
}

}  // namespace
}  // namespace tessera::common
