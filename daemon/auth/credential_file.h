// daemon/auth/credential_file.h
//
// The device credential `tessera login` leaves in the state directory and the daemon trades for
// access tokens (common/auth/token_source.h): <state>/credential.json, mode 0600, written
// atomically and durably (a crash leaves the old credential or the new one), holding the
// metaserver it is valid for, the user, the device id and the device secret. The secret is
// never logged: Describe() names the rest. A file that is not private (group or other may read
// it) is refused, as ssh refuses a private key others can read. Free functions; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "common/env.h"
#include "common/result.h"

namespace tessera::daemon::auth {

inline constexpr std::string_view kCredentialFile = "credential.json";

struct DeviceCredential {
  std::string metaserver;  // the URL it was issued by
  std::string user;
  std::string device_id;
  std::string secret;  // base64url; a bearer secret
  bool operator==(const DeviceCredential&) const = default;
};

// "user U, device D at URL" (no secret).
std::string Describe(const DeviceCredential& c);

// Writes `c` into `state_dir` (0600). InvalidArgument for an empty field.
common::Status SaveCredential(common::Env& env, const std::string& state_dir,
                              const DeviceCredential& c);

// The credential in `state_dir`, nullopt when there is none (not logged in); Corruption for a
// file that cannot be read as one, PermissionDenied for one that others can read.
common::Result<std::optional<DeviceCredential>> LoadCredential(common::Env& env,
                                                               const std::string& state_dir);

// Removes it (OK when there was none), durably.
common::Status RemoveCredential(common::Env& env, const std::string& state_dir);

}  // namespace tessera::daemon::auth
