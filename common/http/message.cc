#include "common/http/message.h"

#include <boost/json.hpp>

namespace tessera::common::http {

Response JsonResponse(std::string body) {
  Response r;
  r.body = std::move(body);
  return r;
}

Response ResponseOr(Result<Response> result) {
  if (result.ok()) return std::move(result).value();
  return ErrorResponse(result.status());
}

Response ErrorResponse(const Status& status) {
  Response r;
  switch (status.code()) {
    case Code::kInvalidArgument:
      r.status = 400;
      break;
    case Code::kNotFound:
      r.status = 404;
      break;
    case Code::kConflict:
      r.status = 409;
      break;
    case Code::kPermissionDenied:
      r.status = 403;
      break;
    case Code::kResourceExhausted:
      r.status = 413;
      break;
    case Code::kUnavailable:
      r.status = 503;
      break;
    case Code::kNoSpace:
      r.status = 507;  // Insufficient Storage: clients retry later
      break;
    default:
      r.status = 500;
      break;
  }
  const std::string_view name = CodeName(status.code());
  boost::json::object body{{"error", boost::json::string_view(name.data(), name.size())},
                           {"message", status.message()}};
  r.body = boost::json::serialize(body);
  return r;
}

}  // namespace tessera::common::http
