#include "common/path.h"

#include <sys/stat.h>

#include <cerrno>

#include "common/utf8.h"

namespace tessera::common {

namespace {

Status Refuse(std::string_view path, std::string_view why) {
  // Shown as valid UTF-8 (messages travel in JSON): other bytes as \xNN.
  std::string shown = EscapeInvalidUtf8(path.substr(0, 200));
  for (char& c : shown) {
    if (c == '\0') c = '?';
  }
  return InvalidArgument("path \"" + shown + "\": " + std::string(why));
}

}  // namespace

Status ValidateRelativePath(std::string_view path) {
  if (path.empty()) return Refuse(path, "empty");
  if (path.size() > kMaxPathBytes) return Refuse(path, "longer than 4096 bytes");
  if (path.front() == '/') return Refuse(path, "absolute");
  if (path.find('\0') != std::string_view::npos) return Refuse(path, "contains a NUL byte");
  if (path.find('\\') != std::string_view::npos) return Refuse(path, "contains a backslash");
  if (!IsValidUtf8(path)) return Refuse(path, "not valid UTF-8 (the journal holds UTF-8 names)");
  size_t start = 0;
  for (;;) {
    const size_t slash = path.find('/', start);
    const std::string_view segment = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment.empty()) return Refuse(path, "empty segment");
    if (segment == "." || segment == "..") return Refuse(path, "\".\" or \"..\" segment");
    if (segment.size() > kMaxPathSegmentBytes) return Refuse(path, "segment over 255 bytes");
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return Status::Ok();
}

Result<std::string> SafeJoin(std::string_view root, std::string_view rel) {
  TESSERA_RETURN_IF_ERROR(ValidateRelativePath(rel));
  std::string out(root);
  if (out.empty() || out.back() != '/') out += '/';
  const size_t rel_start = out.size();
  out += rel;
  // Walk every intermediate component: out[0, end) is root + the segments so far.
  for (size_t pos = out.find('/', rel_start); pos != std::string::npos;
       pos = out.find('/', pos + 1)) {
    const std::string prefix = out.substr(0, pos);
    struct stat st;
    if (::lstat(prefix.c_str(), &st) != 0) {
      if (errno == ENOENT) break;  // nothing below exists either
      return ErrnoStatus("lstat " + prefix, errno).WithContext("safe join");
    }
    if (S_ISLNK(st.st_mode)) return Refuse(rel, "goes through a symlink: " + prefix);
    if (!S_ISDIR(st.st_mode)) {
      return Conflict("path \"" + std::string(rel) + "\": goes through a non-directory: " + prefix);
    }
  }
  return out;
}

}  // namespace tessera::common
