// The journal side of the Index: the cursor per namespace, and the listed remote entries that
// wait in remote_pending until the syncer applies them.
#include "daemon/index/index_impl.h"

namespace tessera::daemon::index {

using common::Result;
using common::Status;
using common::wire::FileKind;

namespace {

// Binds ?3..?11 of an INSERT into remote_pending (?1 path and ?2 jid are the caller's).
SqliteStmt& BindPending(SqliteStmt& put, const PendingEntry& e) {
  if (e.version) {
    put.Bind(3, KindText(e.version->kind))
        .Bind(4, static_cast<int64_t>(e.version->size))
        .Bind(5, e.version->mtime_ns)
        .Bind(6, static_cast<int64_t>(e.mode))
        .Bind(7, std::string_view(e.version->symlink_target))
        .BindBlob(8, EncodeBlocks(e.version->blocks));
  } else {
    put.Bind(3, std::string_view("deleted")).Bind(4, int64_t{0}).Bind(5, int64_t{0});
    put.Bind(6, int64_t{0}).Bind(7, std::string_view("")).BindBlob(8, "");
  }
  return put.Bind(9, std::string_view(e.device))
      .Bind(10, std::string_view(e.moved_from))
      .Bind(11, static_cast<int64_t>(e.covers));
}

}  // namespace

Result<NsState> Index::GetNs(const std::string& ns) {
  TESSERA_ASSIGN_OR_RETURN(auto* s,
                           impl_->Stmt("SELECT cursor, epoch FROM ns_state WHERE ns = ?1"));
  s->Bind(1, std::string_view(ns));
  TESSERA_ASSIGN_OR_RETURN(bool row, s->Step());
  NsState out;
  if (row) {
    out.cursor = static_cast<uint64_t>(s->Int(0));
    out.epoch = s->Text(1);
  }
  s->Reset();
  return out;
}

Status Index::StorePage(const std::string& ns, const std::vector<PendingEntry>& entries,
                        uint64_t cursor, const std::string& epoch) {
  return InTransaction([&]() -> Status {
    TESSERA_ASSIGN_OR_RETURN(
        auto* newest,
        impl_->Stmt("SELECT max(coalesce((SELECT jid FROM files WHERE path = ?1), 0), "
                    "coalesce((SELECT jid FROM remote_pending WHERE path = ?1), 0))"));
    for (const auto& e : entries) {
      newest->Reset().Bind(1, std::string_view(e.path));
      TESSERA_ASSIGN_OR_RETURN(bool row, newest->Step());
      const uint64_t known = row ? static_cast<uint64_t>(newest->Int(0)) : 0;
      newest->Reset();
      // Already applied (e.g. our own commit coming back), or a newer entry is pending already
      // (one of a move's covered entries, listed ahead of the page).
      if (e.jid <= known) continue;
      TESSERA_ASSIGN_OR_RETURN(
          auto* put, impl_->Stmt("INSERT OR REPLACE INTO remote_pending(path, jid, kind, size, "
                                 "mtime_ns, mode, symlink_target, blocks, device, moved_from, "
                                 "covers) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)"));
      put->Bind(1, std::string_view(e.path)).Bind(2, static_cast<int64_t>(e.jid));
      TESSERA_RETURN_IF_ERROR(BindPending(*put, e).Run());
    }
    TESSERA_ASSIGN_OR_RETURN(
        auto* cur,
        impl_->Stmt("INSERT OR REPLACE INTO ns_state(ns, cursor, epoch) VALUES(?1,?2,?3)"));
    return cur->Bind(1, std::string_view(ns))
        .Bind(2, static_cast<int64_t>(cursor))
        .Bind(3, std::string_view(epoch))
        .Run();
  });
}

Status Index::ResetJournal(const std::string& ns, const std::string& epoch) {
  return InTransaction([&]() -> Status {
    TESSERA_RETURN_IF_ERROR(impl_->db->Exec(
        "DELETE FROM remote_pending;"
        "DELETE FROM files WHERE kind IS NULL;"
        "UPDATE files SET jid = 0, base_kind = NULL, base_size = 0, base_exec = 0, "
        "base_target = '', base_blocks = x'', base_mtime_ns = 0, state = 'dirty', error = '';"));
    TESSERA_ASSIGN_OR_RETURN(
        auto* cur,
        impl_->Stmt("INSERT OR REPLACE INTO ns_state(ns, cursor, epoch) VALUES(?1,?2,?3)"));
    return cur->Bind(1, std::string_view(ns))
        .Bind(2, int64_t{0})
        .Bind(3, std::string_view(epoch))
        .Run();
  });
}

Result<std::optional<PendingEntry>> Index::GetPending(const std::string& path) {
  TESSERA_ASSIGN_OR_RETURN(
      auto* s,
      impl_->Stmt("SELECT jid, kind, size, mtime_ns, mode, symlink_target, blocks, device, "
                  "moved_from, covers FROM remote_pending WHERE path = ?1"));
  s->Bind(1, std::string_view(path));
  TESSERA_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) {
    s->Reset();
    return std::optional<PendingEntry>();
  }
  PendingEntry e;
  e.path = path;
  e.jid = static_cast<uint64_t>(s->Int(0));
  TESSERA_ASSIGN_OR_RETURN(FileKind kind, ParseKind(s->Text(1)));
  e.mode = static_cast<uint32_t>(s->Int(4));
  e.device = s->Text(7);
  e.moved_from = s->Text(8);
  e.covers = static_cast<uint64_t>(s->Int(9));
  if (kind != FileKind::kDeleted) {
    FileVersion v;
    v.kind = kind;
    v.size = static_cast<uint64_t>(s->Int(2));
    v.mtime_ns = s->Int(3);
    v.executable = kind == FileKind::kFile && (e.mode & 0100) != 0;
    v.symlink_target = s->Text(5);
    TESSERA_ASSIGN_OR_RETURN(v.blocks, DecodeBlocks(s->Blob(6)));
    e.version = std::move(v);
  }
  s->Reset();
  return std::optional<PendingEntry>(std::move(e));
}

