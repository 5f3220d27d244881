#include "common/chunker/file_format.h"

#include <algorithm>
#include <cstdint>
#include <iterator>

namespace tessera::common::chunker {

namespace {

// Lowercase, without the dot. Formats that are compressed or structured bytes: line chunking
// would be pointless even when they happen to look like text.
constexpr std::string_view kBinaryExtensions[] = {
    "7z",   "a",   "aac",  "apk",  "avi",   "avif", "bin",  "bmp",    "bz2",  "class", "db",
    "dll",  "dmg", "doc",  "docx", "dylib", "eot",  "epub", "exe",    "flac", "gif",   "gz",
    "heic", "ico", "iso",  "jar",  "jpeg",  "jpg",  "lib",  "lz4",    "m4a",  "m4v",   "mkv",
    "mov",  "mp3", "mp4",  "o",    "odp",   "ods",  "odt",  "ogg",    "opus", "otf",   "pdf",
    "png",  "ppt", "pptx", "psd",  "pyc",   "rar",  "so",   "sqlite", "tar",  "tgz",   "tif",
    "tiff", "ttf", "war",  "wasm", "wav",   "webm", "webp", "whl",    "woff", "woff2", "xls",
    "xlsx", "xz",  "zip",  "zst",  "zstd"};

// Text unless the content has a NUL.
constexpr std::string_view kTextExtensions[] = {
    "bash", "bat",        "c",     "cc",       "cfg",   "cmake", "conf", "cook",  "cpp",
    "cs",   "css",        "csv",   "cxx",      "diff",  "el",    "go",   "h",     "hh",
    "hpp",  "htm",        "html",  "hxx",      "ini",   "java",  "js",   "json",  "jsx",
    "kt",   "lua",        "m",     "markdown", "md",    "mjs",   "org",  "patch", "php",
    "pl",   "properties", "proto", "py",       "r",     "rb",    "rs",   "rst",   "scala",
    "scss", "sh",         "sql",   "svg",      "swift", "tex",   "toml", "ts",    "tsv",
    "tsx",  "txt",        "vim",   "xml",      "yaml",  "yml",   "zsh",  "log"};

bool InTable(std::string_view ext, const auto& table) {
  return std::find(std::begin(table), std::end(table), ext) != std::end(table);
}

bool IsAllowedControl(uint8_t b) {
  return b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == '\v' || b == '\b' || b == 0x1b;
}

// Length of the valid UTF-8 sequence starting at s[i], 0 if invalid, or SIZE_MAX if the input
// ends in the middle of an otherwise valid sequence.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  size_t len;
  uint8_t lo = 0x80, hi = 0xbf;  // allowed range of the second byte
  if (b0 < 0x80) return 1;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3;
    if (b0 == 0xe0) lo = 0xa0;  // overlong
    if (b0 == 0xed) hi = 0x9f;  // surrogates
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4;
    if (b0 == 0xf0) lo = 0x90;  // overlong
    if (b0 == 0xf4) hi = 0x8f;  // above U+10FFFF
  } else {
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    if (i + k >= s.size()) return SIZE_MAX;
    const auto b = static_cast<uint8_t>(s[i + k]);
    const uint8_t min = k == 1 ? lo : 0x80;
    const uint8_t max = k == 1 ? hi : 0xbf;
    if (b < min || b > max) return 0;
  }
  return len;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const size_t len = Utf8SequenceLength(s, i);
    if (len == SIZE_MAX) return true;  // cut at the end of the sample
    if (len == 0) return false;
    i += len;
  }
  return true;
}

}  // namespace

std::string_view FileFormatName(FileFormat format) {
  return format == FileFormat::kText ? "text" : "binary";
}

std::string ExtensionOf(std::string_view path) {
  const size_t slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return "";
  std::string ext(name.substr(dot + 1));
  for (char& c : ext) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return ext;
}

FileFormat DetectFormat(std::string_view path, std::string_view head) {
  if (head.size() > kDetectBytes) head = head.substr(0, kDetectBytes);
  const std::string ext = ExtensionOf(path);
  if (InTable(ext, kBinaryExtensions)) return FileFormat::kBinary;
  if (head.find('\0') != std::string_view::npos) return FileFormat::kBinary;
  if (InTable(ext, kTextExtensions)) return FileFormat::kText;
  if (head.empty()) return FileFormat::kText;

  size_t control = 0, printable_ascii = 0;
  for (const char c : head) {
    const auto b = static_cast<uint8_t>(c);
    if ((b < 0x20 && !IsAllowedControl(b)) || b == 0x7f) {
      ++control;
    } else if (b < 0x80) {
      ++printable_ascii;
    }
  }
  if (control * 100 > head.size()) return FileFormat::kBinary;
  if (IsValidUtf8(head)) return FileFormat::kText;
  if (printable_ascii * 100 >= head.size() * 95) return FileFormat::kText;
  return FileFormat::kBinary;
}

}  // namespace tessera::common::chunker
