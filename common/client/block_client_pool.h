// common/client/block_client_pool.h
//
// BlockClientPool: BlockClients (block_client.h) to one blockserver shared by many threads,
// e.g. the metaserver's concurrent commits. Each Lease() hands one client to the calling thread
// for as long as the lease lives; a few idle clients (each one keep-alive connection) are kept
// for the next leases, more are made on demand. A lease whose call failed is Discard()ed, so a
// broken connection is not handed out again.
// Thread-safe. `log` must outlive the pool and the pool every lease.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "common/client/block_client.h"
#include "common/http/client.h"
#include "common/log.h"
#include "common/mutex.h"
#include "common/result.h"

namespace tessera::common::client {

class BlockClientPool {
 public:
  // Validates `base_url` now (InvalidArgument when it is not http://host:port[/prefix]), so a
  // typo fails at startup; does not connect.
  static Result<std::unique_ptr<BlockClientPool>> Create(std::string base_url, Logger& log,
                                                         http::ClientOptions options,
                                                         size_t max_idle = 4);
  BlockClientPool(const BlockClientPool&) = delete;
  BlockClientPool& operator=(const BlockClientPool&) = delete;

  // One client, this thread's until the lease is destroyed (then back to the pool).
  class Lease {
   public:
    Lease(BlockClientPool* pool, std::unique_ptr<BlockClient> client)
        : pool_(pool), client_(std::move(client)) {}
    ~Lease();
    Lease(Lease&& o) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    BlockClient& operator*() const { return *client_; }
    BlockClient* operator->() const { return client_.get(); }
    // The client is dropped instead of returned (its connection may be broken).
    void Discard() { client_.reset(); }

   private:
    BlockClientPool* pool_;
    std::unique_ptr<BlockClient> client_;
  };

  // An idle client, or a new one.
  Result<Lease> Acquire();

  const std::string& url() const { return url_; }
  size_t idle() const;

 private:
  BlockClientPool(std::string url, Logger& log, http::ClientOptions options, size_t max_idle)
      : url_(std::move(url)), log_(log), options_(options), max_idle_(max_idle) {}
  void Return(std::unique_ptr<BlockClient> client);

  const std::string url_;
  Logger& log_;
  const http::ClientOptions options_;
  const size_t max_idle_;
  mutable Mutex mutex_;
  std::vector<std::unique_ptr<BlockClient>> idle_ TESSERA_GUARDED_BY(mutex_);
};

}  // namespace tessera::common::client
