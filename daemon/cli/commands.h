// daemon/cli/commands.h
//
// The `tessera` subcommands behind the thin main.cc: flags are parsed by RunCli (CLI11), each
// command gets a filled options struct and returns the process exit code (0 ok, 1 failure,
// 2 bad usage). Called once from main's thread.
#pragma once

#include <chrono>
#include <string>

namespace tessera::daemon::cli {

struct DaemonOptions {
  std::string root;
  std::string state_dir;
  std::string metaserver;
  std::string blockserver;
  std::string ns = "default";
  std::string device;
  std::string log_level = "info";
  std::chrono::seconds rescan_interval{600};
};

struct StatusOptions {
  std::string state_dir;
  bool json = false;
};

// Parses argv and runs the chosen subcommand.
int RunCli(int argc, char** argv);

int RunDaemon(const DaemonOptions& options);
int RunStatus(const StatusOptions& options);

}  // namespace tessera::daemon::cli
