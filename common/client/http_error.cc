#include "common/client/http_error.h"

#include <string>

namespace tessera::common::client {

Status HttpError(std::string_view what, const http::ClientResponse& r) {
  std::string msg =
      std::string(what) + ": HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 300);
  if (r.status >= 500 || r.status == 429 || r.status == 408) return Unavailable(msg);
  if (r.status == 404) return NotFound(msg);
  if (r.status == 401 || r.status == 403) return PermissionDenied(msg);
  if (r.status == 409) return Conflict(msg);
  if (r.status == 413) return ResourceExhausted(msg);
  return InvalidArgument(msg);
}

}  // namespace tessera::common::client
