// The listing half of SyncEngine: journal pages after the cursor become pending entries in the
// index, behind the journal-reset guard.
#include <algorithm>

#include "common/path.h"
#include "daemon/syncer/sync_engine.h"

namespace tessera::daemon::syncer {

using common::Status;
using common::wire::FileKind;

namespace {

constexpr size_t kListPage = 1000;

std::optional<FileVersion> FromMeta(const common::wire::FileMeta& m) {
  if (m.kind == FileKind::kDeleted) return std::nullopt;
  FileVersion v;
  v.kind = m.kind;
  v.size = m.kind == FileKind::kFile ? m.size : 0;
  v.executable = m.kind == FileKind::kFile && (m.mode & 0100) != 0;
  v.symlink_target = m.symlink_target;
  v.blocks = m.blocks;
  v.mtime_ns = m.mtime_ns;
  return v;
}

}  // namespace

Status SyncEngine::Pull() {
  pull_needed_ = false;
  TESSERA_ASSIGN_OR_RETURN(auto ns, index_.GetNs(config_.ns));
  uint64_t cursor = ns.cursor;
  bool first = true;
  for (;;) {
    TESSERA_ASSIGN_OR_RETURN(auto page, meta_.List(cursor, kListPage));
    if (first) {
      first = false;
      // Journal-reset guard: another epoch, or a head behind what we applied, means this is not
      // the journal our bases came from. Start over, treating everything remote as new; nothing
      // local is deleted because of it.
      if ((!ns.epoch.empty() && page.epoch != ns.epoch) || page.head < ns.cursor) {
        log_.Warn("sync", "the journal was reset (epoch '" + ns.epoch + "' -> '" + page.epoch +
                              "', head " + std::to_string(page.head) + " < cursor " +
                              std::to_string(ns.cursor) + "?): listing again from 0");
        TESSERA_RETURN_IF_ERROR(index_.ResetJournal(config_.ns, page.epoch));
        ns = index::NsState{0, page.epoch};
        cursor = 0;
        cursor_ = 0;
        first = true;
        continue;
      }
    }
    std::vector<index::PendingEntry> entries;
    uint64_t last = cursor;
    for (const auto& e : page.entries) {
      last = std::max(last, e.jid);
      if (const Status ok = common::ValidateRelativePath(e.meta.path); !ok.ok()) {
        RecordError("refused journal entry " + std::to_string(e.jid) + ": " + ok.ToString());
        continue;
      }
      index::PendingEntry p;
      p.path = e.meta.path;
      p.jid = e.jid;
      p.version = FromMeta(e.meta);
      p.mode = e.meta.mode;
      p.device = e.device;
      entries.push_back(std::move(p));
    }
    const uint64_t next = std::max(last, page.cursor);
    TESSERA_RETURN_IF_ERROR(index_.StorePage(config_.ns, entries, next, page.epoch));
    cursor = next;
    cursor_ = next;
    if (!page.has_more || page.entries.empty()) break;
  }
  return Status::Ok();
}

}  // namespace tessera::daemon::syncer
