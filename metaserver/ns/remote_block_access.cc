#include "metaserver/ns/remote_block_access.h"

#include <string>

namespace tessera::metaserver::ns {

using common::BlockId;
using common::Result;
using common::Status;

common::http::ClientOptions RemoteBlockAccess::DefaultOptions() {
  common::http::ClientOptions options;
  options.connect_timeout = std::chrono::milliseconds(2'000);
  options.request_timeout = std::chrono::milliseconds(15'000);
  options.max_body_bytes = 16ull << 20;  // 100k ids as hex JSON is ~7 MB
  return options;
}

Status RemoteBlockAccess::Trouble(std::string_view call, const Status& status) const {
  return common::Unavailable("blockserver " + pool_.url() + " " + std::string(call) + ": " +
                             status.message());
}

Result<std::vector<BlockId>> RemoteBlockAccess::Missing(const std::vector<BlockId>& ids) {
  if (ids.empty()) return std::vector<BlockId>();
  TESSERA_ASSIGN_OR_RETURN(auto client, pool_.Acquire());
  auto missing = client->Has(ids);
  if (!missing.ok()) {
    client.Discard();  // its connection may be broken
    return Trouble("has", missing.status());
  }
  return missing;
}

Status RemoteBlockAccess::Store(const common::wire::BlockBatch& batch) {
  TESSERA_ASSIGN_OR_RETURN(auto client, pool_.Acquire());
  const Status stored = client->StoreBatch(batch);
  if (!stored.ok()) {
    client.Discard();
    return Trouble("store_batch", stored);
  }
  return Status::Ok();
}

Result<std::vector<common::wire::Block>> RemoteBlockAccess::Retrieve(
    const std::vector<BlockId>& ids) {
  TESSERA_ASSIGN_OR_RETURN(auto client, pool_.Acquire());
  size_t refused = 0;  // logged by the client; such blocks come back absent
  auto blocks = client->RetrieveBatch(ids, &refused);
  if (!blocks.ok()) {
    client.Discard();
    return Trouble("retrieve_batch", blocks.status());
  }
  return blocks;
}

}  // namespace tessera::metaserver::ns
