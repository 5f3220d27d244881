// metaserver/journal/blocklist_codec.h
//
// The compact binary form of a file's block list, as stored in entries.blocklist:
//
//   blocklist := version:u8 (= 1)  count:varint  block{count}
//   block     := id:32 raw bytes (SHA-256)  size:varint (1 .. kMaxBlockBytes)
//
// varint = LEB128, unsigned, at most 10 bytes. About 34 bytes per block, against ~90 for the
// JSON hex form. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/wire/file_meta.h"

namespace tessera::metaserver::journal {

inline constexpr uint8_t kBlocklistVersion = 1;

std::string EncodeBlocklist(const std::vector<common::wire::BlockRef>& blocks);

// Corruption on an unknown version, a truncated or overlong varint, a count over
// wire::kMaxBlocksPerFile or beyond the bytes present, a block size of 0 or over
// wire::kMaxBlockBytes, or trailing bytes.
common::Result<std::vector<common::wire::BlockRef>> DecodeBlocklist(std::string_view blob);

}  // namespace tessera::metaserver::journal
