#include "metaserver/journal/sqlite/entry_rows.h"

#include <algorithm>
#include <limits>
#include <string>

namespace tessera::metaserver::journal::sqlite {

using common::Result;

int64_t KindToColumn(FileKind kind) {
  switch (kind) {
    case FileKind::kFile:
      return 0;
    case FileKind::kDir:
      return 1;
    case FileKind::kSymlink:
      return 2;
    case FileKind::kDeleted:
      return kDeletedColumn;
  }
  return kDeletedColumn;
}

Result<FileKind> KindFromColumn(int64_t value) {
  switch (value) {
    case 0:
      return FileKind::kFile;
    case 1:
      return FileKind::kDir;
    case 2:
      return FileKind::kSymlink;
    case kDeletedColumn:
      return FileKind::kDeleted;
    default:
      return common::Corruption("entries.kind " + std::to_string(value));
  }
}

Result<Entry> ReadEntryRow(const SqliteStmt& stmt, BlocklistResolver& blocklists) {
  Entry entry;
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
  entry.committed_at_ms = stmt.ColumnInt(9);
  if (!stmt.ColumnIsNull(10)) entry.moved_from = std::string(stmt.ColumnText(10));
  entry.covers = static_cast<uint64_t>(stmt.ColumnInt(11));
  return entry;
}

int64_t JidColumn(uint64_t jid) {
  return static_cast<int64_t>(
      std::min<uint64_t>(jid, static_cast<uint64_t>(std::numeric_limits<int64_t>::max())));
}

}  // namespace tessera::metaserver::journal::sqlite
