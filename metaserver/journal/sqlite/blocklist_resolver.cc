#include "metaserver/journal/sqlite/blocklist_resolver.h"

#include "common/wire/blocklist_delta.h"
#include "metaserver/journal/blocklist_codec.h"

namespace tessera::metaserver::journal::sqlite {

using common::Result;
using common::wire::BlocklistDelta;
using common::wire::BlockRef;

namespace {

constexpr int64_t kFileColumn = 0;  // entries.kind of a file, fixed by the schema
// The cache is dropped whole when it holds more block refs than this (~36 MB).
constexpr size_t kMaxCachedBlocks = 1'000'000;

}  // namespace

Result<std::optional<std::string>> BlocklistResolver::ReadBlob(uint64_t jid, int64_t* kind) {
  auto use = select_.Use();
  TESSERA_RETURN_IF_ERROR(select_.BindInt(1, static_cast<int64_t>(nsid_)));
  TESSERA_RETURN_IF_ERROR(select_.BindInt(2, static_cast<int64_t>(jid)));
  TESSERA_ASSIGN_OR_RETURN(bool row, select_.Step());
  if (!row) return std::optional<std::string>();
  *kind = select_.ColumnInt(0);
  return std::optional<std::string>(std::string(select_.ColumnBlob(1)));
}

void BlocklistResolver::Remember(uint64_t jid, const ResolvedBlocklist& resolved) {
  if (cached_blocks_ + resolved.blocks->size() > kMaxCachedBlocks) {
    cache_.clear();
    cached_blocks_ = 0;
  }
  if (cache_.emplace(jid, resolved).second) cached_blocks_ += resolved.blocks->size();
}

Result<ResolvedBlocklist> BlocklistResolver::Of(uint64_t jid) {
  if (auto it = cache_.find(jid); it != cache_.end()) return it->second;
  int64_t kind = -1;
  TESSERA_ASSIGN_OR_RETURN(auto blob, ReadBlob(jid, &kind));
  if (!blob) return common::NotFound("entry " + std::to_string(jid));
  if (kind != kFileColumn)
    return common::InvalidArgument("entry " + std::to_string(jid) + " is not a file");
  return FromBlob(jid, *blob);
}

Result<ResolvedBlocklist> BlocklistResolver::FromBlob(uint64_t jid, std::string_view blob) {
  if (auto it = cache_.find(jid); it != cache_.end()) return it->second;
  const auto corrupt = [&](const std::string& why) {
    return common::Corruption("entry " + std::to_string(jid) + ": " + why);
  };
  // Walk down to a full list (or a cached one), then apply the deltas back up.
  std::vector<BlocklistDelta> chain;
  auto top = DecodeStoredBlocklist(blob);
  if (!top.ok()) return corrupt(top.status().message());
  BlocklistDelta current = std::move(top).value();
  uint64_t current_jid = jid;
  ResolvedBlocklist base;
  for (;;) {
    if (current.base_jid == 0) {
      base.blocks = std::make_shared<const std::vector<BlockRef>>(std::move(current.blocks));
      base.depth = 0;
      break;
    }
    if (current.base_jid >= current_jid) {
      return corrupt("delta base " + std::to_string(current.base_jid) + " is not older than " +
                     std::to_string(current_jid));
    }
    if (chain.size() >= kMaxReadDeltaChain) return corrupt("blocklist delta chain too long");
    const uint64_t base_jid = current.base_jid;
    chain.push_back(std::move(current));
    if (auto it = cache_.find(base_jid); it != cache_.end()) {
      base = it->second;
      break;
    }
    int64_t kind = -1;
    TESSERA_ASSIGN_OR_RETURN(auto base_blob, ReadBlob(base_jid, &kind));
    if (!base_blob) return corrupt("delta base " + std::to_string(base_jid) + " is missing");
    if (kind != kFileColumn) {
      return corrupt("delta base " + std::to_string(base_jid) + " is not a file");
    }
    auto decoded = DecodeStoredBlocklist(*base_blob);
    if (!decoded.ok()) return corrupt(decoded.status().message());
    current = std::move(decoded).value();
    current_jid = base_jid;
  }
  std::shared_ptr<const std::vector<BlockRef>> list = base.blocks;
  int depth = base.depth;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    auto applied = common::wire::ApplyBlocklistDelta(*list, *it);
    if (!applied.ok()) return corrupt(applied.status().message());
    list = std::make_shared<const std::vector<BlockRef>>(std::move(applied).value());
    ++depth;
  }
  ResolvedBlocklist out{std::move(list), depth};
  Remember(jid, out);
  return out;
}

std::string EncodeStoredBlocklist(const std::vector<BlockRef>& blocks, const StoredForm& stored) {
  return stored.delta ? EncodeBlocklistDelta(*stored.delta) : EncodeBlocklist(blocks);
}

}  // namespace tessera::metaserver::journal::sqlite
