#include "metaserver/accounts/account_store.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "common/sqlite/sqlite.h"
#include "metaserver/accounts/password_hash.h"
#include "metaserver/accounts/user_name.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::metaserver::accounts {
namespace {

using namespace std::chrono_literals;
using Time = std::chrono::system_clock::time_point;

std::chrono::sys_seconds Secs(Time t) { return std::chrono::floor<std::chrono::seconds>(t); }

constexpr std::string_view kSecret = "12345678901234567890";

Argon2Params Fast() {
  Argon2Params p;
  p.time_cost = 1;
  p.memory_kib = 64;
  return p;
}

User MakeUser(const std::string& name, const std::string& password, int64_t created = 1000) {
  auto hash = HashPassword(password, Fast());
  REQUIRE(hash.ok());
  User user;
  user.name = name;
  user.password_hash = *hash;
  user.totp_secret = std::string(kSecret);
  user.created_at = Time(std::chrono::seconds(created));
  return user;
}

std::unique_ptr<AccountStore> OpenStore(const testutil::TempDir& dir) {
  auto store = AccountStore::Open(dir.Sub("accounts.db"));
  REQUIRE(store.ok());
  return std::move(store).value();
}

TEST_CASE("account store: add, get, list, change a password, remove") {
  testutil::TempDir dir;
  auto store = OpenStore(dir);
  REQUIRE(store->AddUser(MakeUser("bob", "bob-pw", 2000)).ok());
  REQUIRE(store->AddUser(MakeUser("alice", "alice-pw", 1000)).ok());

  auto users = store->ListUsers();
  REQUIRE(users.ok());
  REQUIRE(users->size() == 2);
  CHECK((*users)[0].name == "alice");
  CHECK((*users)[0].created_at == Time(1000s));
  CHECK((*users)[1].name == "bob");

  auto alice = store->GetUser("alice");
  REQUIRE(alice.ok());
  CHECK(alice->totp_secret == kSecret);
  CHECK_FALSE(alice->totp_last_step.has_value());
  CHECK(alice->password_hash.rfind("$argon2id$", 0) == 0);
  CHECK(*store->CheckPassword("alice", "alice-pw"));
  CHECK_FALSE(*store->CheckPassword("alice", "bob-pw"));

  auto new_hash = HashPassword("alice-new", Fast());
  REQUIRE(new_hash.ok());
  REQUIRE(store->SetPasswordHash("alice", *new_hash).ok());
  CHECK(*store->CheckPassword("alice", "alice-new"));
  CHECK_FALSE(*store->CheckPassword("alice", "alice-pw"));
  CHECK(*store->CheckPassword("bob", "bob-pw"));  // the others are untouched

  REQUIRE(store->RemoveUser("alice").ok());
  CHECK(store->GetUser("alice").status().code() == common::Code::kNotFound);
  users = store->ListUsers();
  REQUIRE(users.ok());
  REQUIRE(users->size() == 1);
  CHECK((*users)[0].name == "bob");

  // Durable: a second connection (another process, as the admin commands are) sees it all.
  auto reopened = OpenStore(dir);
  CHECK(reopened->GetUser("alice").status().code() == common::Code::kNotFound);
  CHECK(*reopened->CheckPassword("bob", "bob-pw"));
}

TEST_CASE("account store: unknown users are NotFound for every call") {
  testutil::TempDir dir;
  auto store = OpenStore(dir);
  auto hash = HashPassword("pw", Fast());
  REQUIRE(hash.ok());
  CHECK(store->RemoveUser("nobody").code() == common::Code::kNotFound);
  CHECK(store->SetPasswordHash("nobody", *hash).code() == common::Code::kNotFound);
  CHECK(store->CheckPassword("nobody", "pw").status().code() == common::Code::kNotFound);
  CHECK(store->AcceptTotp("nobody", "123456", Time(59s)).status().code() ==
        common::Code::kNotFound);
  auto users = store->ListUsers();
  REQUIRE(users.ok());
  CHECK(users->empty());
}

TEST_CASE("account store: a duplicate name is refused and changes nothing") {
  testutil::TempDir dir;
  auto store = OpenStore(dir);
  REQUIRE(store->AddUser(MakeUser("alice", "first")).ok());
  User again = MakeUser("alice", "second", 5000);
  again.totp_secret = "abcdefghijklmnopqrst";
  CHECK(store->AddUser(again).code() == common::Code::kConflict);
  auto alice = store->GetUser("alice");
  REQUIRE(alice.ok());
  CHECK(alice->totp_secret == kSecret);
  CHECK(alice->created_at == Time(1000s));
  CHECK(*store->CheckPassword("alice", "first"));
  CHECK(store->ListUsers()->size() == 1);
}

TEST_CASE("account store: bad names, non-Argon2id hashes and bad secrets are refused") {
  testutil::TempDir dir;
  auto store = OpenStore(dir);
  for (const std::string& bad : {std::string(), std::string("a/b"), std::string("tab\there"),
                                 std::string(".."), std::string(kMaxUserNameBytes + 1, 'x')}) {
    CAPTURE(bad);
    CHECK(store->AddUser(MakeUser(bad, "pw")).code() == common::Code::kInvalidArgument);
  }
  CHECK(store->AddUser(MakeUser(std::string(kMaxUserNameBytes, 'x'), "pw")).ok());
  CHECK(store->AddUser(MakeUser("Anna B\xc3\xa9rard", "pw")).ok());
  User plain = MakeUser("plain", "pw");
  plain.password_hash = "pw";
  CHECK(store->AddUser(plain).code() == common::Code::kInvalidArgument);
  CHECK(store->SetPasswordHash("Anna B\xc3\xa9rard", "pw").code() ==
        common::Code::kInvalidArgument);
  User short_secret = MakeUser("short", "pw");
  short_secret.totp_secret = "0123456789";
  CHECK(store->AddUser(short_secret).code() == common::Code::kInvalidArgument);
  CHECK(store->GetUser("plain").status().code() == common::Code::kNotFound);
  CHECK(store->GetUser("short").status().code() == common::Code::kNotFound);
}

TEST_CASE("account store: a TOTP code is accepted once; its step and older ones are refused") {
  testutil::TempDir dir;
  auto store = OpenStore(dir);
  REQUIRE(store->AddUser(MakeUser("alice", "pw")).ok());
  const Time now = Time(1234567890s);
  const uint64_t step = TotpStep(Secs(now));

  CHECK(store->AcceptTotp("alice", "000000", now).status().code() ==
        common::Code::kPermissionDenied);
  auto accepted = store->AcceptTotp("alice", TotpCode(kSecret, Secs(now)), now);
  REQUIRE(accepted.ok());
  CHECK(*accepted == step);
  CHECK(store->GetUser("alice")->totp_last_step == step);

  // The same code again, even seconds later within the step: a replay.
  CHECK(store->AcceptTotp("alice", TotpCode(kSecret, Secs(now)), now + 5s).status().code() ==
        common::Code::kPermissionDenied);
  // The previous step's code is still inside the skew window, but older than the last used.
  CHECK(store->AcceptTotp("alice", TotpCode(kSecret, Secs(now - 30s)), now).status().code() ==
        common::Code::kPermissionDenied);
  // The next step's code is newer: accepted, and recorded.
  auto next = store->AcceptTotp("alice", TotpCode(kSecret, Secs(now + 30s)), now + 30s);
  REQUIRE(next.ok());
  CHECK(*next == step + 1);
  // The replay refusal survives reopening the file.
  auto reopened = OpenStore(dir);
  CHECK(reopened->AcceptTotp("alice", TotpCode(kSecret, Secs(now + 30s)), now + 30s)
            .status()
            .code() == common::Code::kPermissionDenied);
  CHECK(reopened->GetUser("alice")->totp_last_step == step + 1);
}

TEST_CASE("account store: another application's database is refused, not taken over") {
  testutil::TempDir dir;
  {
    auto db = common::sqlite::SqliteDb::Open(dir.Sub("accounts.db"));
    REQUIRE(db.ok());
    REQUIRE(db->Exec("PRAGMA application_id = 1414744625; CREATE TABLE t (x INTEGER)").ok());
  }
  CHECK(AccountStore::Open(dir.Sub("accounts.db")).status().code() ==
        common::Code::kInvalidArgument);
}

TEST_CASE("account store: two connections share the file (the server's and an admin's)") {
  testutil::TempDir dir;
  auto server = OpenStore(dir);
  auto admin = OpenStore(dir);
  REQUIRE(admin->AddUser(MakeUser("alice", "pw")).ok());
  CHECK(*server->CheckPassword("alice", "pw"));
  REQUIRE(server->AcceptTotp("alice", TotpCode(kSecret, Secs(Time(59s))), Time(59s)).ok());
  CHECK(admin->AcceptTotp("alice", TotpCode(kSecret, Secs(Time(59s))), Time(59s)).status().code() ==
        common::Code::kPermissionDenied);
  REQUIRE(admin->RemoveUser("alice").ok());
  CHECK(server->GetUser("alice").status().code() == common::Code::kNotFound);
}

}  // namespace
}  // namespace tessera::metaserver::accounts
