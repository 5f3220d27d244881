#include "daemon/syncer/puller.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "common/path.h"
#include "common/wire/blocklist_delta.h"
#include "daemon/syncer/covered_entries.h"

namespace tessera::daemon::syncer {

using common::Status;
using common::wire::FileKind;

namespace {

// Index meta: the journal head at this state dir's first listing (of this epoch).
constexpr std::string_view kDeviceSinceKey = "device_since_jid";

constexpr size_t kListPage = 1000;

// The blocklist of `path`'s version `jid` if this daemon holds it: an earlier file entry of the
// page being listed (`page_files`: path -> index in `entries`), the pending entry, or the base.
common::Result<std::optional<std::vector<common::wire::BlockRef>>> KnownBlocks(
    index::Index& index, const std::map<std::string, size_t>& page_files,
    const std::vector<index::PendingEntry>& entries, const std::string& path, uint64_t jid) {
  using Out = std::optional<std::vector<common::wire::BlockRef>>;
  const auto is_file = [](const std::optional<FileVersion>& v) {
    return v.has_value() && v->kind == FileKind::kFile;
  };
  if (auto it = page_files.find(path); it != page_files.end()) {
    const index::PendingEntry& e = entries[it->second];
    if (e.jid == jid && is_file(e.version)) return Out(e.version->blocks);
  }
  TESSERA_ASSIGN_OR_RETURN(const auto pending, index.GetPending(path));
  if (pending && pending->jid == jid && is_file(pending->version)) {
    return Out(pending->version->blocks);
  }
  TESSERA_ASSIGN_OR_RETURN(const auto row, index.Get(path));
  if (row && row->base_jid == jid && is_file(row->base)) return Out(row->base->blocks);
  return Out();
}

}  // namespace

common::Result<bool> Puller::ResolveListedDelta(const std::map<std::string, size_t>& page_files,
                                                const std::vector<index::PendingEntry>& entries,
                                                common::wire::JournalEntry& e) {
  if (!e.delta) return true;
  // An entry at or below the path's base JID is applied already (typically this daemon's own
  // commit listed back): StorePage would drop it, so it is dropped here without fetching anything.
  TESSERA_ASSIGN_OR_RETURN(const auto row, index_.Get(e.meta.path));
  if (row && row->base_jid >= e.jid) return false;
  TESSERA_ASSIGN_OR_RETURN(
      auto base, KnownBlocks(index_, page_files, entries, e.meta.path, e.delta->base_jid));
  if (base) {
    auto blocks = common::wire::ApplyBlocklistDelta(*base, *e.delta);
    if (blocks.ok()) {
      common::wire::FileMeta meta = e.meta;
      meta.blocks = std::move(blocks).value();
      if (common::wire::ValidateFileMeta(meta).ok()) {
        e.meta = std::move(meta);
        e.delta.reset();
        return true;
      }
    }
    log_.Warn("sync", "journal entry " + std::to_string(e.jid) +
                          ": its blocklist delta does not fit; fetching it whole");
  }
  TESSERA_ASSIGN_OR_RETURN(auto full, meta_.Entry(e.jid));
  if (full.meta.path != e.meta.path || full.meta.kind != e.meta.kind) {
    return common::Corruption("entry " + std::to_string(e.jid) + " differs from its listing");
  }
  e.meta = std::move(full.meta);
  e.delta.reset();
  return true;
}

Status Puller::ListSupersededMoves(const std::vector<index::PendingEntry>& entries) {
  // A move entry replaced by a newer entry for its path (in this page, or pending from an
  // earlier one) would take the entries it stands for with it: they are listed now, before
  // the page and the cursor are stored (StorePage keeps the newest entry per path).
  // Pending entries are looked up only when some pending entry is a move (rarely).
  TESSERA_ASSIGN_OR_RETURN(const auto pending_moves, index_.PendingMovePaths(1));
  std::map<std::string, std::pair<uint64_t, uint64_t>> latest;  // path -> (jid, covers)
  std::vector<std::pair<uint64_t, uint64_t>> superseded;
  for (const auto& p : entries) {
    if (auto it = latest.find(p.path); it != latest.end()) {
      if (it->second.second > 0) superseded.push_back(it->second);
    } else if (!pending_moves.empty()) {
      TESSERA_ASSIGN_OR_RETURN(const auto pending, index_.GetPending(p.path));
      if (pending && pending->covers > 0 && pending->jid < p.jid) {
        superseded.emplace_back(pending->jid, pending->covers);
      }
    }
    latest[p.path] = {p.jid, p.covers};
  }
  for (const auto& [jid, covers] : superseded) {
    TESSERA_RETURN_IF_ERROR(StoreCoveredEntries(meta_, index_, log_, jid, covers));
  }
  return Status::Ok();
}

Status Puller::ReportNameClash(const common::wire::JournalEntry& e) {
  if (clash_reported_) return Status::Ok();
  clash_reported_ = true;
  const std::string warning =
      "another desktop also calls itself '" + config_.device + "' (it made journal entry " +
      std::to_string(e.jid) + ", " + e.meta.path +
      "): conflicted copies cannot say which of the two they came from; start one of them "
      "with another --device name";
  log_.Warn("sync", warning);
  return index_.SetValue("warning", warning);
}

Status Puller::Pull() {
  TESSERA_ASSIGN_OR_RETURN(auto ns, index_.GetNs(config_.ns));
  uint64_t cursor = ns.cursor;
  bool first = true;
  for (;;) {
    TESSERA_ASSIGN_OR_RETURN(auto page,
                             meta_.List(cursor, kListPage, /*deltas=*/true, /*moves=*/true));
    if (first) {
      first = false;
      wanted_ = std::move(page.wanted);
      // Journal-reset guard: another epoch, or a head behind what we applied, means this is not
      // the journal our bases came from. Start over, treating everything remote as new; nothing
      // local is deleted because of it.
      if ((!ns.epoch.empty() && page.epoch != ns.epoch) || page.head < ns.cursor) {
        log_.Warn("sync", "the journal was reset (epoch '" + ns.epoch + "' -> '" + page.epoch +
                              "', head " + std::to_string(page.head) + " < cursor " +
                              std::to_string(ns.cursor) + "?): listing again from 0");
        TESSERA_RETURN_IF_ERROR(index_.ResetJournal(config_.ns, page.epoch));
        TESSERA_RETURN_IF_ERROR(
            index_.SetMeta(std::string(kDeviceSinceKey), std::to_string(page.head)));
        ns = index::NsState{0, page.epoch};
        cursor = 0;
        first = true;
        continue;
      }
      // Entries after this JID named for this device's name were not made by this state dir's
      // daemon unless it lists them back as its own: another desktop has the same name.
      TESSERA_ASSIGN_OR_RETURN(auto since, index_.GetMeta(std::string(kDeviceSinceKey)));
      if (!since) {
        since = std::to_string(page.head);
        TESSERA_RETURN_IF_ERROR(index_.SetMeta(std::string(kDeviceSinceKey), *since));
      }
      device_since_ = std::stoull(*since);
    }
    std::vector<index::PendingEntry> entries;
    std::map<std::string, size_t> page_files;  // path -> its latest entry so far in `entries`
    uint64_t last = cursor;
    for (auto& e : page.entries) {
      last = std::max(last, e.jid);
      if (const Status ok = common::ValidateRelativePath(e.meta.path); !ok.ok()) {
        RecordError(log_, index_,
                    "refused journal entry " + std::to_string(e.jid) + ": " + ok.ToString());
        continue;
      }
      TESSERA_ASSIGN_OR_RETURN(const bool unapplied, ResolveListedDelta(page_files, entries, e));
      if (!unapplied) continue;
      page_files[e.meta.path] = entries.size();
      index::PendingEntry p;
      p.path = e.meta.path;
      p.jid = e.jid;
      p.version = FileVersion::FromMeta(e.meta);
      p.mode = e.meta.mode;
      p.device = e.device;
      if (e.device == config_.device && e.jid > device_since_ && !clash_reported_) {
        // This daemon's own commits come back listed when another desktop's commit came
        // between (the cursor cannot skip them): their rows have that JID (or a later one) as
        // base already.
        TESSERA_ASSIGN_OR_RETURN(const auto row, index_.Get(e.meta.path));
        if (!row || row->base_jid < e.jid) TESSERA_RETURN_IF_ERROR(ReportNameClash(e));
      }
      p.moved_from = e.moved_from;  // a subtree move (the MoveApplier applies it)
      p.covers = e.covers;
      entries.push_back(std::move(p));
    }
    TESSERA_RETURN_IF_ERROR(ListSupersededMoves(entries));
    const uint64_t next = std::max(last, page.cursor);
    TESSERA_RETURN_IF_ERROR(index_.StorePage(config_.ns, entries, next, page.epoch));
    cursor = next;
    if (!page.has_more || page.entries.empty()) break;
  }
  return Status::Ok();
}

}  // namespace tessera::daemon::syncer
