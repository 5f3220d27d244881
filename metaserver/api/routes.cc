#include "metaserver/api/routes.h"

#include <memory>

#include "metaserver/api/move_handler.h"

namespace tessera::metaserver::api {

using common::http::Request;
using common::http::Responder;
using common::http::Response;

void AddRoutes(JournalHandlers& handlers, common::http::Router& router) {
  JournalHandlers* h = &handlers;
  router.AddSync("GET", "/v1/health", [h](const Request& r) { return h->Health(r); });
  router.AddSync("POST", "/v1/ns/{ns}/commit_batch",
                 [h](const Request& r) { return h->CommitBatch(r); });
  // Subtree moves (move_handler.h): POST move, and list?moves=1 folds each move into one entry.
  auto moves =
      std::make_shared<MoveHandlers>(handlers.journal(), handlers.notifier(), handlers.log(),
                                     handlers.options().default_list_limit);
  router.AddSync("POST", "/v1/ns/{ns}/move", [moves](const Request& r) { return moves->Move(r); });
  router.AddSync("GET", "/v1/ns/{ns}/list", [h, moves](const Request& r) {
    return MoveHandlers::WantsMoves(r) ? moves->List(r) : h->List(r);
  });
  router.AddSync("GET", "/v1/ns/{ns}/history", [h](const Request& r) { return h->History(r); });
  router.AddSync("GET", "/v1/ns/{ns}/entry", [h](const Request& r) { return h->Entry(r); });
  router.Add("GET", "/v1/ns/{ns}/notify",
             [h](Request r, Responder responder) { h->Notify(r, std::move(responder)); });
}

}  // namespace tessera::metaserver::api
