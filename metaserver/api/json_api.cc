#include "metaserver/api/json_api.h"

#include <algorithm>
#include <string>
#include <utility>

#include "common/wire/journal_messages.h"
#include "common/wire/move_messages.h"
#include "metaserver/api/query_params.h"
#include "metaserver/api/wire_convert.h"

namespace tessera::metaserver::api {

using common::Result;
using common::Status;
using common::http::Request;
using common::http::Responder;
using common::http::Response;

namespace {

// Who asks about which namespace: the URL's {ns}, as given (the service validates it).
Result<ns::RequestContext> ContextOf(const Request& request) {
  const auto it = request.params.find("ns");
  if (it == request.params.end()) return common::InvalidArgument("no namespace in the path");
  ns::RequestContext ctx;
  ctx.ns = it->second;
  return ctx;
}

// A query flag that is 0 or 1 (absent: 0).
Result<bool> QueryFlag(const Request& request, std::string_view name) {
  TESSERA_ASSIGN_OR_RETURN(const uint64_t value, QueryUint(request.query, name, 0));
  if (value > 1) {
    return common::InvalidArgument("query parameter \"" + std::string(name) + "\" must be 0 or 1");
  }
  return value == 1;
}

Result<size_t> QueryLimit(const Request& request, size_t fallback) {
  TESSERA_ASSIGN_OR_RETURN(const uint64_t limit, QueryUint(request.query, "limit", fallback));
  return static_cast<size_t>(limit);  // the service checks the range
}

}  // namespace

JsonApi::JsonApi(ns::NamespaceService& service, HandlerOptions options)
    : service_(service), options_(options) {}

Response JsonApi::Health(const Request&) { return common::http::JsonResponse(R"({"ok":true})"); }

Response JsonApi::CommitBatch(const Request& request) {
  return common::http::ResponseOr(DoCommitBatch(request));
}

Result<Response> JsonApi::DoCommitBatch(const Request& request) {
  // Decoding validates every item (paths, kinds, sizes, counts) before anything else happens.
  TESSERA_ASSIGN_OR_RETURN(const common::wire::CommitBatchRequest batch,
                           common::wire::DecodeCommitBatchRequest(request.body));
  TESSERA_ASSIGN_OR_RETURN(const ns::RequestContext ctx, ContextOf(request));
  TESSERA_ASSIGN_OR_RETURN(const auto response, service_.Commit(ctx, batch.device, batch.items));
  return common::http::JsonResponse(common::wire::Encode(response));
}

Response JsonApi::Move(const Request& request) { return common::http::ResponseOr(DoMove(request)); }

Result<Response> JsonApi::DoMove(const Request& request) {
  TESSERA_ASSIGN_OR_RETURN(const common::wire::MoveRequest move,
                           common::wire::DecodeMoveRequest(request.body));
  TESSERA_ASSIGN_OR_RETURN(const ns::RequestContext ctx, ContextOf(request));
  TESSERA_ASSIGN_OR_RETURN(const auto response, service_.Move(ctx, move));
  return common::http::JsonResponse(common::wire::Encode(response));
}

Response JsonApi::MissingBlocks(const Request& request) {
  return common::http::ResponseOr(DoMissingBlocks(request));
}

Result<Response> JsonApi::DoMissingBlocks(const Request& request) {
  TESSERA_ASSIGN_OR_RETURN(const common::wire::MissingBlocksRequest report,
                           common::wire::DecodeMissingBlocksRequest(request.body));
  TESSERA_ASSIGN_OR_RETURN(const ns::RequestContext ctx, ContextOf(request));
  TESSERA_ASSIGN_OR_RETURN(const size_t wanted,
                           service_.ReportMissing(ctx, report.jid, report.ids));
  return common::http::JsonResponse(
      common::wire::Encode(common::wire::MissingBlocksResponse{wanted}));
}

Response JsonApi::List(const Request& request) { return common::http::ResponseOr(DoList(request)); }

Result<Response> JsonApi::DoList(const Request& request) {
  ns::ListRequest list;
  TESSERA_ASSIGN_OR_RETURN(list.cursor, QueryUint(request.query, "cursor", 0));
  TESSERA_ASSIGN_OR_RETURN(list.limit, QueryLimit(request, options_.default_list_limit));
  TESSERA_ASSIGN_OR_RETURN(list.deltas, QueryFlag(request, "deltas"));
  // Anything but moves=1 is the plain listing (older clients send nothing).
  const auto moves = request.query.find("moves");
  list.moves = moves != request.query.end() && moves->second == "1";
  TESSERA_ASSIGN_OR_RETURN(const ns::RequestContext ctx, ContextOf(request));
  TESSERA_ASSIGN_OR_RETURN(journal::Page page, service_.List(ctx, list));
  common::wire::ListResponse out = ToWire(std::move(page));
  out.wanted = service_.Wanted(ctx);
  return common::http::JsonResponse(common::wire::Encode(out));
}

Response JsonApi::Entry(const Request& request) {
  return common::http::ResponseOr(DoEntry(request));
}

Result<Response> JsonApi::DoEntry(const Request& request) {
  if (!request.query.contains("jid")) {
    return common::InvalidArgument("query parameter \"jid\" is required");
  }
  TESSERA_ASSIGN_OR_RETURN(const uint64_t jid, QueryUint(request.query, "jid", 0));
  TESSERA_ASSIGN_OR_RETURN(const ns::RequestContext ctx, ContextOf(request));
  TESSERA_ASSIGN_OR_RETURN(journal::Entry entry, service_.EntryAt(ctx, jid));
  return common::http::JsonResponse(common::wire::Encode(ToWire(std::move(entry))));
}

Response JsonApi::History(const Request& request) {
  return common::http::ResponseOr(DoHistory(request));
}

Result<Response> JsonApi::DoHistory(const Request& request) {
  const auto path = request.query.find("path");
  if (path == request.query.end()) {
    return common::InvalidArgument("query parameter \"path\" is required");
  }
  TESSERA_ASSIGN_OR_RETURN(const uint64_t cursor, QueryUint(request.query, "cursor", 0));
  TESSERA_ASSIGN_OR_RETURN(const size_t limit, QueryLimit(request, options_.default_list_limit));
  TESSERA_ASSIGN_OR_RETURN(const ns::RequestContext ctx, ContextOf(request));
  TESSERA_ASSIGN_OR_RETURN(journal::Page page, service_.History(ctx, path->second, cursor, limit));
  return common::http::JsonResponse(common::wire::Encode(ToWire(std::move(page))));
}

void JsonApi::Notify(const Request& request, Responder responder) {
  const Status status = DoNotify(request, responder);
  if (!status.ok()) responder.Send(common::http::ErrorResponse(status));
}

Status JsonApi::DoNotify(const Request& request, const Responder& responder) {
  TESSERA_ASSIGN_OR_RETURN(const uint64_t cursor, QueryUint(request.query, "cursor", 0));
  TESSERA_ASSIGN_OR_RETURN(
      const uint64_t timeout_ms,
      QueryUint(request.query, "timeout_ms",
                static_cast<uint64_t>(options_.default_notify_timeout.count())));
  const auto timeout = std::chrono::milliseconds(
      std::min<uint64_t>(timeout_ms, static_cast<uint64_t>(options_.max_notify_timeout.count())));
  TESSERA_ASSIGN_OR_RETURN(const ns::RequestContext ctx, ContextOf(request));
  return service_.Notify(
      ctx, cursor, ns::Notifier::Clock::now() + timeout,
      [responder](const ns::NotifyAnswer& answer) {
        common::wire::NotifyResponse body;
        body.head = answer.head;
        body.epoch = answer.epoch;
        responder.Send(common::http::JsonResponse(common::wire::Encode(body)));
      },
      [responder] { return responder.Cancelled(); });
}

}  // namespace tessera::metaserver::api
