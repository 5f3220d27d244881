#include <CLI/CLI.hpp>
#include <vector>

#include "common/cli/flags.h"
#include "common/cli/subcommands.h"
#include "daemon/cli/commands.h"

namespace tessera::daemon::cli {

namespace {

using common::cli::MakeSubcommand;

// Every `tessera` subcommand, in the order --help lists them.
std::vector<common::cli::Subcommand> Subcommands() {
  return {
      MakeSubcommand<DaemonOptions>("daemon", "run the sync daemon in the foreground",
                                    AddDaemonFlags, RunDaemon),
      MakeSubcommand<StatusOptions>("status", "show what the daemon is doing", AddStatusFlags,
                                    RunStatus),
      MakeSubcommand<ResumeOptions>("resume",
                                    "answer a held mass delete or a paused folder: "
                                    "--confirm-deletes, --restore or --start-over",
                                    AddResumeFlags, RunResume),
  };
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"tessera: keeps a folder in sync through a Tessera metaserver and blockserver"};
  app.require_subcommand(1);
  const common::cli::SubcommandTable table(app, Subcommands());
  if (auto exit = common::cli::Parse(app, argc, argv, "tessera")) return *exit;
  return table.Chosen()();  // require_subcommand(1): exactly one was given
}

}  // namespace tessera::daemon::cli
