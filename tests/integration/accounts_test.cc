// The account admin commands as an administrator runs them: the real `tessera-metaserver
// --data DIR user ...` beside a metaserver serving DIR (which holds metaserver.lock there),
// the password on stdin, the otpauth:// line on stdout; then the account store, opened the way
// the server will, accepts a TOTP code computed from the printed secret.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/base32.h"
#include "common/http/client.h"
#include "common/lock_file.h"
#include "metaserver/accounts/account_store.h"
#include "metaserver/accounts/otp.h"
#include "tests/integration/cluster.h"
#include "tests/integration/process.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::integration {
namespace {

using namespace std::chrono_literals;
namespace accounts = metaserver::accounts;

class Admin {
 public:
  Admin(std::string bin, std::string data, std::string log)
      : bin_(std::move(bin)), data_(std::move(data)), log_(std::move(log)) {}
  // Runs `tessera-metaserver --data DIR <words...>` with `stdin_bytes` on stdin.
  RunResult Run(const std::vector<std::string>& words,
                const std::optional<std::string>& stdin_bytes = std::nullopt) {
    std::vector<std::string> argv = {bin_ + "/tessera-metaserver", "--data", data_};
    argv.insert(argv.end(), words.begin(), words.end());
    auto result = RunToCompletion(argv, log_, 60s, stdin_bytes);
    REQUIRE_MESSAGE(result.ok(), result.status().ToString());
    return *result;
  }
  std::string LogTail() const { return FileTail(log_, 3000); }

