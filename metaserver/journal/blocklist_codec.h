// metaserver/journal/blocklist_codec.h
//
// The compact binary form of a file's block list, as stored in entries.blocklist:
//
//   blocklist := version:u8 (= 1)  count:varint  block{count}
//   block     := id:32 raw bytes (SHA-256)  size:varint (1 .. kMaxBlockBytes)
//
// or, for a file stored as a change to an earlier entry of the namespace (schema 002):
//
//   delta     := version:u8 (= 2)  base_jid:varint  keep_prefix:varint  keep_suffix:varint
//                count:varint  block{count}
//
// meaning base[0, keep_prefix) + blocks + base[size - keep_suffix, size) of entry base_jid's
// list (wire::BlocklistDelta). The base is named inside the blob, by JID only, so a raw copy
// of the column (subtree moves copy rows) stays valid. varint = LEB128, unsigned, at most 10
// bytes. About 34 bytes per block, against ~90 for the JSON hex form. Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/wire/file_meta.h"

namespace tessera::metaserver::journal {

inline constexpr uint8_t kBlocklistVersion = 1;
inline constexpr uint8_t kBlocklistDeltaVersion = 2;

std::string EncodeBlocklist(const std::vector<common::wire::BlockRef>& blocks);

// Corruption on an unknown version, a truncated or overlong varint, a count over
// wire::kMaxBlocksPerFile or beyond the bytes present, a block size of 0 or over
// wire::kMaxBlockBytes, or trailing bytes.
common::Result<std::vector<common::wire::BlockRef>> DecodeBlocklist(std::string_view blob);

// The delta form; delta.base_jid must be > 0.
std::string EncodeBlocklistDelta(const common::wire::BlocklistDelta& delta);

// Either form: a full list comes back as a delta with base_jid 0 and everything in `blocks`.
// Corruption as DecodeBlocklist, and for a delta with base_jid 0.
common::Result<common::wire::BlocklistDelta> DecodeStoredBlocklist(std::string_view blob);

}  // namespace tessera::metaserver::journal
