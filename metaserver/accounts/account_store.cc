#include "metaserver/accounts/account_store.h"

#include "common/sqlite/migrations.h"
#include "metaserver/accounts/password_hash.h"
#include "metaserver/accounts/schema.h"
#include "metaserver/accounts/user_name.h"

namespace tessera::metaserver::accounts {
namespace {

using common::Result;
using common::Status;
using common::sqlite::SqliteDb;
using common::sqlite::Transaction;

int64_t UnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::chrono::system_clock::time_point FromUnixSeconds(int64_t s) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(s));
}

// Statements here run once per admin command or login; preparing each on use keeps the store
// simple at no measurable cost.
constexpr std::string_view kSelectUser =
    "SELECT name, password_hash, totp_secret, totp_last_step, created_at FROM users "
    "WHERE name = ?1";

Status NoSuchUser(std::string_view name) {
  return common::NotFound("no user named \"" + std::string(name) + "\"");
}

}  // namespace

Result<std::unique_ptr<AccountStore>> AccountStore::Open(const std::string& path) {
  TESSERA_ASSIGN_OR_RETURN(SqliteDb db, SqliteDb::Open(path));
  // Refuse someone else's file before changing anything in it (even its journal mode).
  TESSERA_RETURN_IF_ERROR(common::sqlite::CheckSchema(db, AccountsSchema()).status());
  TESSERA_ASSIGN_OR_RETURN(const std::string mode, db.QueryText("PRAGMA journal_mode = WAL"));
  if (mode != "wal") return common::IOError(path, "cannot use WAL mode (got " + mode + ")");
  TESSERA_RETURN_IF_ERROR(db.Exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;"));
  TESSERA_RETURN_IF_ERROR(common::sqlite::Migrate(db, AccountsSchema()).status());
  return std::unique_ptr<AccountStore>(new AccountStore(std::move(db)));
}

Result<User> AccountStore::ReadUser(std::string_view name) {
  TESSERA_ASSIGN_OR_RETURN(auto stmt, db_.Prepare(kSelectUser));
  auto use = stmt.Use();
  TESSERA_RETURN_IF_ERROR(stmt.BindAll(name));
  TESSERA_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return NoSuchUser(name);
  User user;
  user.name = std::string(stmt.ColumnText(0));
  user.password_hash = std::string(stmt.ColumnText(1));
  user.totp_secret = std::string(stmt.ColumnBlob(2));
  if (!stmt.ColumnIsNull(3)) user.totp_last_step = static_cast<uint64_t>(stmt.ColumnInt(3));
  user.created_at = FromUnixSeconds(stmt.ColumnInt(4));
  return user;
}

Status AccountStore::AddUser(const User& user) {
  TESSERA_RETURN_IF_ERROR(ValidateUserName(user.name));
  if (user.password_hash.substr(0, kArgon2idPrefix.size()) != kArgon2idPrefix) {
    return common::InvalidArgument("password hash is not an Argon2id hash string");
  }
  if (user.totp_secret.size() < 16 || user.totp_secret.size() > 64) {
    return common::InvalidArgument("TOTP secret must be 16 to 64 bytes");
  }
  TESSERA_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(db_, /*write=*/true));
  {
    auto existing = ReadUser(user.name);
    if (existing.ok()) {
      return common::Conflict("user \"" + user.name + "\" already exists");
    }
    if (existing.status().code() != common::Code::kNotFound) return existing.status();
  }
  TESSERA_ASSIGN_OR_RETURN(
      auto insert, db_.Prepare("INSERT INTO users (name, password_hash, totp_secret, "
                               "totp_last_step, created_at) VALUES (?1, ?2, ?3, NULL, ?4)"));
  {
    auto use = insert.Use();
    TESSERA_RETURN_IF_ERROR(insert.BindAll(user.name, user.password_hash,
                                           common::sqlite::Blob{user.totp_secret},
                                           UnixSeconds(user.created_at)));
    TESSERA_RETURN_IF_ERROR(insert.Run());
  }
  return txn.Commit();
}

Result<std::vector<UserSummary>> AccountStore::ListUsers() {
  TESSERA_ASSIGN_OR_RETURN(auto stmt,
                           db_.Prepare("SELECT name, created_at FROM users ORDER BY name"));
  auto use = stmt.Use();
  std::vector<UserSummary> users;
  for (;;) {
    TESSERA_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    users.push_back(
        UserSummary{std::string(stmt.ColumnText(0)), FromUnixSeconds(stmt.ColumnInt(1))});
  }
  return users;
}

Result<User> AccountStore::GetUser(std::string_view name) { return ReadUser(name); }

Status AccountStore::RemoveUser(std::string_view name) {
  TESSERA_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(db_, /*write=*/true));
  TESSERA_ASSIGN_OR_RETURN(auto stmt, db_.Prepare("DELETE FROM users WHERE name = ?1"));
  {
    auto use = stmt.Use();
    TESSERA_RETURN_IF_ERROR(stmt.BindAll(name));
    TESSERA_RETURN_IF_ERROR(stmt.Run());
  }
  TESSERA_ASSIGN_OR_RETURN(const int64_t changed, db_.QueryInt("SELECT changes()"));
  if (changed == 0) return NoSuchUser(name);
  return txn.Commit();
}

Status AccountStore::SetPasswordHash(std::string_view name, std::string_view password_hash) {
  if (password_hash.substr(0, kArgon2idPrefix.size()) != kArgon2idPrefix) {
    return common::InvalidArgument("password hash is not an Argon2id hash string");
  }
  TESSERA_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(db_, /*write=*/true));
  TESSERA_ASSIGN_OR_RETURN(auto stmt,
                           db_.Prepare("UPDATE users SET password_hash = ?2 WHERE name = ?1"));
  {
    auto use = stmt.Use();
    TESSERA_RETURN_IF_ERROR(stmt.BindAll(name, password_hash));
    TESSERA_RETURN_IF_ERROR(stmt.Run());
  }
  TESSERA_ASSIGN_OR_RETURN(const int64_t changed, db_.QueryInt("SELECT changes()"));
  if (changed == 0) return NoSuchUser(name);
  return txn.Commit();
}

Result<bool> AccountStore::CheckPassword(std::string_view name, std::string_view password) {
  TESSERA_ASSIGN_OR_RETURN(const User user, ReadUser(name));
  return VerifyPassword(password, user.password_hash);
}

Result<uint64_t> AccountStore::AcceptTotp(std::string_view name, std::string_view code,
                                          std::chrono::system_clock::time_point now,
                                          const TotpParams& params) {
  // One write transaction from read to update: two logins racing with the same code cannot
  // both see the old last step.
  TESSERA_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(db_, /*write=*/true));
  TESSERA_ASSIGN_OR_RETURN(const User user, ReadUser(name));
  const std::optional<uint64_t> step =
      VerifyTotp(user.totp_secret, code, std::chrono::floor<std::chrono::seconds>(now), params);
  if (!step) return common::PermissionDenied("wrong one-time code");
  if (user.totp_last_step && *step <= *user.totp_last_step) {
    return common::PermissionDenied("one-time code already used");
  }
  TESSERA_ASSIGN_OR_RETURN(auto stmt,
                           db_.Prepare("UPDATE users SET totp_last_step = ?2 WHERE name = ?1"));
  {
    auto use = stmt.Use();
    TESSERA_RETURN_IF_ERROR(stmt.BindAll(name, static_cast<int64_t>(*step)));
    TESSERA_RETURN_IF_ERROR(stmt.Run());
  }
  TESSERA_RETURN_IF_ERROR(txn.Commit());
  return *step;
}

}  // namespace tessera::metaserver::accounts
