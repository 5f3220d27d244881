#include "metaserver/api/journal_handlers.h"

#include <algorithm>
#include <string>
#include <utility>

#include "common/wire/journal_messages.h"
#include "metaserver/api/query_params.h"
#include "metaserver/namespace_name.h"

namespace tessera::metaserver::api {

using common::Result;
using common::Status;
using common::http::Request;
using common::http::Responder;
using common::http::Response;

namespace {

Result<size_t> ListLimit(const Request& request, size_t fallback) {
  TESSERA_ASSIGN_OR_RETURN(const uint64_t limit, QueryUint(request.query, "limit", fallback));
  if (limit == 0 || limit > common::wire::kMaxListLimit) {
    return common::InvalidArgument("query parameter \"limit\" must be 1.." +
                                   std::to_string(common::wire::kMaxListLimit));
  }
  return static_cast<size_t>(limit);
}

}  // namespace

JournalHandlers::JournalHandlers(journal::Journal& journal, Notifier& notifier,
                                 journal::MissingBlocksFn missing_blocks, common::Logger& log,
                                 HandlerOptions options)
    : journal_(journal),
      notifier_(notifier),
      missing_blocks_(std::move(missing_blocks)),
      log_(log),
      options_(options) {}

Result<uint64_t> JournalHandlers::Namespace(const Request& request, bool create) {
  const auto it = request.params.find("ns");
  if (it == request.params.end()) return common::InvalidArgument("no namespace in the path");
  TESSERA_RETURN_IF_ERROR(ValidateNamespaceName(it->second));
  return journal_.NamespaceId(it->second, create);
}

Response JournalHandlers::Health(const Request&) {
  return common::http::JsonResponse(R"({"ok":true})");
}

Response JournalHandlers::CommitBatch(const Request& request) {
  return common::http::ResponseOr(DoCommitBatch(request));
}

Result<Response> JournalHandlers::DoCommitBatch(const Request& request) {
  // Decoding validates every item (paths, kinds, sizes, counts) before anything else happens.
  TESSERA_ASSIGN_OR_RETURN(common::wire::CommitBatchRequest batch,
                           common::wire::DecodeCommitBatchRequest(request.body));
  TESSERA_ASSIGN_OR_RETURN(const uint64_t nsid, Namespace(request, /*create=*/true));
  auto out = journal_.CommitBatch(nsid, batch.device, batch.items, missing_blocks_);
  if (!out.ok()) {
    log_.Warn("api", "commit_batch ns " + request.params.at("ns") + " from " + batch.device +
                         " failed, nothing written: " + out.status().ToString());
    return out.status();
  }
  if (out->committed > 0) notifier_.Advance(nsid, out->head);
  if (log_.Enabled(common::LogLevel::kDebug)) {
    log_.Debug("api", "commit_batch ns " + request.params.at("ns") + " from " + batch.device +
                          ": " + std::to_string(out->committed) + "/" +
                          std::to_string(batch.items.size()) + " committed, head " +
                          std::to_string(out->head));
  }
  return common::http::JsonResponse(common::wire::Encode(out->response));
}

Response JournalHandlers::List(const Request& request) {
  return common::http::ResponseOr(DoList(request));
}

Result<Response> JournalHandlers::DoList(const Request& request) {
  TESSERA_ASSIGN_OR_RETURN(const uint64_t cursor, QueryUint(request.query, "cursor", 0));
  TESSERA_ASSIGN_OR_RETURN(const size_t limit, ListLimit(request, options_.default_list_limit));
  TESSERA_ASSIGN_OR_RETURN(const uint64_t deltas, QueryUint(request.query, "deltas", 0));
  if (deltas > 1) return common::InvalidArgument("query parameter \"deltas\" must be 0 or 1");
  TESSERA_ASSIGN_OR_RETURN(const uint64_t nsid, Namespace(request, /*create=*/true));
  TESSERA_ASSIGN_OR_RETURN(const auto list, journal_.List(nsid, cursor, limit, deltas == 1));
  return common::http::JsonResponse(common::wire::Encode(list));
}

Response JournalHandlers::Entry(const Request& request) {
  return common::http::ResponseOr(DoEntry(request));
}

Result<Response> JournalHandlers::DoEntry(const Request& request) {
  if (!request.query.contains("jid")) {
    return common::InvalidArgument("query parameter \"jid\" is required");
  }
  TESSERA_ASSIGN_OR_RETURN(const uint64_t jid, QueryUint(request.query, "jid", 0));
  TESSERA_ASSIGN_OR_RETURN(const uint64_t nsid, Namespace(request, /*create=*/false));
  TESSERA_ASSIGN_OR_RETURN(const auto entry, journal_.Entry(nsid, jid));
  return common::http::JsonResponse(common::wire::Encode(entry));
}

Response JournalHandlers::History(const Request& request) {
  return common::http::ResponseOr(DoHistory(request));
}

Result<Response> JournalHandlers::DoHistory(const Request& request) {
  const auto path = request.query.find("path");
  if (path == request.query.end()) {
    return common::InvalidArgument("query parameter \"path\" is required");
  }
  TESSERA_ASSIGN_OR_RETURN(const uint64_t cursor, QueryUint(request.query, "cursor", 0));
  TESSERA_ASSIGN_OR_RETURN(const size_t limit, ListLimit(request, options_.default_list_limit));
  TESSERA_ASSIGN_OR_RETURN(const uint64_t nsid, Namespace(request, /*create=*/false));
  TESSERA_ASSIGN_OR_RETURN(const auto history, journal_.History(nsid, path->second, cursor, limit));
  return common::http::JsonResponse(common::wire::Encode(history));
}

void JournalHandlers::Notify(const Request& request, Responder responder) {
  const Status status = DoNotify(request, responder);
  if (!status.ok()) responder.Send(common::http::ErrorResponse(status));
}

Status JournalHandlers::DoNotify(const Request& request, const Responder& responder) {
  TESSERA_ASSIGN_OR_RETURN(const uint64_t cursor, QueryUint(request.query, "cursor", 0));
  TESSERA_ASSIGN_OR_RETURN(
      const uint64_t timeout_ms,
      QueryUint(request.query, "timeout_ms",
                static_cast<uint64_t>(options_.default_notify_timeout.count())));
  const auto timeout = std::chrono::milliseconds(
      std::min<uint64_t>(timeout_ms, static_cast<uint64_t>(options_.max_notify_timeout.count())));
  TESSERA_ASSIGN_OR_RETURN(const uint64_t nsid, Namespace(request, /*create=*/true));
  TESSERA_ASSIGN_OR_RETURN(const uint64_t head, journal_.Head(nsid));

  auto answer = [responder, epoch = journal_.epoch()](uint64_t now_head) {
    common::wire::NotifyResponse body;
    body.head = now_head;
    body.epoch = epoch;
    responder.Send(common::http::JsonResponse(common::wire::Encode(body)));
  };
  if (cursor > head) {
    // The client is ahead of this journal (another epoch?): tell it now so it can re-list.
    answer(head);
    return Status::Ok();
  }
  const Status waited =
      notifier_.Wait(nsid, cursor, head, Notifier::Clock::now() + timeout, std::move(answer),
                     [responder] { return responder.Cancelled(); });
  if (waited.code() == common::Code::kResourceExhausted) {
    log_.Warn("api", "notify refused: " + waited.message());
    return common::Unavailable(waited.message());  // 503: retry later
  }
  return waited;
}

}  // namespace tessera::metaserver::api
