// common/client/http_error.h
//
// How the typed clients (block_client.h, meta_client.h) read an HTTP answer that is not a 200:
// 5xx, 408 and 429 are kUnavailable (retry with backoff); 404 NotFound; 401/403
// PermissionDenied; 409 Conflict; 413 ResourceExhausted; any other status InvalidArgument. The
// message names the call, the status and the start of the server's body. Pure; thread-safe.
#pragma once

#include <string_view>

#include "common/http/client.h"
#include "common/status.h"

namespace tessera::common::client {

// The Status for a completed HTTP exchange that was not a 200.
Status HttpError(std::string_view what, const http::ClientResponse& response);

}  // namespace tessera::common::client
