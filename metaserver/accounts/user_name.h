// metaserver/accounts/user_name.h
//
// What a user's name may be, checked like namespace and device names before it reaches the
// store: 1 to 64 bytes of valid UTF-8, printable (no control character), no '/' or '\', not
// "." or "..", not starting or ending with a space. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/status.h"

namespace tessera::metaserver::accounts {

inline constexpr size_t kMaxUserNameBytes = 64;

// Ok, or InvalidArgument saying what is wrong with `name`.
common::Status ValidateUserName(std::string_view name);

}  // namespace tessera::metaserver::accounts
