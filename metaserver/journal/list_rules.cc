#include "metaserver/journal/list_rules.h"

#include <string>
#include <utility>

#include "common/path.h"
#include "common/wire/blocklist_delta.h"
#include "common/wire/journal_messages.h"

namespace tessera::metaserver::journal {

common::Status CheckListLimit(size_t limit) {
  if (limit == 0 || limit > common::wire::kMaxListLimit) {
    return common::InvalidArgument("limit must be 1.." +
                                   std::to_string(common::wire::kMaxListLimit));
  }
  return common::Status::Ok();
}

common::Status CheckTreeQuery(std::string_view dir, std::string_view after_path, size_t limit) {
  if (!dir.empty()) TESSERA_RETURN_IF_ERROR(common::ValidateRelativePath(dir));
  if (!after_path.empty()) TESSERA_RETURN_IF_ERROR(common::ValidateRelativePath(after_path));
  if (limit == 0 || limit > kMaxTreeLimit) {
    return common::InvalidArgument("limit must be 1.." + std::to_string(kMaxTreeLimit));
  }
  return common::Status::Ok();
}

std::optional<BlocklistDelta> ListingDelta(std::span<const BlockRef> base, uint64_t base_jid,
                                           std::span<const BlockRef> target) {
  BlocklistDelta delta = common::wire::ComputeBlocklistDelta(base, target);
  if (!common::wire::DeltaPays(delta, target.size())) return std::nullopt;
  delta.base_jid = base_jid;
  return delta;
}

void HideMoveFields(Entry& entry) {
  entry.moved_from.clear();
  entry.covers = 0;
}

}  // namespace tessera::metaserver::journal
