// metaserver/accounts/account_store.h
//
// AccountStore: the metaserver's users in accounts.db, a SQLite file of its own in the data
// directory (schema in schema/, application_id in schema.h). A user is a name (user_name.h),
// an Argon2id password hash (password_hash.h), a TOTP secret (otp.h) with the newest time step
// a code was accepted for, and the time it was added. The store keeps what it is given; it
// hashes nothing and makes no secrets (the admin commands in metaserver/tools/ do).
//
// Several processes may open the same file at once: the running server and admin commands
// (`tessera-metaserver user ...`), which take no lock on the data directory. WAL mode lets
// readers and the one writer proceed together; a writer waits for another's transaction up to
// the busy timeout, then gets Unavailable. Each change is one transaction, durable once the
// call returns OK.
//
// Not thread-safe: one connection, used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/sqlite/sqlite.h"
#include "metaserver/accounts/otp.h"

namespace tessera::metaserver::accounts {

inline constexpr std::string_view kAccountsFileName = "accounts.db";

struct User {
  std::string name;
  std::string password_hash;                         // encoded Argon2id string
  std::string totp_secret;                           // raw key bytes
  std::optional<uint64_t> totp_last_step;            // nullopt: no code accepted yet
  std::chrono::system_clock::time_point created_at;  // whole seconds
};

struct UserSummary {
  std::string name;
  std::chrono::system_clock::time_point created_at;
};

class AccountStore {
 public:
  // Opens (creating if missing) `path`, normally `<data dir>/accounts.db`, and brings its
  // schema up to date. InvalidArgument when the file is another kind of database or was
  // written by a newer build; IOError when it cannot be opened.
  static common::Result<std::unique_ptr<AccountStore>> Open(const std::string& path);
  AccountStore(const AccountStore&) = delete;
  AccountStore& operator=(const AccountStore&) = delete;

  // Adds `user` (totp_last_step is ignored: a new user has used no code). InvalidArgument for
  // a bad name, a hash that is not Argon2id or a secret of the wrong size; Conflict when a user
  // of that name exists (nothing is changed).
  common::Status AddUser(const User& user);
  // Every user, by name.
  common::Result<std::vector<UserSummary>> ListUsers();
  // The user named `name`; NotFound when there is none.
  common::Result<User> GetUser(std::string_view name);
  // Removes the user named `name`; NotFound when there is none.
  common::Status RemoveUser(std::string_view name);
  // Replaces the password hash of `name`; NotFound when there is none.
  common::Status SetPasswordHash(std::string_view name, std::string_view password_hash);

  // Whether `password` is the password of `name`: false for a wrong password, NotFound for an
  // unknown user.
  common::Result<bool> CheckPassword(std::string_view name, std::string_view password);

  // Accepts `code` as `name`'s TOTP code at `now` at most once: verifies it (otp.h, the
  // current step +-params.window) and, in the same transaction, refuses a code whose step is
  // not newer than the last accepted one, then records its step. Returns the step accepted.
  // PermissionDenied for a wrong or replayed code; NotFound for an unknown user.
  common::Result<uint64_t> AcceptTotp(std::string_view name, std::string_view code,
                                      std::chrono::system_clock::time_point now,
                                      const TotpParams& params = {});

 private:
  explicit AccountStore(common::sqlite::SqliteDb db) : db_(std::move(db)) {}
  common::Result<User> ReadUser(std::string_view name);

  common::sqlite::SqliteDb db_;
};

}  // namespace tessera::metaserver::accounts
