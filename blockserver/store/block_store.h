// blockserver/store/block_store.h
//
// BlockStore: where the blockserver keeps content-addressed blocks (id = SHA-256 of the
// uncompressed bytes). Two implementations: FileBlockStore (one file per block, simple) and the
// LSM engine in blockserver/engine/. The API handlers verify every block against its id before
// calling PutBatch; stores may trust ids but still report what they read back corrupt.
// Implementations are thread-safe: any thread may call any method at any time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/block_id.h"
#include "common/result.h"

namespace tessera::blockserver {

class BlockStore {
 public:
  virtual ~BlockStore() = default;

  // Stores every block (id, uncompressed bytes). When it returns OK all of them survive a
  // crash; on error some may have been stored (each block is all-or-nothing), none is
  // half-written. Storing a block that exists already is a no-op. IOError/ResourceExhausted
  // from the disk.
  virtual common::Status PutBatch(
      const std::vector<std::pair<common::BlockId, std::string>>& blocks) = 0;

  // The block's uncompressed bytes, or nullopt when it is not stored. Corruption when what is
  // stored does not hash to `id`; IOError from the disk.
  virtual common::Result<std::optional<std::string>> Get(const common::BlockId& id) = 0;

  // Whether the block is stored. IOError from the disk. (A namespace reference's key,
  // namespace_refs.h, may answer true: it is no block's id.)
  virtual common::Result<bool> Has(const common::BlockId& id) = 0;

  // Records that namespace `ns` holds each of `ids` (namespace_refs.h): its writer uploaded
  // their bytes, or the metaserver vouched for them. Durable when OK; recording one again is a
  // no-op. InvalidArgument for a bad name; IOError/NoSpace from the disk.
  virtual common::Status AddRefs(std::string_view ns, const std::vector<common::BlockId>& ids) = 0;

  // Whether `ns` holds `id`. The block itself may be gone (lost, damaged): Get tells.
  virtual common::Result<bool> HasRef(std::string_view ns, const common::BlockId& id) = 0;
};

}  // namespace tessera::blockserver
