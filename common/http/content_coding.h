// common/http/content_coding.h
//
// Internal to common/http. HTTP body compression (RFC 9110 Content-Encoding / Accept-Encoding)
// with zstd, shared by the client and the server so that both sides follow one rule:
//   - a body is sent compressed only when it is at least kMinCompressBytes long, the peer
//     accepts zstd, and the zstd frame is smaller than the body;
//   - a received body is inflated with a hard cap (the receiver's body limit), so a
//     decompression bomb costs at most that much memory plus a constant (zstd.h says which),
//     and is refused as soon as its content passes the cap.
// Thread-safe, except that a Codec passed in must not be shared between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/zstd.h"

namespace tessera::common::http {

// Bodies shorter than this are never compressed: the frame header would eat the gain.
inline constexpr size_t kMinCompressBytes = 256;
inline constexpr std::string_view kZstdCoding = "zstd";

// Whether an Accept-Encoding value lists zstd with a non-zero weight ("gzip, zstd;q=0.5" yes,
// "zstd;q=0" no). Case-insensitive; an empty value means no.
bool AcceptsZstd(std::string_view accept_encoding);

// The zstd frame of `body` at `level` if the rule above says to send it compressed (size at
// least kMinCompressBytes and frame smaller than `body`); nullopt to send `body` as it is.
// `codec` (optional) keeps zstd contexts between calls.
std::optional<std::string> MaybeCompress(std::string_view body, int level,
                                         zstd::Codec* codec = nullptr);

// Undoes `content_encoding` (the header's value; empty or "identity" means none) on `body`.
//   InvalidArgument: a coding other than identity or zstd (the message names it);
//   ResourceExhausted: the inflated body would exceed `max_bytes`, or a frame that does not
//     declare its size asks for a window over zstd::kMaxWindowBytes;
//   Corruption: `body` is not a complete, valid zstd stream.
Result<std::string> DecodeBody(std::string_view content_encoding, std::string body,
                               uint64_t max_bytes, zstd::Codec* codec = nullptr);

}  // namespace tessera::common::http
