#include "metaserver/api/routes.h"

namespace tessera::metaserver::api {

using common::http::Request;
using common::http::Responder;
using common::http::Response;

void AddRoutes(JournalHandlers& handlers, common::http::Router& router) {
  JournalHandlers* h = &handlers;
  router.AddSync("GET", "/v1/health", [h](const Request& r) { return h->Health(r); });
  router.AddSync("POST", "/v1/ns/{ns}/commit_batch",
                 [h](const Request& r) { return h->CommitBatch(r); });
  router.AddSync("GET", "/v1/ns/{ns}/list", [h](const Request& r) { return h->List(r); });
  router.AddSync("GET", "/v1/ns/{ns}/history", [h](const Request& r) { return h->History(r); });
  router.Add("GET", "/v1/ns/{ns}/notify",
             [h](Request r, Responder responder) { h->Notify(r, std::move(responder)); });
}

}  // namespace tessera::metaserver::api
