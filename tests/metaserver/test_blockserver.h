// tests/metaserver/test_blockserver.h
//
// TestBlockServer: a real blockserver in-process (FileBlockStore in a temp dir, the block API's
// routes, an HttpServer on 127.0.0.1:0) for tests of what talks to one: the namespace service
// and the typed clients. Binaries that use it link tessera_blockserver. Not thread-safe to
// build or destroy; the server itself serves any number of clients at once.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "blockserver/api/routes.h"
#include "blockserver/store/file_block_store.h"
#include "common/env.h"
#include "common/http/server.h"
#include "common/log.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::metaserver::testing {

class TestBlockServer {
 public:
  explicit TestBlockServer(common::Logger& log) {
    auto store = blockserver::FileBlockStore::Open(dir_.Sub("blocks"), env_);
    REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    store_ = std::move(store).value();
    blockserver::api::RegisterRoutes(router_, *store_);
    auto server = common::http::HttpServer::Start({}, router_, log);
    REQUIRE_MESSAGE(server.ok(), server.status().ToString());
    server_ = std::move(server).value();
  }

  std::string url() const { return server_->url(); }
  blockserver::BlockStore& store() { return *store_; }
  // Gone for good: the listening socket is closed, so connecting is refused.
  void Kill() { server_.reset(); }

 private:
  testutil::TempDir dir_;
  common::PosixEnv env_;
  std::unique_ptr<blockserver::FileBlockStore> store_;
  common::http::Router router_;
  std::unique_ptr<common::http::HttpServer> server_;  // last: stops first
};

}  // namespace tessera::metaserver::testing
