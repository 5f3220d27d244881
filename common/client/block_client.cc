#include "common/client/block_client.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "common/client/http_error.h"

namespace tessera::common::client {

using common::Result;
using common::wire::IdList;

Result<std::unique_ptr<BlockClient>> BlockClient::Create(const std::string& base_url,
                                                         common::Logger& log) {
  http::ClientOptions options;
  options.request_timeout = std::chrono::seconds(120);
  return Create(base_url, log, options);
}

Result<std::unique_ptr<BlockClient>> BlockClient::Create(const std::string& base_url,
                                                         common::Logger& log,
                                                         const http::ClientOptions& options) {
  TESSERA_ASSIGN_OR_RETURN(auto http, http::HttpClient::Create(base_url, options));
  return std::unique_ptr<BlockClient>(new BlockClient(base_url, options, std::move(http), log));
}

Result<std::unique_ptr<BlockClient>> BlockClient::Clone() const {
  TESSERA_ASSIGN_OR_RETURN(auto client, Create(base_url_, log_, http_options_));
  client->options_ = options_;
  return client;
}

BlockClientStats& BlockClientStats::operator+=(const BlockClientStats& o) {
  store_requests += o.store_requests;
  store_body_bytes += o.store_body_bytes;
  retrieve_requests += o.retrieve_requests;
  retrieve_body_bytes += o.retrieve_body_bytes;
  deltas_sent += o.deltas_sent;
  deltas_received += o.deltas_received;
  delta_fallbacks += o.delta_fallbacks;
  return *this;
}

Result<std::vector<common::BlockId>> BlockClient::Has(const std::vector<common::BlockId>& ids) {
  std::vector<common::BlockId> missing;
  if (ids.empty()) return missing;
  const std::unordered_set<common::BlockId> asked(ids.begin(), ids.end());
  std::unordered_set<common::BlockId> added;
  for (size_t start = 0; start < ids.size(); start += common::wire::kMaxIdsPerRequest) {
    const size_t end = std::min(ids.size(), start + common::wire::kMaxIdsPerRequest);
    const bool whole = start == 0 && end == ids.size();
    const std::vector<common::BlockId> part =
        whole ? std::vector<common::BlockId>()
              : std::vector<common::BlockId>(ids.begin() + static_cast<ptrdiff_t>(start),
                                             ids.begin() + static_cast<ptrdiff_t>(end));
    TESSERA_ASSIGN_OR_RETURN(const std::vector<common::BlockId> lacking,
                             HasOnce(whole ? ids : part));
    for (const common::BlockId& id : lacking) {
      // Trust the server only about what it was asked.
      if (asked.contains(id) && added.insert(id).second) missing.push_back(id);
    }
  }
  return missing;
}

Result<std::vector<common::BlockId>> BlockClient::HasOnce(const std::vector<common::BlockId>& ids) {
  TESSERA_ASSIGN_OR_RETURN(
      auto r, http_->Post("/v1/blocks/has", common::wire::EncodeIdList(IdList{ids}, "ids"),
                          "application/json"));
  if (r.status != 200) return HttpError("has", r);
  auto decoded = common::wire::DecodeIdList(r.body, "missing");
  if (!decoded.ok()) return common::Corruption("has answer: " + decoded.status().message());
  return std::move(decoded->ids);
}

common::Status BlockClient::StoreBatch(const common::wire::BlockBatch& batch) {
  size_t deltas = 0;
  std::string body = common::wire::EncodeBlockBatch(batch, options_, &deltas);
  ++stats_.store_requests;
  stats_.store_body_bytes += body.size();
  TESSERA_ASSIGN_OR_RETURN(auto r,
                           http_->Post("/v1/blocks/store_batch", body, "application/octet-stream"));
  if (r.status == 400 && deltas > 0) {
    // Usually a base the server does not hold (it names them in "missing_bases"); whatever it
    // was, the same blocks sent whole cannot fail that way.
    log_.Info("blocks", "store_batch refused " + std::to_string(deltas) +
                            " deltas; sending the blocks whole: " + r.body.substr(0, 300));
    ++stats_.delta_fallbacks;
    common::wire::BlockBatch whole;
    whole.blocks.reserve(batch.blocks.size());
    for (const auto& b : batch.blocks) {
      if (!b.data) return HttpError("store_batch", r);  // nothing to fall back on
      whole.blocks.push_back(common::wire::Block{b.id, b.data});
    }
    body = common::wire::EncodeBlockBatch(whole, options_);
    deltas = 0;
    ++stats_.store_requests;
    stats_.store_body_bytes += body.size();
    TESSERA_ASSIGN_OR_RETURN(
        r, http_->Post("/v1/blocks/store_batch", body, "application/octet-stream"));
  }
  if (r.status != 200) return HttpError("store_batch", r);
  stats_.deltas_sent += deltas;
  return common::Status::Ok();
}

Result<std::vector<common::wire::Block>> BlockClient::RetrieveBatch(
    const std::vector<common::BlockId>& ids, size_t* refused) {
  return RetrieveBatch(ids, {}, nullptr, refused);
}

Result<std::vector<common::wire::Block>> BlockClient::RetrieveBatch(
    const std::vector<common::BlockId>& ids,
    const std::vector<std::optional<common::BlockId>>& bases, const BaseBytesFn& base_bytes,
    size_t* refused) {
  *refused = 0;
  common::wire::RetrieveRequest request{
      ids, base_bytes ? bases : std::vector<std::optional<common::BlockId>>{}};
  if (!request.bases.empty() && request.bases.size() != ids.size()) {
    return common::InvalidArgument("retrieve_batch: bases not parallel to ids");
  }
  const std::string request_body = common::wire::EncodeRetrieveRequest(request);
  ++stats_.retrieve_requests;
  TESSERA_ASSIGN_OR_RETURN(
      auto r, http_->Post("/v1/blocks/retrieve_batch", request_body, "application/json"));
  stats_.retrieve_body_bytes += request_body.size() + r.body.size();
  if (r.status != 200) return HttpError("retrieve_batch", r);
  auto decoded = common::wire::DecodeBlockBatch(r.body);
  if (!decoded.ok())
    return common::Corruption("retrieve_batch answer: " + decoded.status().message());
  // The base named for each id: a delta against anything else is not used.
  std::unordered_map<common::BlockId, common::BlockId> named;
  for (size_t i = 0; i < request.bases.size(); ++i) {
    if (request.bases[i]) named.emplace(ids[i], *request.bases[i]);
  }
  std::unordered_map<common::BlockId, std::string> got;
  std::vector<common::BlockId> again;  // deltas that did not patch: fetched whole
  for (auto& b : decoded->blocks) {
    if (b.delta) {
      auto it = named.find(b.id);
      common::Status failed = common::InvalidArgument("a delta against a base not named");
      if (it != named.end() && it->second == b.delta->base) {
        auto base = base_bytes(b.delta->base);
        failed = base.status();
        if (base.ok()) {
          // Patched within the declared size and verified against the id.
          auto data = common::wire::ApplyBlockDelta(b, *base);
          failed = data.status();
          if (data.ok()) {
            ++stats_.deltas_received;
            got.emplace(b.id, std::move(*data));
            continue;
          }
        }
      }
      log_.Warn("blocks", "delta for block " + b.id.ToHex().substr(0, 16) +
                              " not usable, fetching it whole: " + failed.ToString());
      again.push_back(b.id);
      continue;
    }
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
  if (!again.empty()) {
    ++stats_.delta_fallbacks;
    size_t refused_again = 0;
    TESSERA_ASSIGN_OR_RETURN(auto whole, RetrieveBatch(again, &refused_again));
    *refused += refused_again;
    for (auto& b : whole) {
      if (b.data) got.emplace(b.id, std::move(*b.data));
    }
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

}  // namespace tessera::common::client
