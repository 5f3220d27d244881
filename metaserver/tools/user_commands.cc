#include "metaserver/tools/user_commands.h"

#include <ctime>
#include <istream>
#include <memory>
#include <ostream>

#include "common/env.h"
#include "common/secure_random.h"
#include "metaserver/accounts/account_store.h"
#include "metaserver/accounts/otpauth_uri.h"
#include "metaserver/accounts/user_name.h"
#include "metaserver/tools/qr_text.h"

namespace tessera::metaserver::tools {
namespace {

using accounts::AccountStore;

constexpr size_t kTotpSecretBytes = 20;  // 160 bits, RFC 4226's recommended key size
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;

int Fail(UserIo& io, const std::string& message) {
  io.err << "tessera-metaserver: " << message << "\n";
  return kExitFailure;
}

// The first line of `in` without its newline, at most kMaxPasswordBytes. InvalidArgument
// when it is empty or longer.
common::Result<std::string> ReadPasswordLine(std::istream& in) {
  std::string password;
  char c;
  while (in.get(c) && c != '\n') {
    if (password.size() == accounts::kMaxPasswordBytes) {
      return common::InvalidArgument("password longer than " +
                                     std::to_string(accounts::kMaxPasswordBytes) + " bytes");
    }
    password.push_back(c);
  }
  if (password.empty()) return common::InvalidArgument("empty password on stdin");
  return password;
}

common::Result<std::unique_ptr<AccountStore>> OpenStore(const std::string& data_dir) {
  if (data_dir.empty()) return common::InvalidArgument("--data is required");
  common::PosixEnv env;
  TESSERA_RETURN_IF_ERROR(env.CreateDirs(data_dir));
  return AccountStore::Open(data_dir + "/" + std::string(accounts::kAccountsFileName));
}

std::string FormatUtc(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

int Add(const std::string& data_dir, const std::string& name, UserIo& io,
        const UserCommandOptions& options) {
  if (auto valid = accounts::ValidateUserName(name); !valid.ok()) return Fail(io, valid.message());
  auto password = ReadPasswordLine(io.in);
  if (!password.ok()) return Fail(io, password.status().message());
  auto store = OpenStore(data_dir);
  if (!store.ok()) return Fail(io, store.status().ToString());
  // Refuse a duplicate before spending time hashing; AddUser checks again in its transaction.
  if ((*store)->GetUser(name).ok()) return Fail(io, "user \"" + name + "\" already exists");
  auto hash = accounts::HashPassword(*password, options.argon2);
  if (!hash.ok()) return Fail(io, hash.status().ToString());
  auto secret = common::SecureRandomBytes(kTotpSecretBytes);
  if (!secret.ok()) return Fail(io, secret.status().ToString());
  accounts::User user;
  user.name = name;
  user.password_hash = *hash;
  user.totp_secret = *secret;
  user.created_at =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  if (auto added = (*store)->AddUser(user); !added.ok()) {
    return Fail(io, added.code() == common::Code::kConflict ? added.message() : added.ToString());
  }
  const std::string uri = accounts::OtpauthUri(name, *secret);
  io.out << uri << "\n";
  if (io.out_is_terminal) {
    auto qr = RenderQrHalfBlocks(uri);
    if (qr.ok()) io.out << *qr;
  }
  io.out.flush();
  io.err << "added user \"" << name
         << "\"; add the one-time code secret above to an authenticator app (it is not shown "
            "again)\n";
  return kExitOk;
}

int List(const std::string& data_dir, UserIo& io) {
  auto store = OpenStore(data_dir);
  if (!store.ok()) return Fail(io, store.status().ToString());
  auto users = (*store)->ListUsers();
  if (!users.ok()) return Fail(io, users.status().ToString());
  for (const auto& user : *users) io.out << user.name << "\t" << FormatUtc(user.created_at) << "\n";
  io.out.flush();
  return kExitOk;
}

int Remove(const std::string& data_dir, const std::string& name, UserIo& io) {
  auto store = OpenStore(data_dir);
  if (!store.ok()) return Fail(io, store.status().ToString());
  if (auto removed = (*store)->RemoveUser(name); !removed.ok()) {
    return Fail(io,
                removed.code() == common::Code::kNotFound ? removed.message() : removed.ToString());
  }
  io.err << "removed user \"" << name << "\"\n";
  return kExitOk;
}

int Passwd(const std::string& data_dir, const std::string& name, UserIo& io,
           const UserCommandOptions& options) {
  auto password = ReadPasswordLine(io.in);
  if (!password.ok()) return Fail(io, password.status().message());
  auto store = OpenStore(data_dir);
  if (!store.ok()) return Fail(io, store.status().ToString());
  if (auto user = (*store)->GetUser(name); !user.ok()) {
    return Fail(io, user.status().code() == common::Code::kNotFound ? user.status().message()
                                                                    : user.status().ToString());
  }
  auto hash = accounts::HashPassword(*password, options.argon2);
  if (!hash.ok()) return Fail(io, hash.status().ToString());
  if (auto set = (*store)->SetPasswordHash(name, *hash); !set.ok()) {
    return Fail(io, set.code() == common::Code::kNotFound ? set.message() : set.ToString());
  }
  io.err << "changed the password of \"" << name << "\"\n";
  return kExitOk;
}

}  // namespace

void AddUserCommands(CLI::App& app, const std::string* data_dir, UserIo io,
                     std::function<int()>* run, UserCommandOptions options) {
  auto* user = app.add_subcommand("user", "manage the accounts in DIR/accounts.db");
  user->require_subcommand(1);
  user->fallthrough();  // `user list --data DIR` works too

  // The parsed words outlive the parse: the run functions read them afterwards.
  struct Words {
    std::string name;
    bool password_stdin = false;
  };
  auto words = std::make_shared<Words>();
  const auto password_flag = [words](CLI::App* command) {
    command
        ->add_flag("--password-stdin", words->password_stdin,
                   "read the password from stdin's first line")
        ->required();
  };

  auto* add = user->add_subcommand("add", "add a user: user add NAME --password-stdin");
  add->add_option("name", words->name, "the user's name")->required();
  password_flag(add);
  add->fallthrough();
  add->callback([=] { *run = [=]() mutable { return Add(*data_dir, words->name, io, options); }; });

  auto* list = user->add_subcommand("list", "list the users and when each was added");
  list->fallthrough();
  list->callback([=] { *run = [=]() mutable { return List(*data_dir, io); }; });

  auto* remove = user->add_subcommand("remove", "remove a user: user remove NAME");
  remove->add_option("name", words->name, "the user's name")->required();
  remove->fallthrough();
  remove->callback([=] { *run = [=]() mutable { return Remove(*data_dir, words->name, io); }; });

  auto* passwd =
      user->add_subcommand("passwd", "change a password: user passwd NAME --password-stdin");
  passwd->add_option("name", words->name, "the user's name")->required();
  password_flag(passwd);
  passwd->fallthrough();
  passwd->callback(
      [=] { *run = [=]() mutable { return Passwd(*data_dir, words->name, io, options); }; });
}

}  // namespace tessera::metaserver::tools
