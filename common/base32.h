// common/base32.h
//
// Base32 as RFC 4648 section 6 defines it (alphabet A-Z2-7, '=' padding to a multiple of 8
// characters): how TOTP secrets travel in otpauth:// URIs. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace tessera::common {

// The base32 text of `bytes`, in upper case; with '=' padding when `pad` (RFC 4648), without
// it when not (otpauth:// URIs leave it out).
std::string Base32Encode(std::string_view bytes, bool pad = true);

// The bytes `text` encodes. Accepts upper and lower case, with or without the '=' padding
// (when present it must be the right length). InvalidArgument for any other character, a
// length no encoding has, or nonzero bits left over past the last byte.
Result<std::string> Base32Decode(std::string_view text);

}  // namespace tessera::common
