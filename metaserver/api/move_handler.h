// metaserver/api/move_handler.h
//
// The subtree-move half of the metaserver's HTTP API (docs/protocol.md, "Subtree moves"):
//
//   POST /v1/ns/{ns}/move                        wire MoveRequest -> MoveResponse
//   GET  /v1/ns/{ns}/list?...&moves=1            a listing where each move is one entry
//                                                (Journal::ListMoves); without moves=1 the
//                                                plain listing (JournalHandlers::List)
//
// Every Status becomes an HTTP answer through common::http::ErrorResponse, as in
// journal_handlers.h. Thread-safe; the journal, notifier and logger must outlive it.
#pragma once

#include <cstddef>

#include "common/http/server.h"
#include "common/log.h"
#include "metaserver/journal/journal.h"
#include "metaserver/notifier.h"

namespace tessera::metaserver::api {

class MoveHandlers {
 public:
  MoveHandlers(journal::Journal& journal, Notifier& notifier, common::Logger& log,
               size_t default_list_limit = 1'000)
      : journal_(journal),
        notifier_(notifier),
        log_(log),
        default_list_limit_(default_list_limit) {}
  MoveHandlers(const MoveHandlers&) = delete;
  MoveHandlers& operator=(const MoveHandlers&) = delete;

  common::http::Response Move(const common::http::Request& request);
  // Whether the request asks for folded moves (query "moves=1"; any other value is not).
  static bool WantsMoves(const common::http::Request& request);
  // GET list with moves=1.
  common::http::Response List(const common::http::Request& request);

 private:
  common::Result<common::http::Response> DoMove(const common::http::Request& request);
  common::Result<common::http::Response> DoList(const common::http::Request& request);
  common::Result<uint64_t> Namespace(const common::http::Request& request);

  journal::Journal& journal_;
  Notifier& notifier_;
  common::Logger& log_;
  const size_t default_list_limit_;
};

}  // namespace tessera::metaserver::api
