// common/client/block_client.h
//
// BlockClient: the blockserver API (docs/protocol.md) as typed calls (has, store_batch,
// retrieve_batch) over one HttpClient; the one place that speaks it for the daemon and the
// metaserver alike (block_client_pool.h shares clients between threads). Every block retrieved is
// verified against its id (wire::VerifyBlock); a block that does not verify is refused (logged,
// returned as absent) and never reaches the caller's disk. Blocks may travel as rsync deltas
// against a base block (docs/protocol.md): a stored block carrying a wire::BlockDelta goes as a
// delta when that is smaller, and is resent whole when the server refuses it; a retrieved delta is
// patched against the caller's base bytes and verified like any block, and fetched again whole when
// that fails. Errors: transport failures are kUnavailable; other answers than 200 as HttpError
// (http_error.h); a body that does not decode is Corruption. Not thread-safe: one client per
// thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/http/client.h"
#include "common/log.h"
#include "common/result.h"
#include "common/wire/block_messages.h"

namespace tessera::common::client {

// Callers keep each request under these bounds.
inline constexpr uint64_t kMaxBatchBytes = 8ull << 20;
inline constexpr size_t kMaxBatchBlocks = 4096;

// What went over the wire, for tests and benchmarks. Body bytes are the plain frames and JSON
// (before any HTTP Content-Encoding).
struct BlockClientStats {
  uint64_t store_requests = 0;
  uint64_t store_body_bytes = 0;  // store_batch request bodies
  uint64_t retrieve_requests = 0;
  uint64_t retrieve_body_bytes = 0;  // retrieve_batch request plus response bodies
  uint64_t deltas_sent = 0;          // delta records in store batches the server accepted
  uint64_t deltas_received = 0;      // delta records patched and verified
  uint64_t delta_fallbacks = 0;      // batches resent whole, deltas fetched again whole

  BlockClientStats& operator+=(const BlockClientStats& o);
};

// The bytes of a base block the caller holds (verified against `id`), or an error.
using BaseBytesFn = std::function<common::Result<std::string>(const common::BlockId& id)>;

class BlockClient {
 public:
  // `log` must outlive the client. InvalidArgument when `base_url` is not
  // http://host:port[/prefix]; does not connect yet. Without `options`: a 120 s request
  // timeout, the HttpClient defaults otherwise.
  static common::Result<std::unique_ptr<BlockClient>> Create(const std::string& base_url,
                                                             common::Logger& log);
  static common::Result<std::unique_ptr<BlockClient>> Create(const std::string& base_url,
                                                             common::Logger& log,
                                                             const http::ClientOptions& options);

  // A second client to the same server (its own connection, the same client and batch
  // options, fresh stats), for another thread.
  common::Result<std::unique_ptr<BlockClient>> Clone() const;

  // The ids among `ids` the server does not have (each once, only ids that were asked), asked
  // in requests of at most wire::kMaxIdsPerRequest ids.
  common::Result<std::vector<common::BlockId>> Has(const std::vector<common::BlockId>& ids);
  common::Status StoreBatch(const common::wire::BlockBatch& batch);
  // One entry per id, in order; data == nullopt when the server lacks the block or sent bytes
  // that do not match the id (`*refused` counts those).
  common::Result<std::vector<common::wire::Block>> RetrieveBatch(
      const std::vector<common::BlockId>& ids, size_t* refused);
  // The same, naming for each id the base block the caller holds (`bases` parallel to `ids`,
  // nullopt for none): the server may answer deltas against them, patched here with the bytes
  // `base_bytes` gives. Every block returned has `data` set or is absent, never a delta.
  common::Result<std::vector<common::wire::Block>> RetrieveBatch(
      const std::vector<common::BlockId>& ids,
      const std::vector<std::optional<common::BlockId>>& bases, const BaseBytesFn& base_bytes,
      size_t* refused);

  // Per-record zstd in store batches (default on); off when HTTP bodies are compressed anyway.
  void set_batch_options(const common::wire::BlockBatchOptions& options) { options_ = options; }
  const BlockClientStats& stats() const { return stats_; }

 private:
  BlockClient(std::string base_url, const http::ClientOptions& http_options,
              std::unique_ptr<http::HttpClient> http, common::Logger& log)
      : base_url_(std::move(base_url)),
        http_options_(http_options),
        http_(std::move(http)),
        log_(log) {}
  common::Result<std::vector<common::BlockId>> HasOnce(const std::vector<common::BlockId>& ids);

  const std::string base_url_;
  const http::ClientOptions http_options_;
  std::unique_ptr<http::HttpClient> http_;
  common::Logger& log_;
  common::wire::BlockBatchOptions options_;
  BlockClientStats stats_;
};

}  // namespace tessera::common::client
