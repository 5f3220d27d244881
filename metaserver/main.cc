// tessera-metaserver: the journal server. Flags in --help. With no subcommand it serves:
// prints one line to stdout, "listening on http://HOST:PORT" (HOST as given in --listen), once
// it accepts connections; logs go to stderr. Exit codes: 0 after SIGINT/SIGTERM, 1 when it
// cannot start, 2 for bad flags. The admin subcommands (`--data DIR user add|list|remove|passwd
// ...`, metaserver/tools/user_commands.h) run and exit instead, beside a serving metaserver.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include "common/cli/flags.h"
#include "common/cli/run_until_signal.h"
#include "common/env.h"
#include "common/http/listen_address.h"
#include "common/log.h"
#include "metaserver/service.h"
#include "metaserver/tools/user_commands.h"

int main(int argc, char** argv) {
  namespace common = tessera::common;
  namespace cli = tessera::common::cli;
  tessera::metaserver::ServiceOptions options;
  common::LogLevel level = common::LogLevel::kInfo;

  CLI::App app{"Tessera metaserver: the file journal of every namespace"};
  cli::AddListenFlag(app, &options.listen, "HOST:PORT to listen on (port 0: any free port)");
  app.add_option("--data", options.data_dir, "directory for journal.db (created if missing)")
      ->required();
  app.add_option("--blockserver", options.blockserver_url, "blockserver base URL")
      ->capture_default_str();
  cli::AddLogLevelFlag(app, &level);
  app.add_option("--threads", options.threads, "HTTP server I/O threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--workers", options.workers, "threads running journal requests (SQLite, fsync)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.require_subcommand(0, 1);
  std::function<int()> run;
  tessera::metaserver::tools::AddUserCommands(
      app, &options.data_dir,
      tessera::metaserver::tools::UserIo{std::cin, std::cout, std::cerr,
                                         ::isatty(STDOUT_FILENO) == 1},
      &run);
  if (auto exit = cli::Parse(app, argc, argv, "tessera-metaserver")) return *exit;
  if (run) return run();
  // Valid: the flag checked it. The announced URL keeps the host as given.
  const auto listen = common::http::ParseListenAddress(options.listen);
  if (!listen.ok()) return cli::kExitUsage;

  // Before any thread starts, so that only RunUntilSignal sees SIGINT/SIGTERM.
  const cli::TerminationSignals signals;
  common::Logger log(level);
  common::PosixEnv env;
  auto started = tessera::metaserver::Service::Start(options, env, log);
  if (!started.ok()) {
    log.Error("main", "cannot start: " + started.status().ToString());
    return started.status().code() == common::Code::kInvalidArgument ? cli::kExitUsage
                                                                     : cli::kExitFailure;
  }
  std::unique_ptr<tessera::metaserver::Service> service = std::move(started).value();
  cli::PrintListening("http://" + listen->host + ":" + std::to_string(service->port()));
  log.Info("main",
           "journal " + options.data_dir + "/journal.db, blockserver " + options.blockserver_url);
  // Stops the server (joining its I/O and worker threads), then closes the journal.
  return cli::RunUntilSignal(signals, log, "main", [&] { service.reset(); });
}
