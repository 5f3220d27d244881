#include "metaserver/api/move_handler.h"

#include <string>
#include <utility>

#include "common/wire/journal_messages.h"
#include "common/wire/move_messages.h"
#include "metaserver/api/query_params.h"
#include "metaserver/namespace_name.h"

namespace tessera::metaserver::api {

using common::Result;
using common::http::Request;
using common::http::Response;

bool MoveHandlers::WantsMoves(const Request& request) {
  const auto it = request.query.find("moves");
  return it != request.query.end() && it->second == "1";
}

Result<uint64_t> MoveHandlers::Namespace(const Request& request) {
  const auto it = request.params.find("ns");
  if (it == request.params.end()) return common::InvalidArgument("no namespace in the path");
  TESSERA_RETURN_IF_ERROR(ValidateNamespaceName(it->second));
  return journal_.NamespaceId(it->second, /*create=*/true);
}

Response MoveHandlers::Move(const Request& request) {
  return common::http::ResponseOr(DoMove(request));
}

Result<Response> MoveHandlers::DoMove(const Request& request) {
  TESSERA_ASSIGN_OR_RETURN(common::wire::MoveRequest move,
                           common::wire::DecodeMoveRequest(request.body));
  TESSERA_ASSIGN_OR_RETURN(const uint64_t nsid, Namespace(request));
  auto out = journal_.Move(nsid, move);
  if (!out.ok()) {
    log_.Warn("api", "move ns " + request.params.at("ns") + " from " + move.device +
                         " failed, nothing written: " + out.status().ToString());
    return out.status();
  }
  if (out->response.outcome == common::wire::MoveOutcome::kCommitted) {
    notifier_.Advance(nsid, out->head);
  }
  return common::http::JsonResponse(common::wire::Encode(out->response));
}

Response MoveHandlers::List(const Request& request) {
  return common::http::ResponseOr(DoList(request));
}

Result<Response> MoveHandlers::DoList(const Request& request) {
  TESSERA_ASSIGN_OR_RETURN(const uint64_t cursor, QueryUint(request.query, "cursor", 0));
  TESSERA_ASSIGN_OR_RETURN(const uint64_t limit,
                           QueryUint(request.query, "limit", default_list_limit_));
  if (limit == 0 || limit > common::wire::kMaxListLimit) {
    return common::InvalidArgument("query parameter \"limit\" must be 1.." +
                                   std::to_string(common::wire::kMaxListLimit));
  }
  TESSERA_ASSIGN_OR_RETURN(const uint64_t deltas, QueryUint(request.query, "deltas", 0));
  if (deltas > 1) return common::InvalidArgument("query parameter \"deltas\" must be 0 or 1");
  TESSERA_ASSIGN_OR_RETURN(const uint64_t nsid, Namespace(request));
  TESSERA_ASSIGN_OR_RETURN(
      const auto list, journal_.ListMoves(nsid, cursor, static_cast<size_t>(limit), deltas == 1));
  return common::http::JsonResponse(common::wire::Encode(list));
}

}  // namespace tessera::metaserver::api
