// daemon/index/index_impl.h
//
// Index's private parts, shared by the files that implement it (index.cc: files, block
// locations, status; index_pending.cc: the journal cursor and the remote entries waiting to be
// applied). Not for other users: include index.h. Same thread safety as Index.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/index/index.h"
#include "daemon/index/sqlite.h"

namespace tessera::daemon::index {

// A kind's name in the database ("file", "dir", "symlink", "deleted"), and back (Corruption for
// anything else).
std::string KindText(common::wire::FileKind kind);
common::Result<common::wire::FileKind> ParseKind(const std::string& s);

struct Index::Impl {
  std::unique_ptr<SqliteDb> db;
  int txn_depth = 0;  // InTransaction calls in progress (the outer one owns the transaction)
  std::map<std::string, std::unique_ptr<SqliteStmt>, std::less<>> stmts;

  // Prepared once per connection and reused.
  common::Result<SqliteStmt*> Stmt(const std::string& sql) {
    auto it = stmts.find(sql);
    if (it == stmts.end()) {
      TESSERA_ASSIGN_OR_RETURN(auto stmt, SqliteStmt::Prepare(*db, sql));
      it = stmts.emplace(sql, std::move(stmt)).first;
    }
    return &it->second->Reset();
  }

  common::Result<std::vector<std::string>> Strings(const std::string& sql, const std::string& arg,
                                                   int64_t limit) {
    TESSERA_ASSIGN_OR_RETURN(auto* s, Stmt(sql));
    int i = 1;
    if (!arg.empty()) s->Bind(i++, std::string_view(arg));
    if (limit >= 0) s->Bind(i++, limit);
    return FirstColumn(*s);
  }

  // The first column of every row `s` gives, as text; resets `s`.
  static common::Result<std::vector<std::string>> FirstColumn(SqliteStmt& s) {
    std::vector<std::string> out;
    for (;;) {
      TESSERA_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      out.push_back(s.Text(0));
    }
    s.Reset();
    return out;
  }
};

}  // namespace tessera::daemon::index
