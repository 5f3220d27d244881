#include "common/base32.h"

#include <cstdint>

namespace tessera::common {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// The 5-bit value of `c`, or -1.
int Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

}  // namespace

std::string Base32Encode(std::string_view bytes, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 4) / 5 * 8);
  uint32_t buffer = 0;  // holds fewer than 13 pending bits
  int bits = 0;
  for (const char c : bytes) {
    buffer = (buffer << 8) | static_cast<uint8_t>(c);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kAlphabet[(buffer >> bits) & 31]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  if (pad) {
    while (out.size() % 8 != 0) out.push_back('=');
  }
  return out;
}

Result<std::string> Base32Decode(std::string_view text) {
  const size_t padded_size = text.size();
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (padded_size != text.size() && padded_size % 8 != 0) {
    return InvalidArgument("base32: padded text is not a multiple of 8 characters");
  }
  // A final group of 8 characters carries 1..5 bytes in 2, 4, 5, 7 or 8 characters.
  const size_t tail = text.size() % 8;
  if (tail == 1 || tail == 3 || tail == 6) {
    return InvalidArgument("base32: " + std::to_string(text.size()) +
                           " characters encode no whole number of bytes");
  }
  if (padded_size != text.size() && padded_size != (text.size() + 7) / 8 * 8) {
    return InvalidArgument("base32: too much padding");
  }
  std::string out;
  out.reserve(text.size() * 5 / 8);
  uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = Value(c);
    if (v < 0) return InvalidArgument("base32: invalid character");
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  if ((buffer & ((1u << bits) - 1)) != 0) {
    return InvalidArgument("base32: nonzero bits after the last byte");
  }
  return out;
}

}  // namespace tessera::common
