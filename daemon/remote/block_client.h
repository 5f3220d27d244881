// daemon/remote/block_client.h
//
// BlockClient: the blockserver API as typed calls (has, store_batch, retrieve_batch) over one
// HttpClient. Every block retrieved is verified against its id (wire::VerifyBlock); a block that
// does not verify is refused (logged, returned as absent) and never reaches the caller's disk.
// Errors as in MetaClient. Not thread-safe: one client per thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/http/client.h"
#include "common/log.h"
#include "common/result.h"
#include "common/wire/block_messages.h"

namespace tessera::daemon::remote {

// Callers keep each request under these bounds.
inline constexpr uint64_t kMaxBatchBytes = 8ull << 20;
inline constexpr size_t kMaxBatchBlocks = 4096;

class BlockClient {
 public:
  // `log` must outlive the client.
  static common::Result<std::unique_ptr<BlockClient>> Create(const std::string& base_url,
                                                             common::Logger& log);

  // The ids among `ids` the server does not have.
  common::Result<std::vector<common::BlockId>> Has(const std::vector<common::BlockId>& ids);
  common::Status StoreBatch(const common::wire::BlockBatch& batch);
  // One entry per id, in order; data == nullopt when the server lacks the block or sent bytes
  // that do not match the id (`*refused` counts those).
  common::Result<std::vector<common::wire::Block>> RetrieveBatch(
      const std::vector<common::BlockId>& ids, size_t* refused);

 private:
  BlockClient(std::unique_ptr<common::http::HttpClient> http, common::Logger& log)
      : http_(std::move(http)), log_(log) {}
  std::unique_ptr<common::http::HttpClient> http_;
  common::Logger& log_;
};

}  // namespace tessera::daemon::remote
