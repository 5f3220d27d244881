// common/client/authorizer.h
//
// Authorizer: where a typed client (meta_client.h, block_client.h) gets the bearer token it
// sends as `Authorization: Bearer <token>`. The daemon's hands out its device's access token
// (common/auth/token_source.h; one token covers every namespace it may use); the metaserver's
// mints a short service token for the namespace it asks the blockserver about. A client that
// gets a 401 calls Refused(token) and retries once with a fresh Token(); a second 401 is its
// caller's PermissionDenied. Implementations are thread-safe and outlive their clients.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace tessera::common::client {

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // A token for calls about namespace `ns`. PermissionDenied when none can be had (the device
  // was revoked or logged out, the credential is wrong); Unavailable when the metaserver that
  // issues tokens cannot be reached now.
  virtual Result<std::string> Token(std::string_view ns) = 0;
  // A server refused `token` (401): it is not handed out again.
  virtual void Refused(const std::string& token) = 0;
};

}  // namespace tessera::common::client
