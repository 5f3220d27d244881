// common/rsync_delta.h
//
// librsync deltas on in-memory buffers, for sending a changed block as a delta against the old
// block it replaces (block batch encoding 2, docs/protocol.md). Signatures are BLAKE2 with the
// full 32-byte strong sum (RS_BLAKE2_SIG_MAGIC). Patching is bounded: it never produces more
// than `max_out_bytes`, and a malformed delta is an error value, never a crash or a hang (it
// reads the base only inside its bounds).
//
// A delta says nothing about whether its result is right: the receiver checks the SHA-256 of
// what Patch returns against the id it expects (wire::VerifyBlock).
// Pure functions; thread-safe (every call has its own librsync job). librsync may print its own
// error lines to stderr when handed a corrupt delta.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace tessera::common::rsync {

inline constexpr size_t kStrongSumBytes = 32;  // BLAKE2b-256, full strength

// The signature block length for a base of `base_bytes`: half the square root, clamped to
// [kMinBlockLen, kMaxBlockLen] (32 for a 4 KiB block, 2048 for 16 MiB). Smaller block lengths
// make smaller deltas for small edits (a one-line edit of a 4 KiB text block: 66 bytes at 32,
// 131 at 64, 516 at 512) at the cost of a bigger signature, which never crosses the wire.
inline constexpr size_t kMinBlockLen = 32;
inline constexpr size_t kMaxBlockLen = 2048;
size_t ChooseBlockLen(uint64_t base_bytes);

// The librsync signature of `base` (block length `block_len` >= 1; 0 = ChooseBlockLen).
// InvalidArgument on a bad block length; Internal errors of librsync as Corruption.
Result<std::string> Signature(std::string_view base, size_t block_len = 0);

// A delta turning the signature's base into `target`. InvalidArgument when `signature` is not a
// valid librsync signature.
Result<std::string> Delta(std::string_view signature, std::string_view target);

// Signature(base) then Delta(..., target).
Result<std::string> MakeDelta(std::string_view base, std::string_view target);

// Applies `delta` to `base`. ResourceExhausted when the result would exceed `max_out_bytes`;
// InvalidArgument when the delta is malformed or truncated (bad magic, unknown command, a copy
// outside the base, missing bytes).
Result<std::string> Patch(std::string_view base, std::string_view delta, uint64_t max_out_bytes);

}  // namespace tessera::common::rsync
