#include "blockserver/api/block_handlers.h"

#include <boost/json.hpp>
#include <optional>

#include "common/wire/block_messages.h"

namespace tessera::blockserver::api {

using common::http::ErrorResponse;
using common::http::JsonResponse;
using common::http::Request;
using common::http::Response;
namespace wire = common::wire;

namespace {

// A read that hit damage (a bad checksum, a value that is not its id) fails that one block, not
// the batch: it is answered as missing, so the client treats it as lost (and a desktop that has
// it stores it again). The store logs it.
bool IsDamage(const common::Status& s) { return s.code() == common::Code::kCorruption; }

// A body the client got wrong is its fault (400), whatever layer noticed; limits stay 413.
Response BadInput(const common::Status& status) {
  if (status.code() == common::Code::kResourceExhausted) return ErrorResponse(status);
  return ErrorResponse(common::InvalidArgument(status.message()));
}

// 400 naming the delta bases the server does not hold; the client sends those blocks whole.
Response MissingBases(const std::vector<common::BlockId>& bases) {
  boost::json::array hex;
  for (const auto& b : bases) hex.emplace_back(b.ToHex());
  boost::json::object o;
  o["error"] = "InvalidArgument";
  o["message"] = "delta against base block " + bases.front().ToHex() +
                 (bases.size() > 1 ? " (and " + std::to_string(bases.size() - 1) + " more)" : "") +
                 " that is not stored; send the block whole";
  o["missing_bases"] = std::move(hex);
  Response r;
  r.status = 400;
  r.body = boost::json::serialize(o);
  return r;
}

// A delta of `data` against the block the client named as its base, when the server holds that
// base; the encoder sends it only when it is smaller than the block compressed.
std::optional<wire::BlockDelta> DeltaAgainst(BlockStore& store,
                                             const std::optional<common::BlockId>& base,
                                             const common::BlockId& id, std::string_view data) {
  if (!base || *base == id || data.size() > wire::kMaxDeltaBlockBytes) return std::nullopt;
  auto base_data = store.Get(*base);
  if (!base_data.ok() || !*base_data) return std::nullopt;  // a corrupt base: send it whole
  auto delta = wire::MakeBlockDelta(*base, **base_data, data);
  if (!delta.ok()) return std::nullopt;
  return std::move(*delta);
}

}  // namespace

Response HandleHas(BlockStore& store, const Request& request) {
  auto ids = wire::DecodeIdList(request.body, "ids");
  if (!ids.ok()) return BadInput(ids.status());
  wire::IdList missing;
  for (const common::BlockId& id : ids->ids) {
    auto has = store.Has(id);
    if (!has.ok() && !IsDamage(has.status())) return ErrorResponse(has.status());
    if (!has.ok() || !*has) missing.ids.push_back(id);
  }
  return JsonResponse(wire::EncodeIdList(missing, "missing"));
}

Response HandleStoreBatch(BlockStore& store, const Request& request) {
  auto batch = wire::DecodeBlockBatch(request.body);
  if (!batch.ok()) return BadInput(batch.status());
  std::vector<std::pair<common::BlockId, std::string>> blocks;
  blocks.reserve(batch->blocks.size());
  std::vector<common::BlockId> missing_bases;
  // Verify everything first: a batch with one bad block stores nothing.
  for (wire::Block& block : batch->blocks) {
    if (block.delta) {
      auto base = store.Get(block.delta->base);
      if (!base.ok() && !IsDamage(base.status())) return ErrorResponse(base.status());
      if (!base.ok() || !*base) {
        missing_bases.push_back(block.delta->base);
        continue;
      }
      // Bounded by the declared size (<= kMaxBlockBytes), then checked against the id.
      auto data = wire::ApplyBlockDelta(block, **base);
      if (!data.ok()) return BadInput(data.status());
      blocks.emplace_back(block.id, std::move(*data));
      continue;
    }
    if (!block.data) {
      return ErrorResponse(
          common::InvalidArgument("block " + block.id.ToHex() + " is marked missing in an upload"));
    }
    const common::Status verified = wire::VerifyBlock(block.id, *block.data);
    if (!verified.ok()) return BadInput(verified);
    blocks.emplace_back(block.id, std::move(*block.data));
  }
  if (!missing_bases.empty()) return MissingBases(missing_bases);
  const common::Status stored = store.PutBatch(blocks);
  if (!stored.ok()) return ErrorResponse(stored);
  return JsonResponse("{\"stored\":" + std::to_string(blocks.size()) + "}");
}

Response HandleRetrieveBatch(BlockStore& store, const Request& request) {
  auto wanted = wire::DecodeRetrieveRequest(request.body);
  if (!wanted.ok()) return BadInput(wanted.status());
  wire::BlockBatch batch;
  batch.blocks.reserve(wanted->ids.size());
  uint64_t total = 0;
  for (size_t i = 0; i < wanted->ids.size(); ++i) {
    const common::BlockId& id = wanted->ids[i];
    auto data = store.Get(id);
    if (!data.ok() && !IsDamage(data.status())) return ErrorResponse(data.status());
    if (!data.ok()) data = std::optional<std::string>();  // damaged: answered as missing
    if (*data) {
      total += (*data)->size();
      if (total > wire::kMaxBatchBytes) {
        return ErrorResponse(common::ResourceExhausted("blocks asked for exceed " +
                                                       std::to_string(wire::kMaxBatchBytes) +
                                                       " bytes; ask for fewer at a time"));
      }
    }
    wire::Block block{id, std::move(*data)};
    if (block.data && !wanted->bases.empty()) {
      block.delta = DeltaAgainst(store, wanted->bases[i], id, *block.data);
    }
    batch.blocks.push_back(std::move(block));
  }
  Response r;
  r.content_type = std::string(kBlockBatchContentType);
  // Raw records: the HTTP layer compresses the whole body, which packs small blocks far better.
  r.body = wire::EncodeBlockBatch(batch, wire::BlockBatchOptions{});
  return r;
}

Response HandleHealth(const Request&) { return JsonResponse("{\"status\":\"ok\"}"); }

}  // namespace tessera::blockserver::api
