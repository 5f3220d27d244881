#include "metaserver/journal/blocklist_codec.h"

#include "common/coding.h"
#include "common/wire/block_messages.h"
#include "common/wire/journal_messages.h"

namespace tessera::metaserver::journal {

using common::BlockId;
using common::Result;
using common::wire::BlockRef;

namespace {

// Reads a varint at `*pos`, advancing it; false when truncated or not a valid 64-bit varint.
bool GetVarint(std::string_view in, size_t* pos, uint64_t* out) {
  std::string_view rest = in.substr(*pos);
  if (!common::GetVarint64(rest, out)) return false;
  *pos = in.size() - rest.size();
  return true;
}

}  // namespace

std::string EncodeBlocklist(const std::vector<BlockRef>& blocks) {
  std::string out;
  out.reserve(1 + 5 + blocks.size() * (BlockId::kSize + 4));
  out.push_back(static_cast<char>(kBlocklistVersion));
  common::PutVarint64(out, blocks.size());
  for (const BlockRef& block : blocks) {
    out.append(block.id.bytes());
    common::PutVarint64(out, block.size);
  }
  return out;
}

namespace {

void PutBlocks(std::string& out, const std::vector<BlockRef>& blocks) {
  common::PutVarint64(out, blocks.size());
  for (const BlockRef& block : blocks) {
    out.append(block.id.bytes());
    common::PutVarint64(out, block.size);
  }
}

// Reads count + blocks from `pos` to the end of `blob`.
Result<std::vector<BlockRef>> GetBlocks(std::string_view blob, size_t pos) {
  uint64_t count = 0;
  if (!GetVarint(blob, &pos, &count)) return common::Corruption("blocklist: bad count");
  // Each block takes at least 33 bytes: bound the count before allocating.
  if (count > common::wire::kMaxBlocksPerFile || count > (blob.size() - pos) / 33) {
    return common::Corruption("blocklist: count " + std::to_string(count) + " too large");
  }
  std::vector<BlockRef> blocks;
  blocks.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    if (blob.size() - pos < BlockId::kSize) return common::Corruption("blocklist: truncated id");
    BlockRef ref;
    auto id = BlockId::FromBytes(blob.substr(pos, BlockId::kSize));
    if (!id.ok()) return common::Corruption("blocklist: " + id.status().message());
    ref.id = *id;
    pos += BlockId::kSize;
    uint64_t size = 0;
    if (!GetVarint(blob, &pos, &size)) return common::Corruption("blocklist: bad block size");
    if (size == 0 || size > common::wire::kMaxBlockBytes) {
      return common::Corruption("blocklist: block size " + std::to_string(size) + " out of range");
    }
    ref.size = static_cast<uint32_t>(size);
    blocks.push_back(ref);
  }
  if (pos != blob.size()) return common::Corruption("blocklist: trailing bytes");
  return blocks;
}

}  // namespace

Result<std::vector<BlockRef>> DecodeBlocklist(std::string_view blob) {
  if (blob.empty() || static_cast<uint8_t>(blob[0]) != kBlocklistVersion) {
    return common::Corruption("blocklist: unknown version");
  }
  return GetBlocks(blob, 1);
}

std::string EncodeBlocklistDelta(const common::wire::BlocklistDelta& delta) {
  std::string out;
  out.reserve(1 + 4 * 10 + delta.blocks.size() * (BlockId::kSize + 4));
  out.push_back(static_cast<char>(kBlocklistDeltaVersion));
  common::PutVarint64(out, delta.base_jid);
  common::PutVarint64(out, delta.keep_prefix);
  common::PutVarint64(out, delta.keep_suffix);
  PutBlocks(out, delta.blocks);
  return out;
}

Result<common::wire::BlocklistDelta> DecodeStoredBlocklist(std::string_view blob) {
  common::wire::BlocklistDelta delta;
  if (!blob.empty() && static_cast<uint8_t>(blob[0]) == kBlocklistVersion) {
    TESSERA_ASSIGN_OR_RETURN(delta.blocks, GetBlocks(blob, 1));
    return delta;
  }
  if (blob.empty() || static_cast<uint8_t>(blob[0]) != kBlocklistDeltaVersion) {
    return common::Corruption("blocklist: unknown version");
  }
  size_t pos = 1;
  if (!GetVarint(blob, &pos, &delta.base_jid) || !GetVarint(blob, &pos, &delta.keep_prefix) ||
      !GetVarint(blob, &pos, &delta.keep_suffix)) {
    return common::Corruption("blocklist delta: bad header");
  }
  if (delta.base_jid == 0) return common::Corruption("blocklist delta: base 0");
  TESSERA_ASSIGN_OR_RETURN(delta.blocks, GetBlocks(blob, pos));
  return delta;
}

}  // namespace tessera::metaserver::journal
