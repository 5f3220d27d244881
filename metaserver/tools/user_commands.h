// metaserver/tools/user_commands.h
//
// `tessera-metaserver --data DIR user add|list|remove|passwd ...`: the admin commands over
// the account store (metaserver/accounts/account_store.h) in DIR/accounts.db.
//   user add NAME --password-stdin     the password is stdin's first line (without the
//                                      newline); makes a random 20-byte TOTP secret and prints
//                                      its otpauth:// URI (and, on a terminal, a QR code of it)
//   user list                          one user a line: NAME<TAB>created YYYY-MM-DDTHH:MM:SSZ
//   user remove NAME
//   user passwd NAME --password-stdin
// They run while a metaserver serves DIR: they take no lock on it (metaserver.lock is the
// server's), SQLite's WAL mode and busy timeout share the file.
// Exit codes (common/cli/flags.h): 0 done, 1 failed (unknown or existing user, an unreadable
// store) with a message on stderr, 2 bad usage.
// Main thread only; `data_dir` and `io` must outlive the parse and the run.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>
#include <string>

#include "metaserver/accounts/password_hash.h"

namespace tessera::metaserver::tools {

struct UserIo {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  bool out_is_terminal = false;  // print the QR code too
};

struct UserCommandOptions {
  accounts::Argon2Params argon2;
};

// Adds the `user` subcommand (with its own subcommands) to `app`. After a successful parse
// that chose one, *run is set to a function that runs it and returns the exit code; `data_dir`
// is read then.
void AddUserCommands(CLI::App& app, const std::string* data_dir, UserIo io,
                     std::function<int()>* run, UserCommandOptions options = {});

}  // namespace tessera::metaserver::tools
