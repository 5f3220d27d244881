#include "blockserver/api/routes.h"

#include "blockserver/api/block_handlers.h"

namespace tessera::blockserver::api {

// Request body limits (after inflating; docs/protocol.md, "Limits"). has and retrieve_batch
// carry up to kMaxIdsPerRequest ids as hex JSON (~7 MB); store_batch carries block bytes and
// keeps the server's limit (max_body_bytes, 64 MiB by default; the daemon sends at most
// common::client::kMaxBatchBytes, 8 MiB, a request).
constexpr uint64_t kMaxIdsBodyBytes = 8ull << 20;

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
  router.SetBodyLimit("POST", "/v1/blocks/has", kMaxIdsBodyBytes);
  router.SetBodyLimit("POST", "/v1/blocks/retrieve_batch", kMaxIdsBodyBytes);
  router.SetBodyLimit("GET", "/v1/health", 64ull << 10);
}

}  // namespace tessera::blockserver::api
