// common/crc32c.h
//
// CRC-32C (Castagnoli, polynomial 0x82f63b78 reflected), the checksum of every record and block
// the block engine writes. Uses the SSE4.2 crc32 instruction when the CPU has it, a slicing-by-8
// table otherwise; both give identical results. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tessera::common::crc32c {

// Returns the CRC-32C of data[0, n) appended to a stream whose CRC so far is `crc`.
uint32_t Extend(uint32_t crc, const char* data, size_t n);

// The CRC-32C of `data` (Value("123456789") == 0xe3069283).
inline uint32_t Value(std::string_view data) { return Extend(0, data.data(), data.size()); }

// The portable table implementation, exposed so tests can compare both paths.
uint32_t ExtendPortable(uint32_t crc, const char* data, size_t n);

}  // namespace tessera::common::crc32c
