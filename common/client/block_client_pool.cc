#include "common/client/block_client_pool.h"

#include <utility>

namespace tessera::common::client {

Result<std::unique_ptr<BlockClientPool>> BlockClientPool::Create(std::string base_url, Logger& log,
                                                                 http::ClientOptions options,
                                                                 size_t max_idle) {
  TESSERA_ASSIGN_OR_RETURN(auto first, BlockClient::Create(base_url, log, options));
  std::unique_ptr<BlockClientPool> pool(
      new BlockClientPool(std::move(base_url), log, options, max_idle));
  pool->Return(std::move(first));
  return pool;
}

BlockClientPool::Lease::~Lease() {
  if (client_ != nullptr && pool_ != nullptr) pool_->Return(std::move(client_));
}

Result<BlockClientPool::Lease> BlockClientPool::Acquire() {
  {
    MutexLock lock(mutex_);
    if (!idle_.empty()) {
      auto client = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(client));
    }
  }
  TESSERA_ASSIGN_OR_RETURN(auto client, BlockClient::Create(url_, log_, options_));
  return Lease(this, std::move(client));
}

size_t BlockClientPool::idle() const {
  MutexLock lock(mutex_);
  return idle_.size();
}

void BlockClientPool::Return(std::unique_ptr<BlockClient> client) {
  MutexLock lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(client));
}

}  // namespace tessera::common::client
