#include "metaserver/service.h"

#include <chrono>
#include <vector>

#include "common/auth/jwks.h"
#include "common/lock_file.h"
#include "metaserver/api/routes.h"

namespace tessera::metaserver {

common::Result<std::unique_ptr<Service>> Service::Start(const ServiceOptions& options,
                                                        common::Env& env, common::Logger& log) {
  if (options.data_dir.empty()) return common::InvalidArgument("no data directory");
  if (options.threads < 1) return common::InvalidArgument("threads must be at least 1");
  if (options.workers < 1) return common::InvalidArgument("workers must be at least 1");
  std::unique_ptr<Service> service(new Service());
  // The URL first: a typo must not leave a fresh journal behind.
  TESSERA_ASSIGN_OR_RETURN(service->block_clients_, common::client::BlockClientPool::Create(
                                                        options.blockserver_url, log,
                                                        ns::RemoteBlockAccess::DefaultOptions()));
  service->blocks_ = std::make_unique<ns::RemoteBlockAccess>(*service->block_clients_);
  TESSERA_RETURN_IF_ERROR(env.CreateDirs(options.data_dir));
  // One metaserver per journal: a second one on the same data would corrupt it.
  auto lock = common::LockFile::Acquire(options.data_dir, "metaserver.lock", "tessera-metaserver");
  if (!lock.ok()) {
    if (lock.status().code() != common::Code::kConflict) return lock.status();
    return common::Conflict(lock.status().message() +
                            ": stop that server first, or give this one its own --data");
  }
  service->lock_ = std::move(lock).value();
  TESSERA_ASSIGN_OR_RETURN(service->store_, journal::sqlite::SqliteJournalStore::Open(
                                                options.data_dir + "/journal.db", log));
  service->journal_ = std::make_unique<journal::Journal>(*service->store_, env, log);
  service->notifier_ = std::make_unique<ns::Notifier>(options.notifier);
  service->namespaces_ = std::make_unique<ns::NamespaceService>(
      *service->journal_, *service->notifier_, *service->blocks_, log, options.namespaces);
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(env.Now().time_since_epoch()).count();
  TESSERA_ASSIGN_OR_RETURN(auto keys, tokens::TokenKeys::Open(env, options.data_dir, now));
  service->token_keys_ = std::make_unique<tokens::TokenKeys>(std::move(keys));
  std::vector<common::auth::VerifyKey> verify;
  for (const auto& k : service->token_keys_->verify_keys()) {
    TESSERA_ASSIGN_OR_RETURN(auto copy, common::auth::VerifyKey::FromRaw(k.kid(), k.PublicRaw()));
    verify.push_back(std::move(copy));
  }
  service->token_verify_keys_.Set(std::move(verify));
  service->api_ = std::make_unique<api::JsonApi>(*service->namespaces_, options.handlers);
  service->router_ = std::make_unique<common::http::Router>();
  api::AddRoutes(*service->api_, *service->router_);
  // The public keys that verify access tokens, for the blockserver (no secret in it).
  service->router_->AddSync(
      "GET", "/v1/auth/keys", [s = service.get()](const common::http::Request&) {
        return common::http::JsonResponse(common::auth::EncodeJwks(*s->token_verify_keys_.Get()));
      });

  common::http::ServerOptions server_options;
  server_options.listen = options.listen;
  server_options.threads = options.threads;
  server_options.workers = options.workers;
  server_options.max_body_bytes = options.max_body_bytes;
  // A long-poll may be held for the longest notify timeout; give the server some slack on top.
  server_options.max_hold = options.handlers.max_notify_timeout + std::chrono::milliseconds(30'000);
  TESSERA_ASSIGN_OR_RETURN(service->server_,
                           common::http::HttpServer::Start(server_options, *service->router_, log));
  return service;
}

Service::~Service() { Stop(); }

uint16_t Service::port() const { return server_->port(); }

void Service::Stop() {
  if (server_ != nullptr) server_->Stop();
}

}  // namespace tessera::metaserver