 private:
  std::string bin_, data_, log_;
};

// The value of `key` in the query of `uri` ("" when absent).
std::string QueryValue(const std::string& uri, const std::string& key) {
  const size_t query = uri.find('?');
  if (query == std::string::npos) return "";
  size_t at = query + 1;
  while (at < uri.size()) {
    size_t end = uri.find('&', at);
    if (end == std::string::npos) end = uri.size();
    const std::string pair = uri.substr(at, end - at);
    if (pair.rfind(key + "=", 0) == 0) return pair.substr(key.size() + 1);
    at = end + 1;
  }
  return "";
}

TEST_CASE("accounts: user add/list/remove beside a serving metaserver; the TOTP secret works") {
  testutil::TempDir dir;
  ClusterOptions options;
  options.daemons = 0;
  auto cluster = Cluster::Start(dir.path(), options);
  REQUIRE_MESSAGE(cluster.ok(), cluster.status().ToString());
  const std::string data = dir.path() + "/data/meta";
  REQUIRE(common::LockFile::IsLocked(data, "metaserver.lock"));
  Admin admin((*cluster)->options().bin_dir, data, dir.Sub("admin.log"));

  // Not a terminal: exactly the URI line, no QR code.
  const RunResult added = admin.Run({"user", "add", "alice", "--password-stdin"}, "s3cret pw\n");
  REQUIRE_MESSAGE(added.status.Success(), (added.status.ToString() + "\n" + admin.LogTail()));
  const std::string prefix = "otpauth://totp/Tessera:alice?";
  REQUIRE(added.stdout_text.rfind(prefix, 0) == 0);
  REQUIRE(added.stdout_text.back() == '\n');
  const std::string uri = added.stdout_text.substr(0, added.stdout_text.size() - 1);
  CHECK(uri.find('\n') == std::string::npos);
  CHECK(QueryValue(uri, "issuer") == "Tessera");
  CHECK(QueryValue(uri, "algorithm") == "SHA1");
  CHECK(QueryValue(uri, "digits") == "6");
  CHECK(QueryValue(uri, "period") == "30");
  auto secret = common::Base32Decode(QueryValue(uri, "secret"));
  REQUIRE_MESSAGE(secret.ok(), secret.status().ToString());
  CHECK(secret->size() == 20);

  {
    // The store the server will read: the password is the line given (without its newline),
    // and a code made from the printed secret is accepted once.
    auto store = accounts::AccountStore::Open(data + "/accounts.db");
    REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    CHECK(*(*store)->CheckPassword("alice", "s3cret pw"));
    CHECK_FALSE(*(*store)->CheckPassword("alice", "s3cret pw\n"));
    const auto now = std::chrono::system_clock::now();
    const std::string code =
        accounts::TotpCode(*secret, std::chrono::floor<std::chrono::seconds>(now));
    auto accepted = (*store)->AcceptTotp("alice", code, now);
    REQUIRE_MESSAGE(accepted.ok(), accepted.status().ToString());
    CHECK((*store)->AcceptTotp("alice", code, now).status().code() ==
          common::Code::kPermissionDenied);
  }

  // A second add of the same name fails and changes nothing.
  const RunResult again = admin.Run({"user", "add", "alice", "--password-stdin"}, "other\n");
  CHECK(again.status.exited);
  CHECK(again.status.code == 1);
  CHECK(again.stdout_text.empty());
  CHECK(admin.LogTail().find("user \"alice\" already exists") != std::string::npos);

  const RunResult passwd = admin.Run({"user", "passwd", "alice", "--password-stdin"}, "new pw\n");
  CHECK(passwd.status.Success());
  {
    auto store = accounts::AccountStore::Open(data + "/accounts.db");
    REQUIRE(store.ok());
    CHECK(*(*store)->CheckPassword("alice", "new pw"));
    CHECK_FALSE(*(*store)->CheckPassword("alice", "s3cret pw"));
    auto alice = (*store)->GetUser("alice");
    REQUIRE(alice.ok());
    CHECK(alice->totp_secret == *secret);  // the duplicate add did not replace it
  }

  const RunResult listed = admin.Run({"user", "list"});
  REQUIRE(listed.status.Success());
  CHECK(listed.stdout_text.rfind("alice\t20", 0) == 0);
  CHECK(std::count(listed.stdout_text.begin(), listed.stdout_text.end(), '\n') == 1);

  const RunResult removed = admin.Run({"user", "remove", "alice"});
  CHECK(removed.status.Success());
  const RunResult empty = admin.Run({"user", "list"});
  CHECK(empty.status.Success());
  CHECK(empty.stdout_text.empty());
  const RunResult unknown = admin.Run({"user", "remove", "alice"});
  CHECK(unknown.status.exited);
  CHECK(unknown.status.code == 1);
  CHECK(admin.LogTail().find("no user named \"alice\"") != std::string::npos);

  // The server served throughout and still holds its data directory.
  auto client = common::http::HttpClient::Create((*cluster)->metaserver_url());
  REQUIRE(client.ok());
  auto health = (*client)->Get("/v1/health");
  REQUIRE(health.ok());
  CHECK(health->status == 200);
  CHECK(common::LockFile::IsLocked(data, "metaserver.lock"));
  CHECK((*cluster)->StopServers().ok());
}

TEST_CASE("accounts: an empty password on stdin is refused and adds no user") {
  testutil::TempDir dir;
  Admin admin(DefaultBinDir(), dir.Sub("data"), dir.Sub("admin.log"));
  for (const char* input : {"", "\n", "\nsecond line\n"}) {
    CAPTURE(input);
    const RunResult refused = admin.Run({"user", "add", "bob", "--password-stdin"}, input);
    CHECK(refused.status.exited);
    CHECK(refused.status.code == 1);
    CHECK(refused.stdout_text.empty());
  }
  const RunResult listed = admin.Run({"user", "list"});
  CHECK(listed.status.Success());
  CHECK(listed.stdout_text.empty());
  // Without --password-stdin there is no password to read: bad usage.
  const RunResult usage = admin.Run({"user", "add", "bob"});
  CHECK(usage.status.exited);
  CHECK(usage.status.code == 2);
}

}  // namespace
}  // namespace tessera::integration
