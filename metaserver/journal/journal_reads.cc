// The read side of the Journal: List, History, Head, and the read connection pool.
#include <algorithm>
#include <cstdint>
#include <limits>

#include "common/path.h"
#include "common/wire/blocklist_delta.h"
#include "metaserver/journal/blocklist_codec.h"
#include "metaserver/journal/blocklist_store.h"
#include "metaserver/journal/journal.h"
#include "metaserver/journal/journal_impl.h"

namespace tessera::metaserver::journal {

using common::Result;
using common::Status;
using common::wire::FileKind;
using common::wire::JournalEntry;
using common::wire::ListResponse;

int64_t KindToColumn(FileKind kind) {
  switch (kind) {
    case FileKind::kFile:
      return 0;
    case FileKind::kDir:
      return 1;
    case FileKind::kSymlink:
      return 2;
    case FileKind::kDeleted:
      return 3;
  }
  return 3;
}

Result<FileKind> KindFromColumn(int64_t value) {
  switch (value) {
    case 0:
      return FileKind::kFile;
    case 1:
      return FileKind::kDir;
    case 2:
      return FileKind::kSymlink;
    case 3:
      return FileKind::kDeleted;
    default:
      return common::Corruption("entries.kind " + std::to_string(value));
  }
}

Result<JournalEntry> ReadEntryRow(const SqliteStmt& stmt, BlocklistResolver& blocklists) {
  JournalEntry entry;
  entry.jid = static_cast<uint64_t>(stmt.ColumnInt(0));
  entry.meta.path = std::string(stmt.ColumnText(1));
  TESSERA_ASSIGN_OR_RETURN(entry.meta.kind, KindFromColumn(stmt.ColumnInt(2)));
  entry.meta.size = static_cast<uint64_t>(stmt.ColumnInt(3));
  entry.meta.mtime_ns = stmt.ColumnInt(4);
  entry.meta.mode = static_cast<uint32_t>(stmt.ColumnInt(5));
  entry.meta.symlink_target = std::string(stmt.ColumnText(6));
  if (entry.meta.kind == FileKind::kFile) {
    TESSERA_ASSIGN_OR_RETURN(auto resolved, blocklists.FromBlob(entry.jid, stmt.ColumnBlob(7)));
    entry.meta.blocks = *resolved.blocks;
  }
  entry.device = std::string(stmt.ColumnText(8));
  return entry;
}

namespace {

Result<std::unique_ptr<ReadConnection>> OpenReader(const std::string& path) {
  auto conn = std::make_unique<ReadConnection>();
  TESSERA_ASSIGN_OR_RETURN(conn->db, SqliteDb::Open(path));
  // A reader never writes: query_only turns a bug into an error instead of a stray write.
  TESSERA_RETURN_IF_ERROR(conn->db.Exec("PRAGMA foreign_keys = ON; PRAGMA query_only = ON;"));
  TESSERA_ASSIGN_OR_RETURN(conn->select_namespace,
                           conn->db.Prepare("SELECT nsid FROM namespaces WHERE name = ?1"));
  TESSERA_ASSIGN_OR_RETURN(conn->select_head,
                           conn->db.Prepare("SELECT head_jid FROM namespaces WHERE nsid = ?1"));
  TESSERA_ASSIGN_OR_RETURN(conn->list,
                           conn->db.Prepare(std::string("SELECT ") + kEntryColumns +
                                            " FROM entries WHERE nsid = ?1 AND jid > ?2 "
                                            "ORDER BY jid LIMIT ?3"));
  TESSERA_ASSIGN_OR_RETURN(
      conn->history, conn->db.Prepare(std::string("SELECT ") + kEntryColumns +
                                      " FROM entries WHERE nsid = ?1 AND path = ?2 AND jid > ?3 "
                                      "ORDER BY jid LIMIT ?4"));
  TESSERA_ASSIGN_OR_RETURN(conn->entry,
                           conn->db.Prepare(std::string("SELECT ") + kEntryColumns +
                                            " FROM entries WHERE nsid = ?1 AND jid = ?2"));
  TESSERA_ASSIGN_OR_RETURN(conn->select_blocklist, conn->db.Prepare(kSelectBlocklistSql));
  TESSERA_ASSIGN_OR_RETURN(
      conn->previous_of_path,
      conn->db.Prepare("SELECT jid, kind FROM entries WHERE nsid = ?1 AND path = ?2 AND jid < ?3 "
                       "ORDER BY jid DESC LIMIT 1"));
  return conn;
}

Result<uint64_t> ReadHead(SqliteStmt& stmt, uint64_t nsid) {
  auto use = stmt.Use();
  TESSERA_RETURN_IF_ERROR(stmt.BindInt(1, static_cast<int64_t>(nsid)));
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return common::NotFound("namespace " + std::to_string(nsid));
  return static_cast<uint64_t>(stmt.ColumnInt(0));
}

// JIDs are stored as SQLite integers (int64); a cursor beyond that matches nothing.
int64_t CursorColumn(uint64_t cursor) {
  return static_cast<int64_t>(
      std::min<uint64_t>(cursor, static_cast<uint64_t>(std::numeric_limits<int64_t>::max())));
}

Status CheckLimit(size_t limit) {
  if (limit == 0 || limit > common::wire::kMaxListLimit) {
    return common::InvalidArgument("limit must be 1.." +
                                   std::to_string(common::wire::kMaxListLimit));
  }
  return Status::Ok();
}

// Replaces `entry`'s full list by a delta against its path's previous entry when that entry is
// a file and the delta pays (blocklist_delta.h).
Status UseDelta(ReadConnection& conn, uint64_t nsid, BlocklistResolver& blocklists,
                JournalEntry& entry) {
  if (entry.meta.kind != FileKind::kFile) return Status::Ok();
  uint64_t previous = 0;
  {
    SqliteStmt& s = conn.previous_of_path;
    auto use = s.Use();
    TESSERA_RETURN_IF_ERROR(s.BindInt(1, static_cast<int64_t>(nsid)));
    TESSERA_RETURN_IF_ERROR(s.BindText(2, entry.meta.path));
    TESSERA_RETURN_IF_ERROR(s.BindInt(3, static_cast<int64_t>(entry.jid)));
    TESSERA_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return Status::Ok();
    TESSERA_ASSIGN_OR_RETURN(const FileKind kind, KindFromColumn(s.ColumnInt(1)));
    if (kind != FileKind::kFile) return Status::Ok();
    previous = static_cast<uint64_t>(s.ColumnInt(0));
  }
  TESSERA_ASSIGN_OR_RETURN(const auto base, blocklists.Of(previous));
  common::wire::BlocklistDelta delta =
      common::wire::ComputeBlocklistDelta(*base.blocks, entry.meta.blocks);
  if (!common::wire::DeltaPays(delta, entry.meta.blocks.size())) return Status::Ok();
  delta.base_jid = previous;
  entry.delta = std::move(delta);
  entry.meta.blocks.clear();
  return Status::Ok();
}

// Steps `stmt` (already bound, LIMIT limit + 1) into `out`, setting cursor and has_more; with
// `deltas`, file entries get blocklist deltas where they pay (UseDelta).
Status CollectPage(ReadConnection& conn, SqliteStmt& stmt, uint64_t nsid, uint64_t cursor,
                   size_t limit, bool deltas, ListResponse& out) {
  BlocklistResolver blocklists(conn.select_blocklist, nsid);
  out.cursor = cursor;
  for (;;) {
    TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    if (out.entries.size() == limit) {
      out.has_more = true;
      break;
    }
    TESSERA_ASSIGN_OR_RETURN(JournalEntry entry, ReadEntryRow(stmt, blocklists));
    if (deltas) TESSERA_RETURN_IF_ERROR(UseDelta(conn, nsid, blocklists, entry));
    out.cursor = entry.jid;
    out.entries.push_back(std::move(entry));
  }
  return Status::Ok();
}

}  // namespace

Result<Journal::Impl::ReaderLease> Journal::Impl::LeaseReader() {
  {
    std::lock_guard<std::mutex> lock(pool_mutex);
    if (!idle_readers.empty()) {
      auto conn = std::move(idle_readers.back());
      idle_readers.pop_back();
      return ReaderLease(this, std::move(conn));
    }
  }
  TESSERA_ASSIGN_OR_RETURN(auto conn, OpenReader(db_path));
  return ReaderLease(this, std::move(conn));
}

void Journal::Impl::ReturnReader(std::unique_ptr<ReadConnection> conn) {
  if (conn == nullptr) return;  // moved-from lease
  std::lock_guard<std::mutex> lock(pool_mutex);
  if (idle_readers.size() < kMaxIdleReaders) idle_readers.push_back(std::move(conn));
}

Result<uint64_t> Journal::Head(uint64_t nsid) {
  TESSERA_ASSIGN_OR_RETURN(auto reader, impl_->LeaseReader());
  return ReadHead(reader->select_head, nsid);
}

Result<ListResponse> Journal::List(uint64_t nsid, uint64_t cursor, size_t limit, bool deltas) {
  TESSERA_RETURN_IF_ERROR(CheckLimit(limit));
  TESSERA_ASSIGN_OR_RETURN(auto reader, impl_->LeaseReader());
  // One read transaction: head and entries come from the same snapshot.
  TESSERA_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(reader->db, /*write=*/false));
  ListResponse out;
  out.epoch = impl_->epoch;
  TESSERA_ASSIGN_OR_RETURN(out.head, ReadHead(reader->select_head, nsid));
  SqliteStmt& stmt = reader->list;
  auto use = stmt.Use();
  TESSERA_RETURN_IF_ERROR(stmt.BindInt(1, static_cast<int64_t>(nsid)));
  TESSERA_RETURN_IF_ERROR(stmt.BindInt(2, CursorColumn(cursor)));
  TESSERA_RETURN_IF_ERROR(stmt.BindInt(3, static_cast<int64_t>(limit) + 1));
  TESSERA_RETURN_IF_ERROR(CollectPage(*reader, stmt, nsid, cursor, limit, deltas, out));
  return out;  // `use` resets the statement, then `txn` ends the read snapshot
}