Status Index::RemovePending(const std::string& path) {
  TESSERA_ASSIGN_OR_RETURN(auto* s, impl_->Stmt("DELETE FROM remote_pending WHERE path = ?1"));
  return s->Bind(1, std::string_view(path)).Run();
}

Result<std::vector<std::string>> Index::PendingPaths(size_t limit) {
  return impl_->Strings("SELECT path FROM remote_pending ORDER BY jid LIMIT ?1", "",
                        static_cast<int64_t>(limit));
}

Result<bool> Index::HasPendingUnder(const std::string& dir) {
  // Prefix range on the primary key: "dir/" <= path < "dir0" ('0' follows '/').
  TESSERA_ASSIGN_OR_RETURN(
      auto* s, impl_->Stmt("SELECT 1 FROM remote_pending WHERE path >= ?1 AND path < ?2 LIMIT 1"));
  s->Bind(1, dir + "/").Bind(2, dir + "0");
  TESSERA_ASSIGN_OR_RETURN(bool row, s->Step());
  s->Reset();
  return row;
}

Result<std::vector<std::string>> Index::PendingMovePaths(size_t limit) {
  return impl_->Strings("SELECT path FROM remote_pending WHERE covers > 0 ORDER BY jid LIMIT ?1",
                        "", static_cast<int64_t>(limit));
}

Status Index::ClearPendingMove(const std::string& path) {
  TESSERA_ASSIGN_OR_RETURN(
      auto* s,
      impl_->Stmt("UPDATE remote_pending SET covers = 0, moved_from = '' WHERE path = ?1"));
  return s->Bind(1, std::string_view(path)).Run();
}

Status Index::StoreListedEntries(const std::vector<PendingEntry>& entries) {
  return InTransaction([&]() -> Status {
    TESSERA_ASSIGN_OR_RETURN(
        auto* newest,
        impl_->Stmt("SELECT max(coalesce((SELECT jid FROM files WHERE path = ?1), 0), "
                    "coalesce((SELECT jid FROM remote_pending WHERE path = ?1), 0))"));
    std::vector<PendingEntry> newer;
    for (const auto& e : entries) {
      newest->Reset().Bind(1, std::string_view(e.path));
      TESSERA_ASSIGN_OR_RETURN(bool row, newest->Step());
      const uint64_t known = row ? static_cast<uint64_t>(newest->Int(0)) : 0;
      newest->Reset();
      if (e.jid > known) newer.push_back(e);
    }
    TESSERA_ASSIGN_OR_RETURN(
        auto* put, impl_->Stmt("INSERT OR REPLACE INTO remote_pending(path, jid, kind, size, "
                               "mtime_ns, mode, symlink_target, blocks, device, moved_from, "
                               "covers) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)"));
    for (const auto& e : newer) {
      put->Reset();
      put->Bind(1, std::string_view(e.path)).Bind(2, static_cast<int64_t>(e.jid));
      TESSERA_RETURN_IF_ERROR(BindPending(*put, e).Run());
    }
    return Status::Ok();
  });
}

}  // namespace tessera::daemon::index
