// common/status.h
//
// Status: the outcome of a fallible call, as a value. Codes are few and mean one thing each.
// Cheap to copy when OK (no allocation). Thread-compatible (a value type).
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace tessera::common {

enum class Code : int {
  kOk = 0,
  kNotFound,           // the thing asked for does not exist
  kInvalidArgument,    // bad input from the caller or the network
  kConflict,           // stale parent JID, target changed under us
  kCorruption,         // checksum or format error
  kIOError,            // the OS said no
  kUnavailable,        // retry later (server down, timeout)
  kPermissionDenied,   // not authorised
  kResourceExhausted,  // a limit was hit (size, count)
  kNoSpace,            // the disk is full (ENOSPC, EDQUOT): retry once space is back
};

// Human-readable name of a code ("NotFound", ...).
std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "NotFound: message" or "OK".
  std::string ToString() const;

  // Returns a copy with `context + ": "` prepended to the message (no-op when OK).
  Status WithContext(std::string_view context) const;

  bool operator==(const Status& o) const { return code_ == o.code_ && message_ == o.message_; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
inline Status InvalidArgument(std::string msg) {
  return Status(Code::kInvalidArgument, std::move(msg));
}
inline Status Conflict(std::string msg) { return Status(Code::kConflict, std::move(msg)); }
inline Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
inline Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg)); }
inline Status PermissionDenied(std::string msg) {
  return Status(Code::kPermissionDenied, std::move(msg));
}
inline Status ResourceExhausted(std::string msg) {
  return Status(Code::kResourceExhausted, std::move(msg));
}
inline Status NoSpace(std::string msg) { return Status(Code::kNoSpace, std::move(msg)); }
// IOError names the call/path and the OS reason: IOError("fsync " + path, strerror(errno)).
inline Status IOError(std::string_view what, std::string_view why) {
  return Status(Code::kIOError, std::string(what) + ": " + std::string(why));
}
// IOError from an errno value; ENOSPC/EDQUOT map to kResourceExhausted.
Status ErrnoStatus(std::string_view what, int err);

}  // namespace tessera::common

// Returns early from the enclosing function when `expr` yields a non-OK Status.
#define TESSERA_RETURN_IF_ERROR(expr)                   \
  do {                                                  \
    ::tessera::common::Status tessera_status_ = (expr); \
    if (!tessera_status_.ok()) return tessera_status_;  \
  } while (0)
