// metaserver/api/journal_handlers.h
//
// The metaserver's HTTP API as functions from a parsed request to a response; no sockets here
// (routes.h wires them to a Router). Every Status becomes an HTTP answer through
// common::http::ErrorResponse: 400 bad input, 404 unknown namespace, 503 blockserver down or
// too many long-polls, 500 anything else.
//
//   POST /v1/ns/{ns}/commit_batch   wire CommitBatchRequest -> CommitBatchResponse
//   GET  /v1/ns/{ns}/list?cursor=N&limit=M[&deltas=1]       -> ListResponse (deltas=1: file
//        blocklists as deltas against the path's previous entry where smaller)
//   GET  /v1/ns/{ns}/entry?jid=N                            -> one JournalEntry, full list
//   GET  /v1/ns/{ns}/notify?cursor=N&timeout_ms=T           -> NotifyResponse (long-poll)
//   GET  /v1/ns/{ns}/history?path=P[&cursor=N&limit=M]      -> ListResponse layout: the
//        path's versions in "entries" (DecodeListResponse reads it)
//   GET  /v1/health                                         -> {"ok":true}
//
// Namespaces ({ns}: [A-Za-z0-9._-]{1,64}) are created by their first commit, list or notify.
// Thread-safe: handlers run on any server thread at once. The journal, notifier, logger and
// whatever `missing_blocks` refers to must outlive the handlers.
#pragma once

#include <chrono>
#include <cstddef>

#include "common/http/server.h"
#include "common/log.h"
#include "metaserver/journal/journal.h"
#include "metaserver/notifier.h"

namespace tessera::metaserver::api {

struct HandlerOptions {
  size_t default_list_limit = 1'000;
  std::chrono::milliseconds default_notify_timeout{30'000};
  std::chrono::milliseconds max_notify_timeout{60'000};
};

class JournalHandlers {
 public:
  // `missing_blocks` asks the block store (BlockChecker::Missing in production).
  JournalHandlers(journal::Journal& journal, Notifier& notifier,
                  journal::MissingBlocksFn missing_blocks, common::Logger& log,
                  HandlerOptions options = {});
  JournalHandlers(const JournalHandlers&) = delete;
  JournalHandlers& operator=(const JournalHandlers&) = delete;

  common::http::Response CommitBatch(const common::http::Request& request);
  common::http::Response List(const common::http::Request& request);
  common::http::Response History(const common::http::Request& request);
  common::http::Response Entry(const common::http::Request& request);
  common::http::Response Health(const common::http::Request& request);
  // Answers at once when the namespace's head differs from `cursor`, otherwise when a commit
  // moves it or at the timeout (capped at max_notify_timeout), with the head at that moment.
  void Notify(const common::http::Request& request, common::http::Responder responder);

  // What the handlers use, for the routes of move_handler.h (AddRoutes builds those from these).
  journal::Journal& journal() const { return journal_; }
  Notifier& notifier() const { return notifier_; }
  common::Logger& log() const { return log_; }
  const HandlerOptions& options() const { return options_; }

 private:
  common::Result<common::http::Response> DoCommitBatch(const common::http::Request& request);
  common::Result<common::http::Response> DoList(const common::http::Request& request);
  common::Result<common::http::Response> DoHistory(const common::http::Request& request);
  common::Result<common::http::Response> DoEntry(const common::http::Request& request);
  common::Status DoNotify(const common::http::Request& request,
                          const common::http::Responder& responder);
  // Validates {ns} and finds (or creates) its id.
  common::Result<uint64_t> Namespace(const common::http::Request& request, bool create);

  journal::Journal& journal_;
  Notifier& notifier_;
  const journal::MissingBlocksFn missing_blocks_;
  common::Logger& log_;
  const HandlerOptions options_;
};

}  // namespace tessera::metaserver::api
