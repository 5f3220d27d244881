// metaserver/journal/sqlite.h
//
// Thin RAII owners for SQLite handles, returning Status instead of result codes:
//   SqliteDb     one connection (sqlite3*), closed on destruction.
//   SqliteStmt   one prepared statement (sqlite3_stmt*), finalized on destruction. Prepare once,
//                reuse many times: each use starts with Use(), which resets the statement and
//                clears its bindings when the returned guard dies (so no statement keeps a read
//                transaction open).
//   Transaction  BEGIN ... COMMIT; rolls back on destruction unless Commit() returned OK.
// sqlite3.h stays out of this header. Move-only values. Not thread-safe: a connection and its
// statements belong to one thread at a time (the Journal's mutexes see to that). A SqliteDb must
// outlive its statements and transactions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tessera::metaserver::journal {

class SqliteStmt;

class SqliteDb {
 public:
  // Opens (creating if missing) the database at `path` read-write, in serialized-off mode (the
  // caller serializes), with extended result codes and `busy_timeout` applied. IOError when the
  // file cannot be opened.
  static common::Result<SqliteDb> Open(const std::string& path, int busy_timeout_ms = 5000);

  SqliteDb() = default;
  ~SqliteDb();
  SqliteDb(SqliteDb&& o) noexcept;
  SqliteDb& operator=(SqliteDb&& o) noexcept;
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements without results (schema scripts, PRAGMAs, BEGIN/COMMIT).
  common::Status Exec(std::string_view sql);
  // Compiles one statement; a statement SQLite refuses is a programming error, returned as
  // IOError naming the SQL.
  common::Result<SqliteStmt> Prepare(std::string_view sql);
  // Runs a statement returning one integer row (PRAGMA user_version, SELECT count(*)).
  common::Result<int64_t> QueryInt(std::string_view sql);
  // Runs a statement returning one text row (PRAGMA journal_mode=WAL).
  common::Result<std::string> QueryText(std::string_view sql);

  // The Status for the connection's last error, prefixed by `what`.
  common::Status LastError(std::string_view what) const;
  bool InTransaction() const;
  sqlite3* raw() const { return db_; }

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

class SqliteStmt {
 public:
  SqliteStmt() = default;
  ~SqliteStmt();
  SqliteStmt(SqliteStmt&& o) noexcept;
  SqliteStmt& operator=(SqliteStmt&& o) noexcept;
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;

  // Resets the statement and clears its bindings when destroyed.
  class [[nodiscard]] UseGuard {
   public:
    explicit UseGuard(SqliteStmt& stmt) : stmt_(&stmt) {}
    ~UseGuard() { stmt_->Reset(); }
    UseGuard(const UseGuard&) = delete;
    UseGuard& operator=(const UseGuard&) = delete;

   private:
    SqliteStmt* stmt_;
  };
  UseGuard Use() { return UseGuard(*this); }

  // Parameter indexes start at 1, as in SQLite. Text and blobs are copied (SQLITE_TRANSIENT).
  common::Status BindInt(int index, int64_t value);
  common::Status BindText(int index, std::string_view value);
  common::Status BindBlob(int index, std::string_view value);
  common::Status BindNull(int index);

  // true: a row is available; false: done. Errors name the statement's SQL.
  common::Result<bool> Step();
  // Steps a statement that returns no rows (INSERT/UPDATE); an unexpected row is an error.
  common::Status Run();

  // Column indexes start at 0. Views stay valid until the next Step()/Reset().
  int64_t ColumnInt(int index) const;
  std::string_view ColumnText(int index) const;
  std::string_view ColumnBlob(int index) const;
  bool ColumnIsNull(int index) const;

  void Reset();

 private:
  friend class SqliteDb;
  SqliteStmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  common::Status Error(std::string_view what) const;

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class Transaction {
 public:
  // BEGIN IMMEDIATE when `write` (takes the write lock now, so a conflict surfaces here rather
  // than mid-transaction); BEGIN DEFERRED otherwise (a consistent read snapshot in WAL mode).
  static common::Result<Transaction> Begin(SqliteDb& db, bool write);

  ~Transaction();  // ROLLBACK unless committed
  Transaction(Transaction&& o) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // COMMIT. Once this returns OK the changes are durable (synchronous=FULL). On failure the
  // destructor rolls back.
  common::Status Commit();

 private:
  explicit Transaction(SqliteDb* db) : db_(db) {}
  SqliteDb* db_;  // nullptr once committed or moved from
};

}  // namespace tessera::metaserver::journal
