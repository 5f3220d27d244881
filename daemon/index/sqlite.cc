#include "daemon/index/sqlite.h"

namespace tessera::daemon::index {

common::Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path, bool read_only) {
  sqlite3* db = nullptr;
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return common::IOError("sqlite open " + path, msg);
  }
  sqlite3_busy_timeout(db, 5000);
  return std::unique_ptr<SqliteDb>(new SqliteDb(db));
}

SqliteDb::~SqliteDb() { sqlite3_close(db_); }

common::Status SqliteDb::Error(std::string_view what) const {
  const int code = sqlite3_extended_errcode(db_);
  std::string msg = sqlite3_errmsg(db_);
  if ((code & 0xff) == SQLITE_FULL)
    return common::ResourceExhausted(std::string(what) + ": " + msg);
  if ((code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB)
    return common::Corruption(std::string(what) + ": " + msg);
  return common::IOError(std::string("sqlite ") + std::string(what), msg);
}

common::Status SqliteDb::Exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    return common::IOError("sqlite exec", msg);
  }
  return common::Status::Ok();
}

common::Result<std::unique_ptr<SqliteStmt>> SqliteStmt::Prepare(SqliteDb& db,
                                                                std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db.get(), sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    return db.Error("prepare " + std::string(sql.substr(0, 60)));
  }
  return std::unique_ptr<SqliteStmt>(new SqliteStmt(db, stmt));
}

SqliteStmt::~SqliteStmt() { sqlite3_finalize(stmt_); }

SqliteStmt& SqliteStmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  return *this;
}
SqliteStmt& SqliteStmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
SqliteStmt& SqliteStmt::Bind(int i, std::string_view text) {
  sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}
SqliteStmt& SqliteStmt::BindBlob(int i, std::string_view blob) {
  // A zero-length blob must still be a blob, not NULL.
  sqlite3_bind_blob(stmt_, i, blob.empty() ? "" : blob.data(), static_cast<int>(blob.size()),
                    SQLITE_TRANSIENT);
  return *this;
}
SqliteStmt& SqliteStmt::BindNull(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

common::Result<bool> SqliteStmt::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_.Error(std::string("step ") + sqlite3_sql(stmt_));
}

common::Status SqliteStmt::Run() {
  for (;;) {
    auto r = Step();
    if (!r.ok()) {
      sqlite3_reset(stmt_);
      return r.status();
    }
    if (!*r) break;
  }
  sqlite3_reset(stmt_);
  return common::Status::Ok();
}

int64_t SqliteStmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }
std::string SqliteStmt::Text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string();
}
std::string SqliteStmt::Blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  return p ? std::string(static_cast<const char*>(p),
                         static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string();
}
bool SqliteStmt::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

common::Result<std::unique_ptr<SqliteTxn>> SqliteTxn::Begin(SqliteDb& db) {
  TESSERA_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  return std::unique_ptr<SqliteTxn>(new SqliteTxn(db));
}

SqliteTxn::~SqliteTxn() {
  if (!done_) (void)db_.Exec("ROLLBACK");
}

common::Status SqliteTxn::Commit() {
  TESSERA_RETURN_IF_ERROR(db_.Exec("COMMIT"));
  done_ = true;
  return common::Status::Ok();
}

}  // namespace tessera::daemon::index
