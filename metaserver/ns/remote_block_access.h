// metaserver/ns/remote_block_access.h
//
// RemoteBlockAccess: BlockAccess (block_access.h) over the blockserver's HTTP API, through a
// pool of typed block clients (common/client/block_client_pool.h), so concurrent commits do not
// share a connection. Every failure to get an answer -- unreachable, timed out, an answer other
// than 200, a body that does not decode -- is kUnavailable naming the blockserver, and the
// client that saw it is not reused.
// Thread-safe. `pool` must outlive it.
#pragma once

#include "common/client/block_client_pool.h"
#include "metaserver/ns/block_access.h"

namespace tessera::metaserver::ns {

class RemoteBlockAccess final : public BlockAccess {
 public:
  explicit RemoteBlockAccess(common::client::BlockClientPool& pool) : pool_(pool) {}

  // The client options the metaserver uses: short timeouts (a commit waits on them), and room
  // for 100 000 ids as hex JSON.
  static common::http::ClientOptions DefaultOptions();

  common::Result<std::vector<common::BlockId>> Missing(
      const std::vector<common::BlockId>& ids) override;
  common::Status Store(const common::wire::BlockBatch& batch) override;
  common::Result<std::vector<common::wire::Block>> Retrieve(
      const std::vector<common::BlockId>& ids) override;

 private:
  common::Status Trouble(std::string_view call, const common::Status& status) const;

  common::client::BlockClientPool& pool_;
};

}  // namespace tessera::metaserver::ns
