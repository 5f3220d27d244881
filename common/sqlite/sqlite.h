// common/sqlite/sqlite.h
//
// Thin RAII owners for SQLite handles, returning Status instead of result codes; the one SQLite
// layer of the daemon's index and the metaserver's journal:
//   SqliteDb     one connection (sqlite3*), closed on destruction.
//   SqliteStmt   one prepared statement (sqlite3_stmt*), finalized on destruction. Prepare once,
//                reuse many times: each use starts with Use(), which resets the statement and
//                clears its bindings when the returned guard dies (so no statement keeps a read
//                transaction open).
//   Transaction  BEGIN ... COMMIT; rolls back on destruction unless Commit() returned OK.
// Binds are checked: an index outside 1..parameter count, or a Step() while a parameter of the
// statement is still unbound, is InvalidArgument naming the SQL, never a silent NULL.
// One mapping from SQLite result codes to Status codes (sqlite.cc): BUSY/LOCKED Unavailable,
// FULL ResourceExhausted, CORRUPT/NOTADB Corruption, CONSTRAINT InvalidArgument, else IOError.
// sqlite3.h stays out of this header. Move-only values. Not thread-safe: a connection and its
// statements belong to one thread at a time. A SqliteDb must outlive its statements and
// transactions.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tessera::common::sqlite {

class SqliteStmt;

class SqliteDb {
 public:
  // Opens (creating if missing) the database at `path` read-write, in serialized-off mode (the
  // caller serializes), with extended result codes and `busy_timeout` applied. IOError when the
  // file cannot be opened.
  static common::Result<SqliteDb> Open(const std::string& path, int busy_timeout_ms = 5000);
  // Opens an existing database read-only (no file is created; a writer may use it meanwhile, in
  // WAL mode). IOError when it cannot be opened.
  static common::Result<SqliteDb> OpenReadOnly(const std::string& path, int busy_timeout_ms = 5000);

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
  static common::Result<SqliteDb> OpenWith(const std::string& path, int flags, int busy_timeout_ms);
  sqlite3* db_ = nullptr;
};

// Wrappers that say how a value binds (a string_view binds as TEXT).
struct Blob {
  std::string_view bytes;
};
struct Null {};

namespace internal {
template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};
}  // namespace internal

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
  // InvalidArgument for an index the statement does not have.
  common::Status BindInt(int index, int64_t value);
  common::Status BindText(int index, std::string_view value);
  common::Status BindBlob(int index, std::string_view value);
  common::Status BindNull(int index);

  // One value by its type: integers and bool as INTEGER, strings as TEXT, Blob as BLOB, Null
  // (or an empty std::optional) as NULL.
  template <typename T>
  common::Status Bind(int index, const T& value);
  // Binds ?1..?N to `values` in order; InvalidArgument unless N is the statement's parameter
  // count.
  template <typename... T>
  common::Status BindAll(const T&... values);

  // true: a row is available; false: done. Errors name the statement's SQL; InvalidArgument
  // when a parameter is unbound.
  common::Result<bool> Step();
  // Steps a statement that returns no rows (INSERT/UPDATE); an unexpected row is an error.
  common::Status Run();

  // Column indexes start at 0. Views stay valid until the next Step()/Reset().
  int64_t ColumnInt(int index) const;
  std::string_view ColumnText(int index) const;
  std::string_view ColumnBlob(int index) const;
  bool ColumnIsNull(int index) const;

  // How many parameters the statement has (the largest ?N).
  int ParameterCount() const { return static_cast<int>(bound_.size()); }

  void Reset();

 private:
  friend class SqliteDb;
  SqliteStmt(sqlite3* db, sqlite3_stmt* stmt);
  common::Status Error(std::string_view what) const;
  common::Status CheckIndex(int index) const;
  std::string Sql() const;

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::vector<bool> bound_;  // per parameter, since the last Reset()
  bool stepped_ = false;     // Step() ran since the last Reset()
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

// ---- Templates ----

template <typename T>
common::Status SqliteStmt::Bind(int index, const T& value) {
  if constexpr (std::is_same_v<T, Blob>) {
    return BindBlob(index, value.bytes);
  } else if constexpr (std::is_same_v<T, Null> || std::is_same_v<T, std::nullopt_t>) {
    return BindNull(index);
  } else if constexpr (std::is_integral_v<T>) {
    return BindInt(index, static_cast<int64_t>(value));
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    return BindText(index, std::string_view(value));
  } else {
    static_assert(internal::IsOptional<T>::value,
                  "Bind takes integers, strings, Blob, Null, "
                  "or a std::optional of one");
    if (!value.has_value()) return BindNull(index);
    return Bind(index, *value);
  }
}

template <typename... T>
common::Status SqliteStmt::BindAll(const T&... values) {
  if (static_cast<int>(sizeof...(T)) != ParameterCount()) {
    return common::InvalidArgument("bind " + std::to_string(sizeof...(T)) + " values to '" + Sql() +
                                   "', which has " + std::to_string(ParameterCount()) +
                                   " parameters");
  }
  int index = 0;
  common::Status status;
  ((status.ok() ? (status = Bind(++index, values), 0) : 0), ...);
  return status;
}

}  // namespace tessera::common::sqlite
