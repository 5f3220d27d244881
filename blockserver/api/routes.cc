#include "blockserver/api/routes.h"

#include "blockserver/api/block_handlers.h"

namespace tessera::blockserver::api {

void RegisterRoutes(common::http::Router& router, BlockStore& store) {
  // Sync routes: the store calls (engine writes wait for its fsync) run on the server's
  // workers, never on an I/O thread.
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
