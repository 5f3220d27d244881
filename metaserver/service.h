// metaserver/service.h
//
// Service: one running metaserver, wired from its seams in dependency order and torn down in
// reverse (the server stops first, so no handler runs while what it uses is destroyed):
//
//   blockserver client pool -> RemoteBlockAccess (ns/)      the block store, for commits
//   SqliteJournalStore (journal/sqlite/) -> Journal         the journal's storage and rules
//   Notifier, NamespaceService (ns/)                        every way in calls the service
//   TokenKeys (tokens/) -> KeyRing, GET /v1/auth/keys        access-token keys (JWKS)
//   JsonApi + routes (api/) -> Router -> HttpServer         the JSON API, one adapter
//
// main.cc is a thin shell around it; tests run it in-process on 127.0.0.1:0.
// Thread-safe: Stop() may be called from any thread; it is idempotent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/auth/key_ring.h"
#include "common/client/block_client_pool.h"
#include "common/env.h"
#include "common/http/server.h"
#include "common/lock_file.h"
#include "common/log.h"
#include "common/result.h"
#include "metaserver/api/json_api.h"
#include "metaserver/journal/journal.h"
#include "metaserver/journal/sqlite/sqlite_store.h"
#include "metaserver/ns/namespace_service.h"
#include "metaserver/ns/notifier.h"
#include "metaserver/ns/remote_block_access.h"
#include "metaserver/tokens/token_keys.h"

namespace tessera::metaserver {

struct ServiceOptions {
  std::string listen = "127.0.0.1:8610";  // HOST:PORT; port 0 picks a free one
  std::string data_dir;                   // holds journal.db; created if missing
  std::string blockserver_url = "http://127.0.0.1:8611";
  int threads = 2;  // HTTP I/O threads
  int workers = 4;  // threads running the journal's handlers (SQLite, fsync)
  uint64_t max_body_bytes = 64ull << 20;
  ns::NotifierOptions notifier;
  ns::NamespaceServiceOptions namespaces;
  api::HandlerOptions handlers;
};

class Service {
 public:
  // Opens the journal and starts listening. InvalidArgument for a bad blockserver URL or listen
  // address, IOError when the data directory or journal cannot be opened or the port is taken.
  // `env` and `log` must outlive the service.
  static common::Result<std::unique_ptr<Service>> Start(const ServiceOptions& options,
                                                        common::Env& env, common::Logger& log);
  ~Service();  // Stop()s
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  uint16_t port() const;
  // Stops the HTTP server (joining its threads). Idempotent.
  void Stop();

  journal::Journal& journal() { return *journal_; }
  ns::Notifier& notifier() { return *notifier_; }
  ns::NamespaceService& namespaces() { return *namespaces_; }
  const common::auth::KeyRing& token_verify_keys() const { return token_verify_keys_; }

 private:
  Service() = default;

  // Declaration order is construction order; destruction runs backwards, server first.
  std::unique_ptr<common::LockFile> lock_;  // first made, last gone: the data dir is ours
  std::unique_ptr<common::client::BlockClientPool> block_clients_;
  std::unique_ptr<ns::RemoteBlockAccess> blocks_;
  std::unique_ptr<journal::sqlite::SqliteJournalStore> store_;
  std::unique_ptr<journal::Journal> journal_;
  std::unique_ptr<ns::Notifier> notifier_;
  std::unique_ptr<ns::NamespaceService> namespaces_;
  // The token signing keys (DATA/token-keys/) and their public half, served at /v1/auth/keys.
  std::unique_ptr<tokens::TokenKeys> token_keys_;
  common::auth::KeyRing token_verify_keys_;
  std::unique_ptr<api::JsonApi> api_;
  std::unique_ptr<common::http::Router> router_;
  std::unique_ptr<common::http::HttpServer> server_;
};

}  // namespace tessera::metaserver
