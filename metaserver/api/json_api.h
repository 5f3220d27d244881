// metaserver/api/json_api.h
//
// JsonApi: the metaserver's JSON HTTP API (docs/protocol.md) as a thin adapter over the
// NamespaceService (ns/namespace_service.h): each handler decodes the wire request (body and
// query), builds the RequestContext from the URL's {ns}, calls the service once, and encodes
// its answer; no journal rule and no namespace check lives here. Every Status becomes an HTTP
// answer through common::http::ErrorResponse: 400 bad input, 404 unknown namespace or JID, 503
// blockserver down or too many long-polls, 500 anything else. No sockets here (routes.h wires
// the handlers to a Router).
//
//   POST /v1/ns/{ns}/commit_batch   wire CommitBatchRequest -> CommitBatchResponse
//   POST /v1/ns/{ns}/move           wire MoveRequest -> MoveResponse
//   GET  /v1/ns/{ns}/list?cursor=N&limit=M[&deltas=1][&moves=1]   -> ListResponse (deltas=1:
//        file blocklists as deltas against the path's previous entry where smaller; moves=1:
//        each subtree move as its one entry)
//   GET  /v1/ns/{ns}/entry?jid=N                            -> one JournalEntry, full list
//   GET  /v1/ns/{ns}/notify?cursor=N&timeout_ms=T           -> NotifyResponse (long-poll)
//   GET  /v1/ns/{ns}/history?path=P[&cursor=N&limit=M]      -> ListResponse layout: the
//        path's versions in "entries" (DecodeListResponse reads it)
//   GET  /v1/health                                         -> {"ok":true}
//
// Namespaces ({ns}: [A-Za-z0-9._-]{1,64}) are created by their first commit or move; list and
// notify of one that does not exist answer as an empty namespace.
// Thread-safe: handlers run on any server thread at once. The service must outlive the
// handlers.
#pragma once

#include <chrono>
#include <cstddef>

#include "common/http/server.h"
#include "metaserver/ns/namespace_service.h"

namespace tessera::metaserver::api {

struct HandlerOptions {
  size_t default_list_limit = 1'000;
  std::chrono::milliseconds default_notify_timeout{30'000};
  // Held longer than this, a long-poll would outlive the HTTP server's max_hold.
  std::chrono::milliseconds max_notify_timeout{60'000};
};

class JsonApi {
 public:
  explicit JsonApi(ns::NamespaceService& service, HandlerOptions options = {});
  JsonApi(const JsonApi&) = delete;
  JsonApi& operator=(const JsonApi&) = delete;

  common::http::Response Health(const common::http::Request& request);
  common::http::Response CommitBatch(const common::http::Request& request);
  common::http::Response Move(const common::http::Request& request);
  // POST /v1/ns/{ns}/missing_blocks (wire::MissingBlocksRequest).
  common::http::Response MissingBlocks(const common::http::Request& request);
  common::http::Response List(const common::http::Request& request);
  common::http::Response History(const common::http::Request& request);
  common::http::Response Entry(const common::http::Request& request);
  // Answers at once when the namespace's head differs from `cursor`, otherwise when a commit
  // moves it or at the timeout (capped at max_notify_timeout), with the head at that moment.
  void Notify(const common::http::Request& request, common::http::Responder responder);

 private:
  common::Result<common::http::Response> DoCommitBatch(const common::http::Request& request);
  common::Result<common::http::Response> DoMove(const common::http::Request& request);
  common::Result<common::http::Response> DoMissingBlocks(const common::http::Request& request);
  common::Result<common::http::Response> DoList(const common::http::Request& request);
  common::Result<common::http::Response> DoHistory(const common::http::Request& request);
  common::Result<common::http::Response> DoEntry(const common::http::Request& request);
  common::Status DoNotify(const common::http::Request& request,
                          const common::http::Responder& responder);

  ns::NamespaceService& service_;
  const HandlerOptions options_;
};

}  // namespace tessera::metaserver::api
