#include "daemon/remote/block_client.h"

#include <unordered_map>

#include "daemon/remote/meta_client.h"

namespace tessera::daemon::remote {

using common::Result;
using common::wire::IdList;

Result<std::unique_ptr<BlockClient>> BlockClient::Create(const std::string& base_url,
                                                         common::Logger& log) {
  common::http::ClientOptions options;
  options.request_timeout = std::chrono::seconds(120);
  TESSERA_ASSIGN_OR_RETURN(auto http, common::http::HttpClient::Create(base_url, options));
  return std::unique_ptr<BlockClient>(new BlockClient(std::move(http), log));
}

Result<std::vector<common::BlockId>> BlockClient::Has(const std::vector<common::BlockId>& ids) {
  TESSERA_ASSIGN_OR_RETURN(
      auto r, http_->Post("/v1/blocks/has", common::wire::EncodeIdList(IdList{ids}, "ids"),
                          "application/json"));
  if (r.status != 200) return HttpError("has", r);
  auto decoded = common::wire::DecodeIdList(r.body, "missing");
  if (!decoded.ok()) return common::Corruption("has answer: " + decoded.status().message());
  return std::move(decoded->ids);
}

common::Status BlockClient::StoreBatch(const common::wire::BlockBatch& batch) {
  TESSERA_ASSIGN_OR_RETURN(
      auto r, http_->Post("/v1/blocks/store_batch", common::wire::EncodeBlockBatch(batch),
                          "application/octet-stream"));
  if (r.status != 200) return HttpError("store_batch", r);
  return common::Status::Ok();
}

Result<std::vector<common::wire::Block>> BlockClient::RetrieveBatch(
    const std::vector<common::BlockId>& ids, size_t* refused) {
  *refused = 0;
  TESSERA_ASSIGN_OR_RETURN(
      auto r, http_->Post("/v1/blocks/retrieve_batch",
                          common::wire::EncodeIdList(IdList{ids}, "ids"), "application/json"));
  if (r.status != 200) return HttpError("retrieve_batch", r);
  auto decoded = common::wire::DecodeBlockBatch(r.body);
  if (!decoded.ok())
    return common::Corruption("retrieve_batch answer: " + decoded.status().message());
  std::unordered_map<common::BlockId, std::string> got;
  for (auto& b : decoded->blocks) {
    if (!b.data) continue;
    // Never trust a server's block: its bytes must hash to its id.
    const common::Status ok = common::wire::VerifyBlock(b.id, *b.data);
    if (!ok.ok()) {
      ++*refused;
      log_.Error("blocks", "refused a block from the server: " + ok.ToString());
      continue;
    }
    got.emplace(b.id, std::move(*b.data));
  }
  std::vector<common::wire::Block> out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    auto it = got.find(id);
    common::wire::Block b{id, std::nullopt};
    if (it != got.end()) b.data = it->second;  // copy: an id may repeat
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace tessera::daemon::remote
