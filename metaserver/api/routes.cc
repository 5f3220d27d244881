#include "metaserver/api/routes.h"

#include <utility>

namespace tessera::metaserver::api {

using common::http::Request;
using common::http::Responder;
using common::http::Response;

void AddRoutes(JsonApi& api, common::http::Router& router) {
  JsonApi* a = &api;
  router.AddSync("GET", "/v1/health", [a](const Request& r) { return a->Health(r); });
  router.AddSync("POST", "/v1/ns/{ns}/commit_batch",
                 [a](const Request& r) { return a->CommitBatch(r); });
  router.AddSync("POST", "/v1/ns/{ns}/move", [a](const Request& r) { return a->Move(r); });
  router.AddSync("POST", "/v1/ns/{ns}/missing_blocks",
                 [a](const Request& r) { return a->MissingBlocks(r); });
  router.AddSync("GET", "/v1/ns/{ns}/list", [a](const Request& r) { return a->List(r); });
  router.AddSync("GET", "/v1/ns/{ns}/history", [a](const Request& r) { return a->History(r); });
  router.AddSync("GET", "/v1/ns/{ns}/entry", [a](const Request& r) { return a->Entry(r); });
  router.Add("GET", "/v1/ns/{ns}/notify",
             [a](Request r, Responder responder) { a->Notify(r, std::move(responder)); });
}

}  // namespace tessera::metaserver::api
