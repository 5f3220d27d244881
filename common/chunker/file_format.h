// common/chunker/file_format.h
//
// Decides whether a file is chunked as text (line-based) or binary (gear-hash CDC), from its
// name and its first bytes. Pure functions; thread-safe.
//
// Rules, in order (documented in docs/chunking.md):
//   1. An extension in the binary table (.png .jpg .zip .gz .pdf ...) -> binary.
//   2. A NUL byte in the first kDetectBytes -> binary (even for .txt: UTF-16 and corrupt files).
//   3. An extension in the text table (.txt .md .c .cc .h .py .json ...) -> text.
//   4. Otherwise by content: text if at most 1% of the bytes are control characters (other than
//      \t \n \r \f \v \b ESC) and the bytes are valid UTF-8, or, failing UTF-8, at least 95% are
//      printable ASCII (Latin-1 text with a few accents). Anything else is binary.
// An empty file is text. Extensions compare case-insensitively.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tessera::common::chunker {

enum class FileFormat { kText, kBinary };

// "text" or "binary".
std::string_view FileFormatName(FileFormat format);

// How many leading bytes DetectFormat looks at; callers pass at most this many.
inline constexpr size_t kDetectBytes = 8192;

// `path` may be a full path or a bare name; only its final extension is used. `head` is the
// start of the file (at most kDetectBytes; longer input is truncated). `head` may be cut in the
// middle of a UTF-8 sequence: an incomplete sequence at its very end is accepted.
FileFormat DetectFormat(std::string_view path, std::string_view head);

// The lowercased final extension of `path` without the dot ("" if none; ".bashrc" has none).
std::string ExtensionOf(std::string_view path);

}  // namespace tessera::common::chunker
