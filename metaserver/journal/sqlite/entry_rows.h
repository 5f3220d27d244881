// metaserver/journal/sqlite/entry_rows.h
//
// Rows of the `entries` table (schema/001_initial.sql and later) as journal entries: the kind
// numbers the schema fixes, the columns every entry query selects, and the decoding of one row.
// Internal to the SQLite store. Pure functions; thread-safe.
#pragma once

#include <cstdint>

#include "common/result.h"
#include "metaserver/journal/sqlite/blocklist_resolver.h"
#include "metaserver/journal/sqlite/sqlite_names.h"
#include "metaserver/journal/types.h"

namespace tessera::metaserver::journal::sqlite {

// entries.kind: stored numbers, fixed by the schema. Do not renumber.
int64_t KindToColumn(FileKind kind);
common::Result<FileKind> KindFromColumn(int64_t value);
inline constexpr int64_t kDeletedColumn = 3;  // KindToColumn(kDeleted)

// The columns every entry query selects, in the order ReadEntryRow expects, unqualified and
// qualified by the alias `e`.
inline constexpr const char* kEntryColumns =
    "jid, path, kind, size, mtime_ns, mode, symlink_target, blocklist, device, committed_at, "
    "moved_from, covers";
inline constexpr const char* kEntryColumnsOfE =
    "e.jid, e.path, e.kind, e.size, e.mtime_ns, e.mode, e.symlink_target, e.blocklist, e.device, "
    "e.committed_at, e.moved_from, e.covers";

// Decodes the current row of a statement selecting kEntryColumns, resolving a stored blocklist
// delta through `blocklists` (same connection and namespace); Corruption on a bad row.
common::Result<Entry> ReadEntryRow(const SqliteStmt& stmt, BlocklistResolver& blocklists);

// JIDs are stored as SQLite integers (int64); a JID beyond that matches nothing, so a cursor
// past it is clamped.
int64_t JidColumn(uint64_t jid);

}  // namespace tessera::metaserver::journal::sqlite
