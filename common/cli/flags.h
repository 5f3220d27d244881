// common/cli/flags.h
//
// The command-line pieces the three programs (tessera, tessera-metaserver,
// tessera-blockserver) share, on CLI11: parsing with the exit codes they all use, --log-level
// and --listen. run_until_signal.h has the other half, the main thread's life after parsing.
// Called from main's thread, before anything starts; the options point into objects the
// caller keeps alive until parsing is done.
#pragma once

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "common/log.h"

namespace tessera::common::cli {

inline constexpr int kExitOk = 0;       // done, or stopped cleanly on SIGINT/SIGTERM
inline constexpr int kExitFailure = 1;  // could not start, or the command failed
inline constexpr int kExitUsage = 2;    // bad flags

// Parses argv into `app`. nullopt: go on with what the flags filled in. Otherwise the exit
// code to return at once: kExitOk after --help (or --version), printed on stdout; kExitUsage
// after a bad flag, with "<program>: <message>\nRun with --help for usage.\n" on `err`.
std::optional<int> Parse(CLI::App& app, int argc, const char* const* argv, std::string_view program,
                         std::ostream& err = std::cerr);

// Adds `--log-level NAME` (debug, info, warn or error) to `app`, parsed into *level, whose
// current value is the default. Any other name is a bad flag.
CLI::Option* AddLogLevelFlag(CLI::App& app, LogLevel* level);

// Adds `--listen HOST:PORT` to `app`, into *listen, whose current value is the default. An
// address the server would refuse (common/http/listen_address.h) is a bad flag, so a typo
// stops the program before it opens anything.
CLI::Option* AddListenFlag(CLI::App& app, std::string* listen, std::string description);

// "debug", "info", "warn" or "error".
std::string_view LogLevelName(LogLevel level);

}  // namespace tessera::common::cli
