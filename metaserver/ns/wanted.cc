// NamespaceService::ReportMissing and Wanted: blocks the journal references that the block
// store lacks, for desktops that hold a copy to store again.
#include <algorithm>
#include <unordered_set>

#include "metaserver/ns/namespace_service.h"

namespace tessera::metaserver::ns {

using common::BlockId;
using common::Result;

Result<size_t> NamespaceService::ReportMissing(const RequestContext& ctx, uint64_t jid,
                                               const std::vector<BlockId>& ids) {
  if (ids.size() > common::wire::kMaxWantedIds) {
    return common::InvalidArgument("at most " + std::to_string(common::wire::kMaxWantedIds) +
                                   " block ids a report");
  }
  TESSERA_ASSIGN_OR_RETURN(const std::optional<uint64_t> nsid, Resolve(ctx, /*create=*/false));
  if (!nsid.has_value()) return common::NotFound("namespace " + ctx.ns);
  TESSERA_ASSIGN_OR_RETURN(const journal::Entry entry, journal_.EntryAt(*nsid, jid));
  std::unordered_set<BlockId> referenced;
  for (const auto& ref : entry.meta.blocks) referenced.insert(ref.id);
  std::vector<BlockId> asked;
  for (const BlockId& id : ids) {
    if (referenced.contains(id) && std::find(asked.begin(), asked.end(), id) == asked.end()) {
      asked.push_back(id);
    }
  }
  if (asked.empty()) return size_t{0};
  TESSERA_ASSIGN_OR_RETURN(const std::vector<BlockId> missing, blocks_.Missing(asked));
  const size_t added = wanted_.Add(*nsid, missing);
  if (added > 0) {
    log_.Warn("ns", "ns " + ctx.ns + ": the blockserver lacks " + std::to_string(added) +
                        " block(s) of " + entry.meta.path + " (jid " + std::to_string(jid) +
                        "); asking desktops that hold them to store them again");
  }
  return added;
}

std::vector<BlockId> NamespaceService::Wanted(const RequestContext& ctx) {
  auto nsid = Resolve(ctx, /*create=*/false);
  if (!nsid.ok() || !nsid->has_value()) return {};
  std::vector<BlockId> some = wanted_.Some(**nsid, common::wire::kMaxWantedIds);
  if (some.empty()) return some;
  auto missing = blocks_.Missing(some);
  if (!missing.ok()) return {};
  // Those the block store has again are no longer wanted.
  const std::unordered_set<BlockId> still(missing->begin(), missing->end());
  std::vector<BlockId> back;
  for (const BlockId& id : some) {
    if (!still.contains(id)) back.push_back(id);
  }
  if (!back.empty()) {
    wanted_.Remove(**nsid, back);
    log_.Info("ns", "ns " + ctx.ns + ": " + std::to_string(back.size()) +
                        " wanted block(s) are stored again");
  }
  return std::move(*missing);
}

}  // namespace tessera::metaserver::ns
