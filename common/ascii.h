// common/ascii.h
//
// ASCII-only text helpers (HTTP tokens, file names compared as a case-folding file system
// would for ASCII letters). Locale-independent; pure functions.
#pragma once

#include <algorithm>
#include <string_view>

namespace tessera::common {

constexpr char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// True when `a` and `b` differ at most in the case of ASCII letters.
constexpr bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return AsciiLower(x) == AsciiLower(y); });
}

}  // namespace tessera::common
