// The read side of the Journal: List, History, Head, and the read connection pool.
#include <algorithm>
#include <cstdint>
#include <limits>

#include "common/path.h"
#include "metaserver/journal/blocklist_codec.h"
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

Result<JournalEntry> ReadEntryRow(const SqliteStmt& stmt) {
  JournalEntry entry;
  entry.jid = static_cast<uint64_t>(stmt.ColumnInt(0));
  entry.meta.path = std::string(stmt.ColumnText(1));
  TESSERA_ASSIGN_OR_RETURN(entry.meta.kind, KindFromColumn(stmt.ColumnInt(2)));
  entry.meta.size = static_cast<uint64_t>(stmt.ColumnInt(3));
  entry.meta.mtime_ns = stmt.ColumnInt(4);
  entry.meta.mode = static_cast<uint32_t>(stmt.ColumnInt(5));
  entry.meta.symlink_target = std::string(stmt.ColumnText(6));
  if (entry.meta.kind == FileKind::kFile) {
    auto blocks = DecodeBlocklist(stmt.ColumnBlob(7));
    if (!blocks.ok()) {
      return blocks.status().WithContext("entry " + std::to_string(entry.jid));
    }
    entry.meta.blocks = std::move(blocks).value();
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

// Steps `stmt` (already bound, LIMIT limit + 1) into `out`, setting cursor and has_more.
Status CollectPage(SqliteStmt& stmt, uint64_t cursor, size_t limit, ListResponse& out) {
  out.cursor = cursor;
  for (;;) {
    TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    if (out.entries.size() == limit) {
      out.has_more = true;
      break;
    }
    TESSERA_ASSIGN_OR_RETURN(JournalEntry entry, ReadEntryRow(stmt));
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

Result<ListResponse> Journal::List(uint64_t nsid, uint64_t cursor, size_t limit) {
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
  TESSERA_RETURN_IF_ERROR(CollectPage(stmt, cursor, limit, out));
  return out;  // `use` resets the statement, then `txn` ends the read snapshot
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
  TESSERA_RETURN_IF_ERROR(CollectPage(stmt, cursor, limit, out));
  return out;
}

}  // namespace tessera::metaserver::journal
