// daemon/cli/commands.h
//
// The `tessera` subcommands behind the thin main.cc. RunCli parses argv (CLI11, through
// common/cli) against the table of subcommands in cli.cc; each row pairs a flag setup that
// fills an options struct with a run function that gets it and returns the process exit code
// (0 ok, 1 failure, 2 bad usage). A new subcommand is an options struct, its two functions
// here, and one row. Called once from main's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/log.h"

namespace CLI {
class App;
}  // namespace CLI

namespace tessera::daemon::cli {

struct DaemonOptions {
  std::string root;
  std::string state_dir;
  std::string metaserver;
  std::string blockserver;
  std::string ns = "default";
  std::string device;
  common::LogLevel log_level = common::LogLevel::kInfo;
  std::chrono::seconds rescan_interval{600};
  // A mass delete (daemon/syncer/delete_guard.h): more than this many files...
  uint64_t mass_delete_files = 100;
  // ...and more than this percent of the folder's files.
  uint32_t mass_delete_percent = 50;
  // At most this many items in one commit request (SyncConfig::commit_batch_items).
  size_t commit_batch_items = 500;
};

struct StatusOptions {
  std::string state_dir;
  bool json = false;
};

struct ResumeOptions {
  std::string state_dir;
  bool confirm_deletes = false;
  bool restore = false;
  bool start_over = false;
};

// Parses argv and runs the chosen subcommand.
int RunCli(int argc, char** argv);

// `tessera daemon` (daemon_command.cc).
void AddDaemonFlags(CLI::App& command, DaemonOptions& options);
int RunDaemon(const DaemonOptions& options);
// `tessera status` (status_command.cc).
void AddStatusFlags(CLI::App& command, StatusOptions& options);
int RunStatus(const StatusOptions& options);
// `tessera resume` (resume_command.cc).
void AddResumeFlags(CLI::App& command, ResumeOptions& options);
int RunResume(const ResumeOptions& options);

}  // namespace tessera::daemon::cli
