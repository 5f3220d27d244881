// common/utf8.h
//
// UTF-8 validity (RFC 3629): what JSON strings carry, so what a name must be to travel in the
// wire protocol. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace tessera::common {

// True when `s` is well-formed UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF.
bool IsValidUtf8(std::string_view s);

// `s` with every byte that is not part of well-formed UTF-8 written as \xNN (for messages).
std::string EscapeInvalidUtf8(std::string_view s);

}  // namespace tessera::common
