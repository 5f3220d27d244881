// tests/blockserver/engine/corrupt.h
//
// Damage files on purpose: flip a byte, cut a file, append bytes. Test-only; aborts the test
// (REQUIRE) if the file cannot be changed.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace tessera::blockserver::engine::testing {

// XORs the byte at `offset` with 0x5a.
inline void CorruptBytes(const std::string& path, uint64_t offset) {
  std::FILE* f = std::fopen(path.c_str(), "r+b");
  REQUIRE(f != nullptr);
  REQUIRE(std::fseek(f, static_cast<long>(offset), SEEK_SET) == 0);
  const int c = std::fgetc(f);
  REQUIRE(c != EOF);
  REQUIRE(std::fseek(f, static_cast<long>(offset), SEEK_SET) == 0);
  std::fputc(c ^ 0x5a, f);
  REQUIRE(std::fclose(f) == 0);
}

inline void Truncate(const std::string& path, uint64_t size) {
  REQUIRE(::truncate(path.c_str(), static_cast<off_t>(size)) == 0);
}

inline void AppendBytes(const std::string& path, const std::string& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "ab");
  REQUIRE(f != nullptr);
  REQUIRE(std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
  REQUIRE(std::fclose(f) == 0);
}

}  // namespace tessera::blockserver::engine::testing
