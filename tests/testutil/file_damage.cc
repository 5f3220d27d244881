#include "tests/testutil/file_damage.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>

namespace tessera::testutil {

void CorruptBytes(const std::string& path, uint64_t offset) {
  std::FILE* f = std::fopen(path.c_str(), "r+b");
  REQUIRE_MESSAGE(f != nullptr, "cannot open " << path);
  REQUIRE(std::fseek(f, static_cast<long>(offset), SEEK_SET) == 0);
  const int c = std::fgetc(f);
  REQUIRE_MESSAGE(c != EOF, path << " has no byte at " << offset);
  REQUIRE(std::fseek(f, static_cast<long>(offset), SEEK_SET) == 0);
  std::fputc(c ^ 0x5a, f);
  REQUIRE(std::fclose(f) == 0);
}

void Truncate(const std::string& path, uint64_t size) {
  REQUIRE_MESSAGE(::truncate(path.c_str(), static_cast<off_t>(size)) == 0, "truncate " << path);
}

void AppendBytes(const std::string& path, const std::string& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "ab");
  REQUIRE_MESSAGE(f != nullptr, "cannot open " << path);
  REQUIRE(std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
  REQUIRE(std::fclose(f) == 0);
}

}  // namespace tessera::testutil
