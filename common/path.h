// common/path.h
//
// Validation of relative paths that arrive from the network or the journal, and a join that
// refuses to leave a sync root through symlinks. Every path in the wire protocol is relative,
// '/'-separated and checked with ValidateRelativePath before anything uses it.
// Pure functions except SafeJoin, which lstat()s; all thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"

namespace tessera::common {

inline constexpr size_t kMaxPathBytes = 4096;
inline constexpr size_t kMaxPathSegmentBytes = 255;

// OK when `path` is a relative path of one or more non-empty '/'-separated segments.
// InvalidArgument (naming the problem) when it is empty, absolute, longer than kMaxPathBytes,
// has a segment that is empty ("a//b", "a/"), ".", "..", or longer than kMaxPathSegmentBytes,
// contains a NUL byte or a backslash, or is not valid UTF-8 (JSON, the wire's encoding, carries
// only UTF-8: a name in another encoding is refused, never sent).
Status ValidateRelativePath(std::string_view path);

// root + "/" + rel, after ValidateRelativePath(rel), refusing when any EXISTING intermediate
// component of rel under root (every segment but the last) is a symlink (InvalidArgument) or
// another non-directory (Conflict: a file where rel needs a directory, a local state rather
// than a hostile path), so that writing the result cannot land outside root. The last segment may
// be anything (it is replaced by rename, never followed). Missing components are fine (the
// caller creates them). `root` itself is trusted and not checked. IOError if lstat fails for a
// reason other than ENOENT.
// The check is a snapshot: a local process racing to plant a symlink can still win, so callers
// that create files also open with O_NOFOLLOW where they can.
Result<std::string> SafeJoin(std::string_view root, std::string_view rel);

}  // namespace tessera::common
