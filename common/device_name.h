// common/device_name.h
//
// What a device's name may be. It names the device in the journal and in the names of
// conflicted copies ("notes (laptop's conflicted copy 2026-12-02).txt"), so it must be usable
// inside one file name: 1 to 64 bytes of valid UTF-8, no '/', no NUL or other control
// character, not "." or "..", not starting or ending with a space. Pure; thread-safe.
#pragma once

#include <string_view>

#include "common/status.h"

namespace tessera::common {

inline constexpr size_t kMaxDeviceNameBytes = 64;

// Ok, or InvalidArgument saying what is wrong with `name`.
Status ValidateDeviceName(std::string_view name);

}  // namespace tessera::common
