#include "common/wire/block_messages.h"

#include "common/wire/block_batch_format.h"
#include "common/wire/json_fields.h"
#include "common/zstd.h"

namespace tessera::common::wire {

namespace json = boost::json;

namespace {

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t GetU32(std::string_view in) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(in[i])} << (8 * i);
  return v;
}

}  // namespace

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

std::string EncodeBlockBatch(const BlockBatch& m, int zstd_level) {
  std::string out(kBlockBatchMagic);
  for (const Block& b : m.blocks) {
    out.append(b.id.bytes());
    if (!b.data) {
      out.push_back(static_cast<char>(BlockEncoding::kMissing));
      PutU32(out, 0);
      PutU32(out, 0);
      continue;
    }
    const std::string_view data = *b.data;
    std::string packed = zstd::Compress(data, zstd_level);
    const bool use_zstd = packed.size() < data.size();
    const std::string_view payload = use_zstd ? std::string_view(packed) : data;
    out.push_back(static_cast<char>(use_zstd ? BlockEncoding::kZstd : BlockEncoding::kRaw));
    PutU32(out, static_cast<uint32_t>(data.size()));
    PutU32(out, static_cast<uint32_t>(payload.size()));
    out.append(payload);
  }
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
    const uint32_t raw_size = GetU32(in.substr(BlockId::kSize + 1));
    const uint32_t payload_size = GetU32(in.substr(BlockId::kSize + 5));
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

}  // namespace tessera::common::wire
