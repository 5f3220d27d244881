// common/cli/subcommands.h
//
// A program's subcommands as a table: each row names a subcommand, says what it is for,
// declares its flags and runs it. Adding a subcommand (`tessera pause`, `tessera conflicts`,
// ...) is adding a row; nothing else dispatches on names.
//
//   struct PauseOptions { std::string state_dir; };
//   void AddPauseFlags(CLI::App& command, PauseOptions& options);
//   int RunPause(const PauseOptions& options);
//   ... MakeSubcommand<PauseOptions>("pause", "stop syncing until resume", AddPauseFlags,
//                                    RunPause) ...
//
// Main thread only, like the parsing it is part of (flags.h).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tessera::common::cli {

// Runs a parsed subcommand; returns the process exit code (flags.h).
using RunFunction = std::function<int()>;

struct Subcommand {
  std::string name;
  std::string help;
  // Declares the subcommand's flags on `command` and returns its run function, which is called
  // after a successful parse if this subcommand was given. The two share the options the flags
  // fill in.
  std::function<RunFunction(CLI::App& command)> setup;
};

// A row from a flag setup and a run function that share an `Options` struct (default values
// are Options{}'s).
template <typename Options>
Subcommand MakeSubcommand(std::string name, std::string help,
                          void (*add_flags)(CLI::App& command, Options& options),
                          int (*run)(const Options& options)) {
  return Subcommand{std::move(name), std::move(help), [add_flags, run](CLI::App& command) {
                      auto options = std::make_shared<Options>();
                      add_flags(command, *options);
                      return RunFunction([options, run] { return run(*options); });
                    }};
}

// The rows of a table made subcommands of one CLI::App.
class SubcommandTable {
 public:
  // Adds every row to `app`, which must outlive the table.
  SubcommandTable(CLI::App& app, const std::vector<Subcommand>& rows);
  SubcommandTable(const SubcommandTable&) = delete;
  SubcommandTable& operator=(const SubcommandTable&) = delete;

  // After a successful parse: the run function of the subcommand given, or null when none was.
  RunFunction Chosen() const;

 private:
  struct Entry {
    CLI::App* command;  // owned by the app
    RunFunction run;
  };
  std::vector<Entry> entries_;
};

}  // namespace tessera::common::cli
