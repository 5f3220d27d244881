// tests/daemon/test_cluster.h
//
// In-process servers and daemons for the daemon tests: TestServers runs a real blockserver
// (file store) and metaserver on 127.0.0.1:0 in temp dirs; TestPeer is one daemon's sync stack
// (index, scanner, clients, SyncEngine) over its own root and state dir, driven by hand with
// Sync() instead of threads so tests are deterministic. Not thread-safe; one test owns them.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "blockserver/store/file_block_store.h"
#include "common/client/block_client.h"
#include "common/client/meta_client.h"
#include "common/env.h"
#include "common/http/server.h"
#include "common/log.h"
#include "daemon/index/index.h"
#include "daemon/scanner/scanner.h"
#include "daemon/syncer/sync_engine.h"
#include "metaserver/service.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::daemon::testing {

class TestServers {
 public:
  TestServers();
  ~TestServers();
  std::string meta_url() const;
  std::string block_url() const;
  // Where the blockserver's FileBlockStore keeps its block files (to lose or damage one).
  std::string block_dir() const { return dir_.Sub("blocks"); }
  common::Logger& log() { return log_; }
  common::PosixEnv& env() { return env_; }

 private:
  testutil::TempDir dir_;
  common::PosixEnv env_;
  common::Logger log_{common::LogLevel::kWarn};
  std::unique_ptr<blockserver::FileBlockStore> store_;
  std::unique_ptr<common::http::Router> router_;
  std::unique_ptr<common::http::HttpServer> block_server_;
  std::unique_ptr<metaserver::Service> meta_;
};

// One daemon's sync stack (index, scanner, clients, SyncEngine) over a root and state dir it
// does not own, on the Env given. Tearing it down and making it again simulates a restart: the
// index is reopened from the state dir.
class SyncStack {
 public:
  SyncStack(TestServers& servers, common::Env& env, common::Logger& log, const std::string& root,
            const std::string& state, const std::string& device,
            size_t paths_per_pass = syncer::SyncConfig().paths_per_pass,
            int passes_per_process = syncer::SyncConfig().passes_per_process,
            size_t commit_batch_items = syncer::SyncConfig().commit_batch_items);
  // Full scan, pull, process until nothing is left (or an error); returns the last status.
  common::Status Sync();
  index::Index& index() { return *index_; }
  scanner::Scanner& scanner() { return *scanner_; }
  syncer::SyncEngine& engine() { return *engine_; }
  common::client::MetaClient& meta() { return *meta_; }
  common::client::BlockClient& blocks() { return *blocks_; }

 private:
  std::unique_ptr<index::Index> index_;
  std::unique_ptr<scanner::Scanner> scanner_;
  std::unique_ptr<common::client::MetaClient> meta_;
  std::unique_ptr<common::client::BlockClient> blocks_;
  std::unique_ptr<syncer::SyncEngine> engine_;
};

// A SyncStack on the real Env over temp dirs of its own.
class TestPeer {
 public:
  TestPeer(TestServers& servers, const std::string& device);
  // With the engine's per-call bounds (SyncConfig::paths_per_pass, passes_per_process) and
  // the size of its commit batches set.
  TestPeer(TestServers& servers, const std::string& device, size_t paths_per_pass,
           int passes_per_process,
           size_t commit_batch_items = syncer::SyncConfig().commit_batch_items);
  common::Status Sync() { return stack_->Sync(); }
  std::string root() const { return root_.path(); }
  std::string Abs(const std::string& rel) const { return root_.path() + "/" + rel; }
  std::string state() const { return state_.path(); }
  index::Index& index() { return stack_->index(); }
  scanner::Scanner& scanner() { return stack_->scanner(); }
  syncer::SyncEngine& engine() { return stack_->engine(); }
  common::client::MetaClient& meta() { return stack_->meta(); }
  common::client::BlockClient& blocks() { return stack_->blocks(); }
  common::Logger& log() { return log_; }

 private:
  testutil::TempDir root_;
  testutil::TempDir state_;
  common::PosixEnv env_;
  common::Logger log_{common::LogLevel::kWarn};
  std::unique_ptr<SyncStack> stack_;
};

// Helpers on real files.
void WriteFile(const std::string& path, std::string_view data);
std::string ReadFile(const std::string& path);
bool Exists(const std::string& path);
// Every path under `root` (relative) with its content, or "<dir>"; symlinks are followed.
std::map<std::string, std::string> TreeOf(const std::string& root);

}  // namespace tessera::daemon::testing
