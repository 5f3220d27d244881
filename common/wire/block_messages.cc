#include "common/wire/block_messages.h"

#include <algorithm>

#include "common/coding.h"
#include "common/rsync_delta.h"
#include "common/wire/block_batch_format.h"
#include "common/wire/json_fields.h"
#include "common/zstd.h"

namespace tessera::common::wire {

namespace json = boost::json;

std::string EncodeIdList(const IdList& m, std::string_view field) {
  json::array ids;
  ids.reserve(m.ids.size());
  for (const BlockId& id : m.ids) ids.push_back(json::string(id.ToHex()));
  json::object o;
  o[json::string_view(field.data(), field.size())] = std::move(ids);
  return internal::Serialize(o);
}

Result<IdList> DecodeIdList(std::string_view text, std::string_view field) {
  TESSERA_ASSIGN_OR_RETURN(json::object o, internal::ParseObject(text));
  TESSERA_ASSIGN_OR_RETURN(const json::array* ids, internal::GetArray(o, field, kMaxIdsPerRequest));
  IdList m;
  m.ids.reserve(ids->size());
  for (const json::value& v : *ids) {
    TESSERA_ASSIGN_OR_RETURN(BlockId id, internal::IdFromJson(v, field));
    m.ids.push_back(id);
  }
  return m;
}

std::string EncodeRetrieveRequest(const RetrieveRequest& m) {
  json::array ids;
  ids.reserve(m.ids.size());
  for (const BlockId& id : m.ids) ids.push_back(json::string(id.ToHex()));
  json::object o;
  o["ids"] = std::move(ids);
  bool any_base = false;
  for (const auto& b : m.bases) any_base = any_base || b.has_value();
  if (any_base) {
    json::array bases;
    bases.reserve(m.bases.size());
    for (const auto& b : m.bases) bases.push_back(json::string(b ? b->ToHex() : ""));
    o["bases"] = std::move(bases);
  }
  return internal::Serialize(o);
}

Result<RetrieveRequest> DecodeRetrieveRequest(std::string_view text) {
  TESSERA_ASSIGN_OR_RETURN(json::object o, internal::ParseObject(text));
  TESSERA_ASSIGN_OR_RETURN(const json::array* ids, internal::GetArray(o, "ids", kMaxIdsPerRequest));
  RetrieveRequest m;
  m.ids.reserve(ids->size());
  for (const json::value& v : *ids) {
    TESSERA_ASSIGN_OR_RETURN(BlockId id, internal::IdFromJson(v, "ids"));
    m.ids.push_back(id);
  }
  if (!o.contains("bases")) return m;
  TESSERA_ASSIGN_OR_RETURN(const json::array* bases,
                           internal::GetArray(o, "bases", kMaxIdsPerRequest));
  if (bases->size() != m.ids.size()) {
    return InvalidArgument("bases: " + std::to_string(bases->size()) + " entries for " +
                           std::to_string(m.ids.size()) + " ids");
  }
  m.bases.reserve(bases->size());
  for (const json::value& v : *bases) {
    if (v.is_string() && v.get_string().empty()) {
      m.bases.emplace_back();
      continue;
    }
    TESSERA_ASSIGN_OR_RETURN(BlockId id, internal::IdFromJson(v, "bases"));
    m.bases.emplace_back(id);
  }
  return m;
}

std::string EncodeBlockBatch(const BlockBatch& m, int zstd_level) {
  return EncodeBlockBatch(m, BlockBatchOptions{true, zstd_level});
}

std::string EncodeBlockBatch(const BlockBatch& m, const BlockBatchOptions& options,
                             size_t* delta_records) {
  std::string out(kBlockBatchMagic);
  size_t deltas = 0;
  auto put_record = [&](const BlockId& id, BlockEncoding encoding, uint32_t raw_size,
                        std::string_view prefix, std::string_view payload) {
    out.append(id.bytes());
    out.push_back(static_cast<char>(encoding));
    PutFixed32(out, raw_size);
    PutFixed32(out, static_cast<uint32_t>(prefix.size() + payload.size()));
    out.append(prefix);
    out.append(payload);
  };
  for (const Block& b : m.blocks) {
    if (!b.data && !b.delta) {
      put_record(b.id, BlockEncoding::kMissing, 0, "", "");
      continue;
    }
    if (!b.data) {
      put_record(b.id, BlockEncoding::kRsyncDelta, b.delta->size, b.delta->base.bytes(),
                 b.delta->delta);
      ++deltas;
      continue;
    }
    const std::string_view data = *b.data;
    // A delta must beat the block compressed, whether the record or the whole body is.
    std::string packed;
    if (options.compress_records || b.delta) packed = zstd::Compress(data, options.zstd_level);
    if (b.delta && BlockId::kSize + b.delta->delta.size() < std::min(packed.size(), data.size())) {
      put_record(b.id, BlockEncoding::kRsyncDelta, static_cast<uint32_t>(data.size()),
                 b.delta->base.bytes(), b.delta->delta);
      ++deltas;
      continue;
    }
    if (options.compress_records && packed.size() < data.size()) {
      put_record(b.id, BlockEncoding::kZstd, static_cast<uint32_t>(data.size()), "", packed);
    } else {
      put_record(b.id, BlockEncoding::kRaw, static_cast<uint32_t>(data.size()), "", data);
    }
  }
  if (delta_records != nullptr) *delta_records = deltas;
  return out;
}

Result<BlockBatch> DecodeBlockBatch(std::string_view body) {
  if (body.size() < kBlockBatchMagic.size() ||
      body.substr(0, kBlockBatchMagic.size()) != kBlockBatchMagic) {
    return InvalidArgument("block batch: bad magic");
  }
  std::string_view in = body.substr(kBlockBatchMagic.size());
  BlockBatch m;
  uint64_t total_raw = 0;
  while (!in.empty()) {
    const std::string where = "block batch record " + std::to_string(m.blocks.size());
    if (m.blocks.size() >= kMaxIdsPerRequest) {
      return ResourceExhausted("block batch: more than " + std::to_string(kMaxIdsPerRequest) +
                               " blocks");
    }
    if (in.size() < kBlockRecordHeaderBytes) return InvalidArgument(where + ": truncated header");
    Block block;
    block.id = *BlockId::FromBytes(in.substr(0, BlockId::kSize));
    const auto encoding = static_cast<uint8_t>(in[BlockId::kSize]);
    const uint32_t raw_size = DecodeFixed32(in.data() + BlockId::kSize + 1);
    const uint32_t payload_size = DecodeFixed32(in.data() + BlockId::kSize + 5);
    in.remove_prefix(kBlockRecordHeaderBytes);

    // Every size is checked before anything is allocated or inflated.
    if (raw_size > kMaxBlockBytes) {
      return ResourceExhausted(where + ": block of " + std::to_string(raw_size) +
                               " bytes exceeds the limit");
    }
    total_raw += raw_size;
    if (total_raw > kMaxBatchBytes) {
      return ResourceExhausted("block batch: more than " + std::to_string(kMaxBatchBytes) +
                               " bytes");
    }
    if (payload_size > in.size()) return InvalidArgument(where + ": truncated payload");
    const std::string_view payload = in.substr(0, payload_size);
    in.remove_prefix(payload_size);

    switch (static_cast<BlockEncoding>(encoding)) {
      case BlockEncoding::kMissing:
        if (raw_size != 0 || payload_size != 0) {
          return InvalidArgument(where + ": missing block with a payload");
        }
        break;
      case BlockEncoding::kRaw:
        if (payload_size != raw_size) return InvalidArgument(where + ": size mismatch");
        block.data.emplace(payload);
        break;
      case BlockEncoding::kZstd: {
        auto data = zstd::Decompress(payload, raw_size);
        if (!data.ok()) return Corruption(where + ": " + data.status().message());
        if (data->size() != raw_size) {
          return Corruption(where + ": inflates to " + std::to_string(data->size()) +
                            " bytes, declared " + std::to_string(raw_size));
        }
        block.data = std::move(*data);
        break;
      }
      case BlockEncoding::kRsyncDelta: {
        if (payload.size() < BlockId::kSize)
          return InvalidArgument(where + ": delta without a base");
        BlockDelta delta;
        delta.base = *BlockId::FromBytes(payload.substr(0, BlockId::kSize));
        delta.delta = std::string(payload.substr(BlockId::kSize));
        delta.size = raw_size;
        block.delta = std::move(delta);
        break;
      }
      default:
        return InvalidArgument(where + ": unknown encoding " + std::to_string(encoding));
    }
    m.blocks.push_back(std::move(block));
  }
  return m;
}

Status VerifyBlock(const BlockId& id, std::string_view data) {
  if (BlockId::Of(data) == id) return Status::Ok();
  return Corruption("block " + id.ToHex() + ": contents do not match the id");
}

Result<BlockDelta> MakeBlockDelta(const BlockId& base, std::string_view base_data,
                                  std::string_view data) {
  if (base_data.size() > kMaxDeltaBlockBytes || data.size() > kMaxDeltaBlockBytes) {
    return InvalidArgument("block delta: blocks over " + std::to_string(kMaxDeltaBlockBytes) +
                           " bytes are sent whole");
  }
  BlockDelta delta;
  delta.base = base;
  delta.size = static_cast<uint32_t>(data.size());
  TESSERA_ASSIGN_OR_RETURN(delta.delta, rsync::MakeDelta(base_data, data));
  return delta;
}

Result<std::string> ApplyBlockDelta(const Block& block, std::string_view base_data) {
  if (!block.delta) return InvalidArgument("block " + block.id.ToHex() + " is not a delta");
  const BlockDelta& d = *block.delta;
  const std::string what = "block " + block.id.ToHex() + " (delta against " + d.base.ToHex() + ")";
  if (d.size > kMaxBlockBytes) return ResourceExhausted(what + ": larger than the block limit");
  auto data = rsync::Patch(base_data, d.delta, d.size);
  if (!data.ok()) return data.status().WithContext(what);
  if (data->size() != d.size) {
    return InvalidArgument(what + ": patches to " + std::to_string(data->size()) +
                           " bytes, declared " + std::to_string(d.size));
  }
  TESSERA_RETURN_IF_ERROR(VerifyBlock(block.id, *data));
  return data;
}

}  // namespace tessera::common::wire
