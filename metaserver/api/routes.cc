#include "metaserver/api/routes.h"

#include <utility>

namespace tessera::metaserver::api {

using common::http::Request;
using common::http::Responder;
using common::http::Response;

// Request body limits (after inflating; docs/protocol.md, "Limits"). A commit batch is the
// largest message: the daemon keeps a batch under ~4 MiB of JSON (500 items, its estimate of
// 100 bytes a block ref), alone a single file's full blocklist of up to ~160k blocks (a file of
// ~160 GiB at the 1 MiB average chunk) fits. A move names up to kMaxMovePaths paths; a missing
// report up to kMaxWantedIds ids.
constexpr uint64_t kMaxCommitBodyBytes = 16ull << 20;
constexpr uint64_t kMaxMoveBodyBytes = 16ull << 20;
constexpr uint64_t kMaxMissingBodyBytes = 1ull << 20;
// The GET routes take no body.
constexpr uint64_t kMaxGetBodyBytes = 64ull << 10;

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
  router.SetBodyLimit("POST", "/v1/ns/{ns}/commit_batch", kMaxCommitBodyBytes);
  router.SetBodyLimit("POST", "/v1/ns/{ns}/move", kMaxMoveBodyBytes);
  router.SetBodyLimit("POST", "/v1/ns/{ns}/missing_blocks", kMaxMissingBodyBytes);
  for (const char* get : {"/v1/health", "/v1/ns/{ns}/list", "/v1/ns/{ns}/history",
                          "/v1/ns/{ns}/entry", "/v1/ns/{ns}/notify"}) {
    router.SetBodyLimit("GET", get, kMaxGetBodyBytes);
  }
}

}  // namespace tessera::metaserver::api
