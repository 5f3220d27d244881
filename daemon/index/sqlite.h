// daemon/index/sqlite.h
//
// Thin RAII owners for SQLite handles: SqliteDb (a connection), SqliteStmt (a prepared
// statement, reset on every Bind cycle) and SqliteTxn (BEGIN IMMEDIATE ... rolled back unless
// Commit()ed). Errors come back as Status values naming the statement. Internal to daemon/index:
// the public Index header hides SQLite behind a pImpl. Not thread-safe: one owner thread.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace tessera::daemon::index {

class SqliteDb {
 public:
  // Opens (read-write, creating it) or read-only (`read_only`) the database at `path`.
  static common::Result<std::unique_ptr<SqliteDb>> Open(const std::string& path, bool read_only);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements without results.
  common::Status Exec(std::string_view sql);
  sqlite3* get() const { return db_; }
  common::Status Error(std::string_view what) const;

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

class SqliteStmt {
 public:
  // `db` must outlive the statement.
  static common::Result<std::unique_ptr<SqliteStmt>> Prepare(SqliteDb& db, std::string_view sql);
  ~SqliteStmt();
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;

  // Resets the statement and clears bindings; call before binding a new set of values.
  SqliteStmt& Reset();
  // 1-based parameter indexes.
  SqliteStmt& Bind(int i, int64_t v);
  SqliteStmt& Bind(int i, std::string_view text);
  SqliteStmt& BindBlob(int i, std::string_view blob);
  SqliteStmt& BindNull(int i);

  // Steps once: true when a row is available, false when done; an error Status otherwise.
  common::Result<bool> Step();
  // Steps until done (for statements without results).
  common::Status Run();

  int64_t Int(int col) const;
  std::string Text(int col) const;
  std::string Blob(int col) const;
  bool IsNull(int col) const;

 private:
  SqliteStmt(SqliteDb& db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  SqliteDb& db_;
  sqlite3_stmt* stmt_;
};

// BEGIN IMMEDIATE on construction (see Begin); ROLLBACK on destruction unless Commit()ed.
class SqliteTxn {
 public:
  static common::Result<std::unique_ptr<SqliteTxn>> Begin(SqliteDb& db);
  ~SqliteTxn();
  SqliteTxn(const SqliteTxn&) = delete;
  SqliteTxn& operator=(const SqliteTxn&) = delete;
  common::Status Commit();

 private:
  explicit SqliteTxn(SqliteDb& db) : db_(db) {}
  SqliteDb& db_;
  bool done_ = false;
};

}  // namespace tessera::daemon::index
