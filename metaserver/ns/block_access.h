// metaserver/ns/block_access.h
//
// BlockAccess: what the namespace service needs of the block store -- which blocks it lacks
// (for commits), storing blocks and fetching them verified (for file content). Two
// implementations: RemoteBlockAccess (remote_block_access.h, the blockserver over HTTP through
// the typed block client) and, in tests, a fault-injecting wrapper around it.
// Thread-safe: any number of commits and file reads/writes call it at once.
#pragma once

#include <vector>

#include "common/block_id.h"
#include "common/result.h"
#include "common/wire/block_messages.h"

namespace tessera::metaserver::ns {

class BlockAccess {
 public:
  virtual ~BlockAccess() = default;

  // The ids among `ids` the block store lacks (each once, only ids asked). kUnavailable when
  // the block store cannot be asked: a commit then fails whole (503, retry later).
  virtual common::Result<std::vector<common::BlockId>> Missing(
      const std::vector<common::BlockId>& ids) = 0;

  // Stores `batch` (blocks with data; the store verifies each against its id). REQUIRES: at
  // most common::client::kMaxBatchBlocks blocks and kMaxBatchBytes bytes. kUnavailable as
  // above.
  virtual common::Status Store(const common::wire::BlockBatch& batch) = 0;

  // One block per id, in order, its data verified against its id; data == nullopt when the
  // store lacks it or sent bytes that do not match. REQUIRES: bounds as for Store.
  virtual common::Result<std::vector<common::wire::Block>> Retrieve(
      const std::vector<common::BlockId>& ids) = 0;
};

}  // namespace tessera::metaserver::ns