Result<JournalEntry> Journal::Entry(uint64_t nsid, uint64_t jid) {
  TESSERA_ASSIGN_OR_RETURN(auto reader, impl_->LeaseReader());
  TESSERA_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(reader->db, /*write=*/false));
  TESSERA_RETURN_IF_ERROR(ReadHead(reader->select_head, nsid).status());
  SqliteStmt& stmt = reader->entry;
  auto use = stmt.Use();
  TESSERA_RETURN_IF_ERROR(stmt.BindInt(1, static_cast<int64_t>(nsid)));
  TESSERA_RETURN_IF_ERROR(stmt.BindInt(2, CursorColumn(jid)));
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return common::NotFound("entry " + std::to_string(jid));
  BlocklistResolver blocklists(reader->select_blocklist, nsid);
  return ReadEntryRow(stmt, blocklists);
}

Result<ListResponse> Journal::History(uint64_t nsid, std::string_view path, uint64_t cursor,
                                      size_t limit) {
  TESSERA_RETURN_IF_ERROR(CheckLimit(limit));
  TESSERA_RETURN_IF_ERROR(common::ValidateRelativePath(path));
  TESSERA_ASSIGN_OR_RETURN(auto reader, impl_->LeaseReader());
  TESSERA_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(reader->db, /*write=*/false));
  ListResponse out;
  out.epoch = impl_->epoch;
  TESSERA_ASSIGN_OR_RETURN(out.head, ReadHead(reader->select_head, nsid));
  SqliteStmt& stmt = reader->history;
  auto use = stmt.Use();
  TESSERA_RETURN_IF_ERROR(stmt.BindInt(1, static_cast<int64_t>(nsid)));
  TESSERA_RETURN_IF_ERROR(stmt.BindText(2, path));
  TESSERA_RETURN_IF_ERROR(stmt.BindInt(3, CursorColumn(cursor)));
  TESSERA_RETURN_IF_ERROR(stmt.BindInt(4, static_cast<int64_t>(limit) + 1));
  TESSERA_RETURN_IF_ERROR(CollectPage(*reader, stmt, nsid, cursor, limit, /*deltas=*/false, out));
  return out;
}

}  // namespace tessera::metaserver::journal
