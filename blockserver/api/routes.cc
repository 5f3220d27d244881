#include "blockserver/api/routes.h"

#include "blockserver/api/block_handlers.h"

namespace tessera::blockserver::api {

void RegisterRoutes(common::http::Router& router, BlockStore& store) {
  // TODO(#net-1): run store calls on a worker pool so fsyncs never block io threads.
  router.AddSync("POST", "/v1/blocks/has",
                 [&store](const common::http::Request& r) { return HandleHas(store, r); });
  router.AddSync("POST", "/v1/blocks/store_batch",
                 [&store](const common::http::Request& r) { return HandleStoreBatch(store, r); });
  router.AddSync("POST", "/v1/blocks/retrieve_batch", [&store](const common::http::Request& r) {
    return HandleRetrieveBatch(store, r);
  });
  router.AddSync("GET", "/v1/health", HandleHealth);
}

}  // namespace tessera::blockserver::api
