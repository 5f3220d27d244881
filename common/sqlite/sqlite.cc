#include "common/sqlite/sqlite.h"

#include <sqlite3.h>

#include <algorithm>
#include <utility>

namespace tessera::common::sqlite {

using common::Result;
using common::Status;

namespace {

// One place maps SQLite result codes to Tessera codes.
Status StatusFromCode(int rc, std::string_view what, const char* detail) {
  std::string message(what);
  message += ": ";
  message += detail != nullptr ? detail : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return common::Unavailable(std::move(message));
    case SQLITE_FULL:
      return common::ResourceExhausted(std::move(message));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return common::Corruption(std::move(message));
    case SQLITE_CONSTRAINT:
      return common::InvalidArgument(std::move(message));
    default:
      return Status(common::Code::kIOError, std::move(message));
  }
}

}  // namespace

// ---- SqliteDb ----

Result<SqliteDb> SqliteDb::OpenWith(const std::string& path, int flags, int busy_timeout_ms) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  SqliteDb db(raw);  // owns the handle even when the open failed
  if (rc != SQLITE_OK) {
    return StatusFromCode(rc, "sqlite3_open " + path,
                          raw != nullptr ? sqlite3_errmsg(raw) : nullptr);
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  return db;
}

Result<SqliteDb> SqliteDb::Open(const std::string& path, int busy_timeout_ms) {
  return OpenWith(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, busy_timeout_ms);
}

Result<SqliteDb> SqliteDb::OpenReadOnly(const std::string& path, int busy_timeout_ms) {
  return OpenWith(path, SQLITE_OPEN_READONLY, busy_timeout_ms);
}

SqliteDb::~SqliteDb() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

SqliteDb::SqliteDb(SqliteDb&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}

SqliteDb& SqliteDb::operator=(SqliteDb&& o) noexcept {
  if (this != &o) {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = std::exchange(o.db_, nullptr);
  }
  return *this;
}

Status SqliteDb::Exec(std::string_view sql) {
  const std::string text(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  Status status = StatusFromCode(rc, "sqlite exec '" + text.substr(0, 60) + "'", err);
  sqlite3_free(err);
  return status;
}

Result<SqliteStmt> SqliteDb::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return StatusFromCode(rc, "sqlite prepare '" + std::string(sql) + "'", sqlite3_errmsg(db_));
  }
  return SqliteStmt(db_, stmt);
}

Result<int64_t> SqliteDb::QueryInt(std::string_view sql) {
  TESSERA_ASSIGN_OR_RETURN(SqliteStmt stmt, Prepare(sql));
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status(common::Code::kIOError, "no row from '" + std::string(sql) + "'");
  return stmt.ColumnInt(0);
}

Result<std::string> SqliteDb::QueryText(std::string_view sql) {
  TESSERA_ASSIGN_OR_RETURN(SqliteStmt stmt, Prepare(sql));
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status(common::Code::kIOError, "no row from '" + std::string(sql) + "'");
  return std::string(stmt.ColumnText(0));
}

Status SqliteDb::LastError(std::string_view what) const {
  return StatusFromCode(sqlite3_extended_errcode(db_), what, sqlite3_errmsg(db_));
}

bool SqliteDb::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

// ---- SqliteStmt ----

SqliteStmt::SqliteStmt(sqlite3* db, sqlite3_stmt* stmt)
    : db_(db),
      stmt_(stmt),
      bound_(static_cast<size_t>(stmt != nullptr ? sqlite3_bind_parameter_count(stmt) : 0)) {}

SqliteStmt::~SqliteStmt() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

SqliteStmt::SqliteStmt(SqliteStmt&& o) noexcept
    : db_(std::exchange(o.db_, nullptr)),
      stmt_(std::exchange(o.stmt_, nullptr)),
      bound_(std::move(o.bound_)),
      stepped_(std::exchange(o.stepped_, false)) {}

SqliteStmt& SqliteStmt::operator=(SqliteStmt&& o) noexcept {
  if (this != &o) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    db_ = std::exchange(o.db_, nullptr);
    stmt_ = std::exchange(o.stmt_, nullptr);
    bound_ = std::move(o.bound_);
    stepped_ = std::exchange(o.stepped_, false);
  }
  return *this;
}

