// The read side of the Journal: Head, List, ListMoves, EntryAt, History, PathAt and Tree, each
// over one JournalSnapshot, by the rules of list_rules.h.
#include <algorithm>
#include <memory>
#include <optional>

#include "common/path.h"
#include "metaserver/journal/journal.h"
#include "metaserver/journal/list_rules.h"

namespace tessera::metaserver::journal {

using common::Result;
using common::Status;

namespace {

// Replaces `entry`'s full list by a delta against its path's previous entry when that entry is
// a file and the delta pays (ListingDelta).
Status UseDelta(JournalSnapshot& snapshot, Entry& entry) {
  if (entry.meta.kind != FileKind::kFile) return Status::Ok();
  TESSERA_ASSIGN_OR_RETURN(const std::optional<PathState> previous,
                           snapshot.PreviousOfPath(entry.meta.path, entry.jid));
  if (!previous.has_value() || previous->kind != FileKind::kFile) return Status::Ok();
  TESSERA_ASSIGN_OR_RETURN(const ResolvedBlocklist base, snapshot.Blocklist(previous->jid));
  auto delta = ListingDelta(*base.blocks, previous->jid, entry.meta.blocks);
  if (!delta.has_value()) return Status::Ok();
  entry.delta = std::move(delta);
  entry.meta.blocks.clear();
  return Status::Ok();
}

// A page of `limit` from `rows` (read with LIMIT limit + 1): cursor and has_more set; move
// fields hidden unless `keep_moves`; deltas applied when asked.
Result<Page> MakePage(JournalSnapshot& snapshot, std::vector<Entry> rows, uint64_t cursor,
                      size_t limit, bool deltas, bool keep_moves) {
  Page page;
  page.head = snapshot.head();
  page.cursor = cursor;
  if (rows.size() > limit) {
    page.has_more = true;
    rows.resize(limit);
  }
  for (Entry& entry : rows) {
    if (!keep_moves) HideMoveFields(entry);
    if (deltas) TESSERA_RETURN_IF_ERROR(UseDelta(snapshot, entry));
    page.cursor = entry.jid;
  }
  page.entries = std::move(rows);
  return page;
}

// `at_jid` as a JID of a snapshot whose head is `head`: 0 means the head; beyond it is refused.
Result<uint64_t> AsOf(uint64_t at_jid, uint64_t head) {
  if (at_jid == 0) return head;
  if (at_jid > head) {
    return common::InvalidArgument("jid " + std::to_string(at_jid) + " is past the head " +
                                   std::to_string(head));
  }
  return at_jid;
}

}  // namespace

Result<uint64_t> Journal::Head(uint64_t nsid) {
  TESSERA_ASSIGN_OR_RETURN(std::unique_ptr<JournalSnapshot> snapshot, store_.BeginRead(nsid));
  return snapshot->head();
}

Result<Page> Journal::List(uint64_t nsid, uint64_t cursor, size_t limit, bool deltas) {
  TESSERA_RETURN_IF_ERROR(CheckListLimit(limit));
  TESSERA_ASSIGN_OR_RETURN(std::unique_ptr<JournalSnapshot> snapshot, store_.BeginRead(nsid));
  TESSERA_ASSIGN_OR_RETURN(std::vector<Entry> rows, snapshot->EntriesAfter(cursor, limit + 1));
  TESSERA_ASSIGN_OR_RETURN(
      Page page, MakePage(*snapshot, std::move(rows), cursor, limit, deltas, /*keep_moves=*/false));
  page.epoch = store_.epoch();
  return page;
}

Result<Page> Journal::ListMoves(uint64_t nsid, uint64_t cursor, size_t limit, bool deltas) {
  TESSERA_RETURN_IF_ERROR(CheckListLimit(limit));
  TESSERA_ASSIGN_OR_RETURN(std::unique_ptr<JournalSnapshot> snapshot, store_.BeginRead(nsid));
  Page out;
  out.head = snapshot->head();
  out.epoch = store_.epoch();
  uint64_t at = cursor;
  for (;;) {
    const size_t want = limit - out.entries.size();
    TESSERA_ASSIGN_OR_RETURN(std::vector<Entry> rows, snapshot->EntriesAfter(at, want + 1));
    TESSERA_ASSIGN_OR_RETURN(
        Page page, MakePage(*snapshot, std::move(rows), at, want, deltas, /*keep_moves=*/true));
    bool jumped = false;
    for (Entry& e : page.entries) {
      if (e.covers > 0) {
        // A move entry: sent as itself; the entries it covers are skipped.
        at = e.jid + e.covers;
        out.entries.push_back(std::move(e));
        jumped = true;
        break;
      }
      at = e.jid;
      out.entries.push_back(std::move(e));
    }
    if (!jumped) {
      at = std::max(at, page.cursor);
      break;
    }
    if (out.entries.size() >= limit || at >= out.head) break;
  }
  out.cursor = at;
  out.has_more = at < out.head;
  return out;
}

Result<Entry> Journal::EntryAt(uint64_t nsid, uint64_t jid) {
  TESSERA_ASSIGN_OR_RETURN(std::unique_ptr<JournalSnapshot> snapshot, store_.BeginRead(nsid));
  TESSERA_ASSIGN_OR_RETURN(std::optional<Entry> entry, snapshot->EntryAt(jid));
  if (!entry.has_value()) return common::NotFound("entry " + std::to_string(jid));
  HideMoveFields(*entry);
  return std::move(*entry);
}

Result<Page> Journal::History(uint64_t nsid, std::string_view path, uint64_t cursor, size_t limit) {
  TESSERA_RETURN_IF_ERROR(CheckListLimit(limit));
  TESSERA_RETURN_IF_ERROR(common::ValidateRelativePath(path));
  TESSERA_ASSIGN_OR_RETURN(std::unique_ptr<JournalSnapshot> snapshot, store_.BeginRead(nsid));
  TESSERA_ASSIGN_OR_RETURN(std::vector<Entry> rows,
                           snapshot->PathEntriesAfter(path, cursor, limit + 1));
  TESSERA_ASSIGN_OR_RETURN(Page page, MakePage(*snapshot, std::move(rows), cursor, limit,
                                               /*deltas=*/false, /*keep_moves=*/false));
  page.epoch = store_.epoch();
  return page;
}

Result<Entry> Journal::PathAt(uint64_t nsid, std::string_view path, uint64_t at_jid) {
  TESSERA_RETURN_IF_ERROR(common::ValidateRelativePath(path));
  TESSERA_ASSIGN_OR_RETURN(std::unique_ptr<JournalSnapshot> snapshot, store_.BeginRead(nsid));
  TESSERA_ASSIGN_OR_RETURN(const uint64_t at, AsOf(at_jid, snapshot->head()));
  TESSERA_ASSIGN_OR_RETURN(std::optional<Entry> entry, snapshot->PathEntryAt(path, at));
  if (!entry.has_value() || entry->meta.kind == FileKind::kDeleted) {
    return common::NotFound(std::string(path) + " at jid " + std::to_string(at));
  }
  HideMoveFields(*entry);
  return std::move(*entry);
}

Result<TreePage> Journal::Tree(uint64_t nsid, std::string_view dir, uint64_t at_jid,
                               std::string_view after_path, size_t limit, bool children_only) {
  TESSERA_RETURN_IF_ERROR(CheckTreeQuery(dir, after_path, limit));
  TESSERA_ASSIGN_OR_RETURN(std::unique_ptr<JournalSnapshot> snapshot, store_.BeginRead(nsid));
  TreePage out;
  out.epoch = store_.epoch();
  TESSERA_ASSIGN_OR_RETURN(out.at_jid, AsOf(at_jid, snapshot->head()));
  TESSERA_ASSIGN_OR_RETURN(out.entries,
                           snapshot->TreeAt(dir, out.at_jid, after_path, limit + 1, children_only));
  if (out.entries.size() > limit) {
    out.has_more = true;
    out.entries.resize(limit);
  }
  for (Entry& e : out.entries) HideMoveFields(e);
  return out;
}

}  // namespace tessera::metaserver::journal
