// common/auth/base64url.h
//
// Base64 with the URL and file name safe alphabet and no padding (RFC 4648 section 5; the
// encoding of every part of a JWT, RFC 7515). Decoding is strict: only the alphabet, no '=',
// no length that leaves a lone character, and the unused low bits of the last character zero,
// so each byte string has exactly one encoding (a token cannot be altered into another
// spelling that still verifies). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace tessera::common::auth {

std::string Base64UrlEncode(std::string_view bytes);

// InvalidArgument for anything but the one canonical encoding of some bytes.
Result<std::string> Base64UrlDecode(std::string_view text);

}  // namespace tessera::common::auth
