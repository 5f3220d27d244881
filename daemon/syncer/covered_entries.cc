#include "daemon/syncer/covered_entries.h"

#include <algorithm>
#include <vector>

#include "common/path.h"
#include "daemon/syncer/sync_types.h"

namespace tessera::daemon::syncer {

namespace {
constexpr size_t kExpandPage = 1000;
}  // namespace

common::Status StoreCoveredEntries(common::client::MetaClient& meta, index::Index& index,
                                   common::Logger& log, uint64_t move_jid, uint64_t covers) {
  const uint64_t last = move_jid + covers;
  uint64_t cursor = move_jid;
  while (cursor < last) {
    TESSERA_ASSIGN_OR_RETURN(auto page, meta.List(cursor, kExpandPage));
    std::vector<index::PendingEntry> entries;
    for (const auto& e : page.entries) {
      if (e.jid > last) break;
      if (const common::Status ok = common::ValidateRelativePath(e.meta.path); !ok.ok()) {
        RecordError(log, index,
                    "refused journal entry " + std::to_string(e.jid) + ": " + ok.ToString());
        continue;
      }
      index::PendingEntry p;
      p.path = e.meta.path;
      p.jid = e.jid;
      p.version = FileVersion::FromMeta(e.meta);
      p.mode = e.meta.mode;
      p.device = e.device;
      entries.push_back(std::move(p));  // moved_from/covers stay empty: ordinary entries
    }
    TESSERA_RETURN_IF_ERROR(index.StoreListedEntries(entries));
    if (page.entries.empty() || !page.has_more) break;
    cursor = std::max(cursor + 1, page.cursor);
  }
  return common::Status::Ok();
}

}  // namespace tessera::daemon::syncer
