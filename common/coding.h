// common/coding.h
//
// Little-endian fixed-width and LEB128 varint encoding: the one place Tessera turns integers
// into bytes for on-disk formats and wire batches (the engine's WAL and SSTs, the chunk cache,
// block batches, the daemon index's blocklists). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tessera::common {

inline void PutFixed32(std::string& dst, uint32_t v) {
  char buf[4];
  for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  dst.append(buf, 4);
}
inline void PutFixed64(std::string& dst, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  dst.append(buf, 8);
}
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}
inline void EncodeFixed32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

inline void PutVarint64(std::string& dst, uint64_t v) {
  char buf[10];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  dst.append(buf, static_cast<size_t>(n));
}

// Consumes a varint from the front of `in`. Returns false (leaving `in` unspecified) when the
// input ends early or the varint is longer than 10 bytes / overflows 64 bits.
inline bool GetVarint64(std::string_view& in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !in.empty(); shift += 7) {
    const auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    if (shift == 63 && byte > 1) return false;
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

inline bool GetFixed32(std::string_view& in, uint32_t* v) {
  if (in.size() < 4) return false;
  *v = DecodeFixed32(in.data());
  in.remove_prefix(4);
  return true;
}
inline bool GetFixed64(std::string_view& in, uint64_t* v) {
  if (in.size() < 8) return false;
  *v = DecodeFixed64(in.data());
  in.remove_prefix(8);
  return true;
}

}  // namespace tessera::common