std::string SqliteStmt::Sql() const {
  const char* sql = stmt_ != nullptr ? sqlite3_sql(stmt_) : nullptr;
  return sql != nullptr ? sql : "";
}

Status SqliteStmt::Error(std::string_view what) const {
  std::string context(what);
  context += " '";
  context += Sql();
  context += "'";
  return StatusFromCode(sqlite3_extended_errcode(db_), context, sqlite3_errmsg(db_));
}

Status SqliteStmt::CheckIndex(int index) const {
  if (index >= 1 && index <= ParameterCount()) return Status::Ok();
  return common::InvalidArgument("bind ?" + std::to_string(index) + " of '" + Sql() +
                                 "', which has " + std::to_string(ParameterCount()) +
                                 " parameters");
}

Status SqliteStmt::BindInt(int index, int64_t value) {
  TESSERA_RETURN_IF_ERROR(CheckIndex(index));
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) return Error("bind");
  bound_[static_cast<size_t>(index - 1)] = true;
  return Status::Ok();
}

Status SqliteStmt::BindText(int index, std::string_view value) {
  TESSERA_RETURN_IF_ERROR(CheckIndex(index));
  // An empty view may have no pointer; SQLite would bind that as NULL, not as ''.
  const char* data = value.data() != nullptr ? value.data() : "";
  if (sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8) !=
      SQLITE_OK) {
    return Error("bind");
  }
  bound_[static_cast<size_t>(index - 1)] = true;
  return Status::Ok();
}

Status SqliteStmt::BindBlob(int index, std::string_view value) {
  TESSERA_RETURN_IF_ERROR(CheckIndex(index));
  // A zero-length blob must still bind as a blob, not NULL: pass a non-null pointer.
  static constexpr char kEmpty = 0;
  const void* data = value.empty() ? &kEmpty : value.data();
  if (sqlite3_bind_blob64(stmt_, index, data, value.size(), SQLITE_TRANSIENT) != SQLITE_OK) {
    return Error("bind");
  }
  bound_[static_cast<size_t>(index - 1)] = true;
  return Status::Ok();
}

Status SqliteStmt::BindNull(int index) {
  TESSERA_RETURN_IF_ERROR(CheckIndex(index));
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) return Error("bind");
  bound_[static_cast<size_t>(index - 1)] = true;
  return Status::Ok();
}

Result<bool> SqliteStmt::Step() {
  if (!stepped_) {
    // SQLite would read an unbound parameter as NULL: a forgotten bind is refused instead.
    for (size_t i = 0; i < bound_.size(); ++i) {
      if (!bound_[i]) {
        return common::InvalidArgument("parameter ?" + std::to_string(i + 1) + " of '" + Sql() +
                                       "' is not bound");
      }
    }
    stepped_ = true;
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Error("step");
}

Status SqliteStmt::Run() {
  TESSERA_ASSIGN_OR_RETURN(bool row, Step());
  if (row) return Status(common::Code::kIOError, "unexpected row from '" + Sql() + "'");
  return Status::Ok();
}

int64_t SqliteStmt::ColumnInt(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string_view SqliteStmt::ColumnText(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  if (text == nullptr) return {};
  return std::string_view(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, index)));
}

std::string_view SqliteStmt::ColumnBlob(int index) const {
  const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, index));
  if (data == nullptr) return {};
  return std::string_view(data, static_cast<size_t>(sqlite3_column_bytes(stmt_, index)));
}

bool SqliteStmt::ColumnIsNull(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

void SqliteStmt::Reset() {
  stepped_ = false;
  std::fill(bound_.begin(), bound_.end(), false);
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

// ---- Transaction ----

Result<Transaction> Transaction::Begin(SqliteDb& db, bool write) {
  TESSERA_RETURN_IF_ERROR(db.Exec(write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED"));
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr && db_->InTransaction()) {
    // Nothing sensible to do if ROLLBACK fails: SQLite rolls back on close anyway.
    (void)db_->Exec("ROLLBACK");
  }
}

Transaction::Transaction(Transaction&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}

Status Transaction::Commit() {
  if (db_ == nullptr) return Status(common::Code::kIOError, "commit of a finished transaction");
  TESSERA_RETURN_IF_ERROR(db_->Exec("COMMIT"));
  db_ = nullptr;
  return Status::Ok();
}

}  // namespace tessera::common::sqlite
