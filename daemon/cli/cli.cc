#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>

#include "daemon/cli/commands.h"

namespace tessera::daemon::cli {

int RunCli(int argc, char** argv) {
  CLI::App app{"tessera: keeps a folder in sync through a Tessera metaserver and blockserver"};
  app.require_subcommand(1);

  DaemonOptions d;
  int64_t rescan_seconds = 600;
  auto* daemon = app.add_subcommand("daemon", "run the sync daemon in the foreground");
  daemon->add_option("--root", d.root, "the folder to keep in sync")->required();
  daemon->add_option("--state", d.state_dir,
                     "state directory (default $XDG_STATE_HOME/tessera or ~/.local/state/tessera)");
  daemon->add_option("--metaserver", d.metaserver, "metaserver URL, http://host:port")->required();
  daemon->add_option("--blockserver", d.blockserver, "blockserver URL, http://host:port")
      ->required();
  daemon->add_option("--namespace", d.ns, "namespace to sync (default \"default\")");
  daemon->add_option("--device", d.device, "this device's name (default: the hostname)");
  daemon->add_option("--log-level", d.log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  daemon->add_option("--rescan-interval", rescan_seconds, "seconds between full rescans")
      ->check(CLI::Range(int64_t{1}, int64_t{86400 * 7}));

  StatusOptions s;
  auto* status = app.add_subcommand("status", "show what the daemon is doing");
  status->add_option("--state", s.state_dir, "state directory of the daemon");
  status->add_flag("--json", s.json, "print one JSON object");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "tessera: %s\nRun with --help for usage.\n", e.what());
    return 2;
  }
  if (daemon->parsed()) {
    d.rescan_interval = std::chrono::seconds(rescan_seconds);
    return RunDaemon(d);
  }
  return RunStatus(s);
}

}  // namespace tessera::daemon::cli
