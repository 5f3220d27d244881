// The journal side of the Index: the cursor per namespace, and the listed remote entries that
// wait in remote_pending until the syncer applies them.
#include "daemon/index/index_impl.h"

namespace tessera::daemon::index {

using common::Result;
using common::Status;
using common::wire::FileKind;

namespace {

constexpr const char* kPutPendingSql =
    "INSERT OR REPLACE INTO remote_pending(path, jid, kind, size, mtime_ns, mode, "
    "symlink_target, blocks, device, moved_from, covers) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,"
    "?11)";

// Runs kPutPendingSql for `e`.
Status PutPending(SqliteStmt& put, const PendingEntry& e) {
  auto use = put.Use();
  const FileVersion* v = e.version ? &*e.version : nullptr;
  // A tombstone is kind 'deleted' with zero size, time, mode and no target or blocks.
  TESSERA_RETURN_IF_ERROR(put.BindAll(e.path, e.jid, v ? KindText(v->kind) : std::string("deleted"),
                                      v ? v->size : 0, v ? v->mtime_ns : 0, v ? e.mode : 0,
                                      v ? std::string_view(v->symlink_target) : std::string_view(),
                                      Blob{v ? EncodeBlocks(v->blocks) : std::string()}, e.device,
                                      e.moved_from, e.covers));
  return put.Run();
}

// The newest JID known for `path`: its base's or its pending entry's (0: none).
Result<uint64_t> NewestKnownJid(SqliteStmt& newest, const std::string& path) {
  auto use = newest.Use();
  TESSERA_RETURN_IF_ERROR(newest.BindText(1, path));
  TESSERA_ASSIGN_OR_RETURN(bool row, newest.Step());
  return row ? static_cast<uint64_t>(newest.ColumnInt(0)) : 0;
}

constexpr const char* kNewestKnownJidSql =
    "SELECT max(coalesce((SELECT jid FROM files WHERE path = ?1), 0), "
    "coalesce((SELECT jid FROM remote_pending WHERE path = ?1), 0))";

}  // namespace

Result<NsState> Index::GetNs(const std::string& ns) {
  TESSERA_ASSIGN_OR_RETURN(auto* s,
                           impl_->Stmt("SELECT cursor, epoch FROM ns_state WHERE ns = ?1"));
  auto use = s->Use();
  TESSERA_RETURN_IF_ERROR(s->BindText(1, ns));
  TESSERA_ASSIGN_OR_RETURN(bool row, s->Step());
  NsState out;
  if (row) {
    out.cursor = static_cast<uint64_t>(s->ColumnInt(0));
    out.epoch = s->ColumnText(1);
  }
  return out;
}

Status Index::StorePage(const std::string& ns, const std::vector<PendingEntry>& entries,
                        uint64_t cursor, const std::string& epoch) {
  return InTransaction([&]() -> Status {
    TESSERA_ASSIGN_OR_RETURN(auto* newest, impl_->Stmt(kNewestKnownJidSql));
    for (const auto& e : entries) {
      TESSERA_ASSIGN_OR_RETURN(const uint64_t known, NewestKnownJid(*newest, e.path));
      // Already applied (e.g. our own commit coming back), or a newer entry is pending already
      // (one of a move's covered entries, listed ahead of the page).
      if (e.jid <= known) continue;
      TESSERA_ASSIGN_OR_RETURN(auto* put, impl_->Stmt(kPutPendingSql));
      TESSERA_RETURN_IF_ERROR(PutPending(*put, e));
    }
    TESSERA_ASSIGN_OR_RETURN(
        auto* cur,
        impl_->Stmt("INSERT OR REPLACE INTO ns_state(ns, cursor, epoch) VALUES(?1,?2,?3)"));
    auto use = cur->Use();
    TESSERA_RETURN_IF_ERROR(cur->BindAll(ns, cursor, epoch));
    return cur->Run();
  });
}

Status Index::ResetJournal(const std::string& ns, const std::string& epoch) {
  return InTransaction([&]() -> Status {
    TESSERA_RETURN_IF_ERROR(impl_->db.Exec(
        "DELETE FROM remote_pending;"
        "DELETE FROM files WHERE kind IS NULL;"
        "UPDATE files SET jid = 0, base_kind = NULL, base_size = 0, base_exec = 0, "
        "base_target = '', base_blocks = x'', base_mtime_ns = 0, state = 'dirty', error = '';"));
    TESSERA_ASSIGN_OR_RETURN(
        auto* cur,
        impl_->Stmt("INSERT OR REPLACE INTO ns_state(ns, cursor, epoch) VALUES(?1,?2,?3)"));
    auto use = cur->Use();
    TESSERA_RETURN_IF_ERROR(cur->BindAll(ns, 0, epoch));
    return cur->Run();
  });
}

Result<std::optional<PendingEntry>> Index::GetPending(const std::string& path) {
  TESSERA_ASSIGN_OR_RETURN(
      auto* s,
      impl_->Stmt("SELECT jid, kind, size, mtime_ns, mode, symlink_target, blocks, device, "
                  "moved_from, covers FROM remote_pending WHERE path = ?1"));
  auto use = s->Use();
  TESSERA_RETURN_IF_ERROR(s->BindText(1, path));
  TESSERA_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<PendingEntry>();
  PendingEntry e;
  e.path = path;
  e.jid = static_cast<uint64_t>(s->ColumnInt(0));
  TESSERA_ASSIGN_OR_RETURN(FileKind kind, ParseKind(s->ColumnText(1)));
  e.mode = static_cast<uint32_t>(s->ColumnInt(4));
  e.device = s->ColumnText(7);
  e.moved_from = s->ColumnText(8);
  e.covers = static_cast<uint64_t>(s->ColumnInt(9));
  if (kind != FileKind::kDeleted) {
    FileVersion v;
    v.kind = kind;
    v.size = static_cast<uint64_t>(s->ColumnInt(2));
    v.mtime_ns = s->ColumnInt(3);
    v.executable = kind == FileKind::kFile && (e.mode & 0100) != 0;
    v.symlink_target = s->ColumnText(5);
    TESSERA_ASSIGN_OR_RETURN(v.blocks, DecodeBlocks(s->ColumnBlob(6)));
    e.version = std::move(v);
  }
  return std::optional<PendingEntry>(std::move(e));
}

Status Index::RemovePending(const std::string& path) {
  TESSERA_ASSIGN_OR_RETURN(auto* s, impl_->Stmt("DELETE FROM remote_pending WHERE path = ?1"));
  auto use = s->Use();
  TESSERA_RETURN_IF_ERROR(s->BindText(1, path));
  return s->Run();
}

Result<std::vector<std::string>> Index::PendingPaths(size_t limit) {
  return impl_->Strings(
      "SELECT path FROM remote_pending WHERE NOT (kind = 'deleted' AND path IN "
      "(SELECT path FROM held_deletes WHERE incoming = 1 AND confirmed = 0)) "
      "ORDER BY jid LIMIT ?1",
      static_cast<int64_t>(limit));
}

Result<bool> Index::HasPendingUnder(const std::string& dir) {
  // Prefix range on the primary key: "dir/" <= path < "dir0" ('0' follows '/').
  TESSERA_ASSIGN_OR_RETURN(
      auto* s, impl_->Stmt("SELECT 1 FROM remote_pending WHERE path >= ?1 AND path < ?2 LIMIT 1"));
  auto use = s->Use();
  TESSERA_RETURN_IF_ERROR(s->BindAll(dir + "/", dir + "0"));
  return s->Step();
}

Result<std::vector<std::string>> Index::PendingMovePaths(size_t limit) {
  return impl_->Strings("SELECT path FROM remote_pending WHERE covers > 0 ORDER BY jid LIMIT ?1",
                        static_cast<int64_t>(limit));
}

Status Index::ClearPendingMove(const std::string& path) {
  TESSERA_ASSIGN_OR_RETURN(
      auto* s,
      impl_->Stmt("UPDATE remote_pending SET covers = 0, moved_from = '' WHERE path = ?1"));
  auto use = s->Use();
  TESSERA_RETURN_IF_ERROR(s->BindText(1, path));
  return s->Run();
}

Status Index::StoreListedEntries(const std::vector<PendingEntry>& entries) {
  return InTransaction([&]() -> Status {
    TESSERA_ASSIGN_OR_RETURN(auto* newest, impl_->Stmt(kNewestKnownJidSql));
    std::vector<PendingEntry> newer;
    for (const auto& e : entries) {
      TESSERA_ASSIGN_OR_RETURN(const uint64_t known, NewestKnownJid(*newest, e.path));
      if (e.jid > known) newer.push_back(e);
    }
    TESSERA_ASSIGN_OR_RETURN(auto* put, impl_->Stmt(kPutPendingSql));
    for (const auto& e : newer) TESSERA_RETURN_IF_ERROR(PutPending(*put, e));
    return Status::Ok();
  });
}

}  // namespace tessera::daemon::index
