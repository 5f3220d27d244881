#include "blockserver/api/block_handlers.h"

#include "common/wire/block_messages.h"

namespace tessera::blockserver::api {

using common::http::ErrorResponse;
using common::http::Request;
using common::http::Response;
namespace wire = common::wire;

namespace {

// A body the client got wrong is its fault (400), whatever layer noticed; limits stay 413.
Response BadInput(const common::Status& status) {
  if (status.code() == common::Code::kResourceExhausted) return ErrorResponse(status);
  return ErrorResponse(common::InvalidArgument(status.message()));
}

Response Json(std::string body) {
  Response r;
  r.body = std::move(body);
  return r;
}

}  // namespace

Response HandleHas(BlockStore& store, const Request& request) {
  auto ids = wire::DecodeIdList(request.body, "ids");
  if (!ids.ok()) return BadInput(ids.status());
  wire::IdList missing;
  for (const common::BlockId& id : ids->ids) {
    auto has = store.Has(id);
    if (!has.ok()) return ErrorResponse(has.status());
    if (!*has) missing.ids.push_back(id);
  }
  return Json(wire::EncodeIdList(missing, "missing"));
}

Response HandleStoreBatch(BlockStore& store, const Request& request) {
  auto batch = wire::DecodeBlockBatch(request.body);
  if (!batch.ok()) return BadInput(batch.status());
  std::vector<std::pair<common::BlockId, std::string>> blocks;
  blocks.reserve(batch->blocks.size());
  // Verify everything first: a batch with one bad block stores nothing.
  for (wire::Block& block : batch->blocks) {
    if (!block.data) {
      return ErrorResponse(
          common::InvalidArgument("block " + block.id.ToHex() + " is marked missing in an upload"));
    }
    const common::Status verified = wire::VerifyBlock(block.id, *block.data);
    if (!verified.ok()) return BadInput(verified);
    blocks.emplace_back(block.id, std::move(*block.data));
  }
  const common::Status stored = store.PutBatch(blocks);
  if (!stored.ok()) return ErrorResponse(stored);
  return Json("{\"stored\":" + std::to_string(blocks.size()) + "}");
}

Response HandleRetrieveBatch(BlockStore& store, const Request& request) {
  auto ids = wire::DecodeIdList(request.body, "ids");
  if (!ids.ok()) return BadInput(ids.status());
  wire::BlockBatch batch;
  batch.blocks.reserve(ids->ids.size());
  uint64_t total = 0;
  for (const common::BlockId& id : ids->ids) {
    auto data = store.Get(id);
    if (!data.ok()) return ErrorResponse(data.status());
    if (*data) {
      total += (*data)->size();
      if (total > wire::kMaxBatchBytes) {
        return ErrorResponse(common::ResourceExhausted("blocks asked for exceed " +
                                                       std::to_string(wire::kMaxBatchBytes) +
                                                       " bytes; ask for fewer at a time"));
      }
    }
    batch.blocks.push_back(wire::Block{id, std::move(*data)});
  }
  Response r;
  r.content_type = std::string(kBlockBatchContentType);
  r.body = wire::EncodeBlockBatch(batch);
  return r;
}

Response HandleHealth(const Request&) { return Json("{\"status\":\"ok\"}"); }

}  // namespace tessera::blockserver::api
