// The mass-delete guard's side of the Index (daemon/syncer/delete_guard.h): the deletes it
// holds until `tessera resume` confirms or restores them.
#include "daemon/index/index_impl.h"

namespace tessera::daemon::index {

using common::Result;
using common::Status;

namespace {

// A delete made here: absent on disk with a live base, not reconciled yet.
constexpr const char* kOutgoingSql =
    "SELECT path FROM files WHERE state = 'dirty' AND kind IS NULL AND base_kind IS NOT NULL "
    "AND base_kind <> 'deleted'";
// A journal delete waiting for a path present here.
constexpr const char* kIncomingSql =
    "SELECT r.path FROM remote_pending r JOIN files f ON f.path = r.path "
    "WHERE r.kind = 'deleted' AND r.covers = 0 AND f.kind IS NOT NULL";

// Steps a bound statement (a change with RETURNING 1) to its end: the rows it changed.
Result<uint64_t> RowsChanged(SqliteStmt& s) {
  uint64_t n = 0;
  for (;;) {
    TESSERA_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return n;
    ++n;
  }
}

}  // namespace

Result<DeleteCounts> Index::CountDeletes() {
  DeleteCounts out;
  TESSERA_ASSIGN_OR_RETURN(
      out.files, impl_->Count("SELECT count(*) FROM files WHERE base_kind IN ('file','symlink')"));
  TESSERA_ASSIGN_OR_RETURN(
      out.outgoing,
      impl_->Count(std::string("SELECT count(*) FROM (") + kOutgoingSql +
                   " AND base_kind <> 'dir' AND path NOT IN (SELECT path FROM held_deletes "
                   "WHERE incoming = 0 AND confirmed = 1))"));
  TESSERA_ASSIGN_OR_RETURN(
      out.incoming,
      impl_->Count(std::string("SELECT count(*) FROM (") + kIncomingSql +
                   " AND f.kind <> 'dir' AND r.path NOT IN (SELECT path FROM held_deletes "
                   "WHERE incoming = 1 AND confirmed = 1))"));
  TESSERA_ASSIGN_OR_RETURN(
      out.held_outgoing,
      impl_->Count("SELECT count(*) FROM held_deletes h JOIN files f ON f.path = h.path "
                   "WHERE h.incoming = 0 AND h.confirmed = 0 AND f.base_kind <> 'dir'"));
  TESSERA_ASSIGN_OR_RETURN(
      out.held_incoming,
      impl_->Count("SELECT count(*) FROM held_deletes h JOIN files f ON f.path = h.path "
                   "WHERE h.incoming = 1 AND h.confirmed = 0 AND f.kind <> 'dir'"));
  return out;
}

Status Index::HoldDeletes(const std::vector<std::string>& paths, bool incoming) {
  return InTransaction([&]() -> Status {
    TESSERA_ASSIGN_OR_RETURN(
        auto* s, impl_->Stmt("INSERT OR IGNORE INTO held_deletes(path, incoming) VALUES(?1, ?2)"));
    for (const auto& path : paths) {
      auto use = s->Use();
      TESSERA_RETURN_IF_ERROR(s->BindAll(path, incoming ? 1 : 0));
      TESSERA_RETURN_IF_ERROR(s->Run());
    }
    return Status::Ok();
  });
}

Result<bool> Index::DeleteConfirmed(const std::string& path, bool incoming) {
  TESSERA_ASSIGN_OR_RETURN(
      auto* s, impl_->Stmt("SELECT 1 FROM held_deletes WHERE path = ?1 AND incoming = ?2 AND "
                           "confirmed = 1"));
  auto use = s->Use();
  TESSERA_RETURN_IF_ERROR(s->BindAll(path, incoming ? 1 : 0));
  return s->Step();
}

Status Index::PruneHeld() {
  return impl_->db.Exec(
      std::string("DELETE FROM held_deletes WHERE (incoming = 0 AND path NOT IN (") + kOutgoingSql +
      ")) OR (incoming = 1 AND path NOT IN (" + kIncomingSql + "))");
}

Result<uint64_t> Index::ReleaseHeld(bool incoming) {
  TESSERA_ASSIGN_OR_RETURN(
      auto* s,
      impl_->Stmt("DELETE FROM held_deletes WHERE incoming = ?1 AND confirmed = 0 RETURNING 1"));
  auto use = s->Use();
  TESSERA_RETURN_IF_ERROR(s->BindInt(1, incoming ? 1 : 0));
  return RowsChanged(*s);
}

Result<uint64_t> Index::HeldCount() {
  return impl_->Count("SELECT count(*) FROM held_deletes WHERE confirmed = 0");
}

Result<uint64_t> Index::ConfirmHeldDeletes() {
  TESSERA_ASSIGN_OR_RETURN(
      auto* s,
      impl_->Stmt("UPDATE held_deletes SET confirmed = 1 WHERE confirmed = 0 RETURNING 1"));
  auto use = s->Use();
  return RowsChanged(*s);
}

Result<uint64_t> Index::RestoreHeldDeletes() {
  uint64_t restored = 0;
  TESSERA_RETURN_IF_ERROR(InTransaction([&]() -> Status {
    std::vector<std::pair<std::string, bool>> held;
    {
      TESSERA_ASSIGN_OR_RETURN(
          auto* s, impl_->Stmt("SELECT path, incoming FROM held_deletes WHERE confirmed = 0"));
      auto use = s->Use();
      for (;;) {
        TESSERA_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        held.emplace_back(std::string(s->ColumnText(0)), s->ColumnInt(1) != 0);
      }
    }
    std::vector<PendingEntry> again;
    for (const auto& [path, incoming] : held) {
      TESSERA_ASSIGN_OR_RETURN(auto row, Get(path));
      if (!row) continue;
      if (!incoming && !row->local && row->base) {
        // Fetched again like any entry this desktop never had: the row goes, its base becomes
        // the pending entry (at the base's JID, so anything newer already pending stays).
        PendingEntry e;
        e.path = path;
        e.jid = row->base_jid;
        e.version = row->base;
        e.mode = row->base->executable ? 0755 : 0644;
        again.push_back(std::move(e));
        FileRow gone = *row;
        gone.base.reset();
        gone.base_jid = 0;
        TESSERA_RETURN_IF_ERROR(Put(gone));
        ++restored;
      } else if (incoming && row->local) {
        TESSERA_ASSIGN_OR_RETURN(auto pending, GetPending(path));
        if (!pending || pending->version) continue;
        // The journal's delete becomes the base; the file here is then new, and uploaded.
        FileRow kept = *row;
        kept.base.reset();
        kept.base_jid = pending->jid;
        kept.state = SyncState::kDirty;
        TESSERA_RETURN_IF_ERROR(Put(kept));
        TESSERA_RETURN_IF_ERROR(RemovePending(path));
        ++restored;
      }
    }
    if (!again.empty()) TESSERA_RETURN_IF_ERROR(StoreListedEntries(again));
    return impl_->db.Exec("DELETE FROM held_deletes WHERE confirmed = 0");
  }));
  return restored;
}

}  // namespace tessera::daemon::index
