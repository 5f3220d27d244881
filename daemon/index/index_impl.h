// daemon/index/index_impl.h
//
// Index's private parts, shared by the files that implement it (index.cc: files, block
// locations, status; index_pending.cc: the journal cursor and the remote entries waiting to be
// applied). Not for other users: include index.h. Same thread safety as Index.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/sqlite/sqlite.h"
#include "daemon/index/index.h"

namespace tessera::daemon::index {

using common::sqlite::Blob;
using common::sqlite::SqliteStmt;

// A kind's name in the database ("file", "dir", "symlink", "deleted"), and back (Corruption for
// anything else).
std::string KindText(common::wire::FileKind kind);
common::Result<common::wire::FileKind> ParseKind(std::string_view s);

struct Index::Impl {
  common::sqlite::SqliteDb db;  // declared first: outlives the statements
  int txn_depth = 0;  // InTransaction calls in progress (the outer one owns the transaction)
  std::map<std::string, SqliteStmt, std::less<>> stmts;

  // Prepared once per connection and reused; each use holds a guard (`auto use = s->Use();`)
  // that resets the statement when it ends.
  common::Result<SqliteStmt*> Stmt(std::string_view sql) {
    auto it = stmts.find(sql);
    if (it == stmts.end()) {
      TESSERA_ASSIGN_OR_RETURN(SqliteStmt stmt, db.Prepare(sql));
      it = stmts.emplace(std::string(sql), std::move(stmt)).first;
    }
    return &it->second;
  }

  // The first column of the first row of `sql` (no parameters), as a count.
  common::Result<uint64_t> Count(std::string_view sql) {
    TESSERA_ASSIGN_OR_RETURN(SqliteStmt * s, Stmt(sql));
    auto use = s->Use();
    TESSERA_RETURN_IF_ERROR(s->Step().status());
    return static_cast<uint64_t>(s->ColumnInt(0));
  }

  // The first column of every row of `sql`, whose only parameter (if any) is a LIMIT bound to
  // `limit`.
  common::Result<std::vector<std::string>> Strings(std::string_view sql, int64_t limit) {
    TESSERA_ASSIGN_OR_RETURN(SqliteStmt * s, Stmt(sql));
    auto use = s->Use();
    if (s->ParameterCount() > 0) TESSERA_RETURN_IF_ERROR(s->BindInt(1, limit));
    return FirstColumn(*s);
  }

  // The first column of every row `s` gives, as text (bound by the caller, who also holds the
  // Use() guard).
  static common::Result<std::vector<std::string>> FirstColumn(SqliteStmt& s) {
    std::vector<std::string> out;
    for (;;) {
      TESSERA_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      out.emplace_back(s.ColumnText(0));
    }
    return out;
  }
};

}  // namespace tessera::daemon::index
