// tests/testutil/file_damage.h
//
// Damage files on purpose, bypassing every Env: flip a byte, cut a file, append bytes. Each
// fails the current test (REQUIRE) if the file cannot be changed. Thread-compatible.
#pragma once

#include <cstdint>
#include <string>

namespace tessera::testutil {

// XORs the byte at `offset` with 0x5a. REQUIRES: offset < the file's size.
void CorruptBytes(const std::string& path, uint64_t offset);
// Cuts (or extends with zeros) the file to `size` bytes.
void Truncate(const std::string& path, uint64_t size);
void AppendBytes(const std::string& path, const std::string& bytes);

}  // namespace tessera::testutil
