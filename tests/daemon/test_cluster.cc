#include "tests/daemon/test_cluster.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "blockserver/api/routes.h"
#include "common/check.h"

namespace tessera::daemon::testing {

TestServers::TestServers() {
  auto store = blockserver::FileBlockStore::Open(dir_.Sub("blocks"), env_);
  TESSERA_CHECK(store.ok());
  store_ = std::move(*store);
  router_ = std::make_unique<common::http::Router>();
  blockserver::api::RegisterRoutes(*router_, *store_);
  common::http::ServerOptions options;
  options.listen = "127.0.0.1:0";
  auto server = common::http::HttpServer::Start(options, *router_, log_);
  TESSERA_CHECK(server.ok());
  block_server_ = std::move(*server);
  metaserver::ServiceOptions meta_options;
  meta_options.listen = "127.0.0.1:0";
  meta_options.data_dir = dir_.Sub("meta");
  meta_options.blockserver_url = block_server_->url();
  auto meta = metaserver::Service::Start(meta_options, env_, log_);
  TESSERA_CHECK(meta.ok());
  meta_ = std::move(*meta);
}

TestServers::~TestServers() {
  meta_.reset();
  block_server_.reset();
}

std::string TestServers::meta_url() const {
  return "http://127.0.0.1:" + std::to_string(meta_->port());
}
std::string TestServers::block_url() const { return block_server_->url(); }

SyncStack::SyncStack(TestServers& servers, common::Env& env, common::Logger& log,
                     const std::string& root, const std::string& state, const std::string& device,
                     size_t paths_per_pass, int passes_per_process, size_t commit_batch_items) {
  auto index = index::Index::Open(state + "/index.db");
  TESSERA_CHECK(index.ok());
  index_ = std::move(*index);
  scanner_ = std::make_unique<scanner::Scanner>(env, *index_, log, root, state);
  auto meta = common::client::MetaClient::Create(servers.meta_url(), "default");
  TESSERA_CHECK(meta.ok());
  meta_ = std::move(*meta);
  auto blocks = common::client::BlockClient::Create(servers.block_url(), log);
  TESSERA_CHECK(blocks.ok());
  blocks_ = std::move(*blocks);
  syncer::SyncConfig config{root, state, "default", device, paths_per_pass, passes_per_process};
  config.commit_batch_items = commit_batch_items;
  auto engine =
      syncer::SyncEngine::Create(env, *index_, *scanner_, log, *meta_, *blocks_, std::move(config));
  TESSERA_CHECK(engine.ok());
  engine_ = std::move(*engine);
}

common::Status SyncStack::Sync() {
  auto scan = scanner_->FullScan();
  if (!scan.ok()) return scan.status();
  common::Status s = engine_->Pull();
  for (int i = 0; s.ok() && i < 10; ++i) {
    s = engine_->Process();
    if (!s.ok() || !engine_->pull_needed()) break;
    s = engine_->Pull();
  }
  return s;
}

TestPeer::TestPeer(TestServers& servers, const std::string& device)
    : TestPeer(servers, device, syncer::SyncConfig().paths_per_pass,
               syncer::SyncConfig().passes_per_process) {}

TestPeer::TestPeer(TestServers& servers, const std::string& device, size_t paths_per_pass,
                   int passes_per_process, size_t commit_batch_items)
    : stack_(std::make_unique<SyncStack>(servers, env_, log_, root_.path(), state_.path(), device,
                                         paths_per_pass, passes_per_process, commit_batch_items)) {}

void WriteFile(const std::string& path, std::string_view data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
  TESSERA_CHECK(f.good());
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::map<std::string, std::string> TreeOf(const std::string& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    const std::string rel = e.path().string().substr(root.size() + 1);
    if (rel == scanner::kFolderMarker) continue;  // each desktop's own, never synced
    out[rel] = e.is_directory() ? "<dir>" : ReadFile(e.path().string());
  }
  return out;
}

}  // namespace tessera::daemon::testing
