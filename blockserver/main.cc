// tessera-blockserver: the block server. With no subcommand it serves (blockserver/serve.h);
// maintenance subcommands (`sst dump`, `check`, `repair`) are added in AddSubcommands below.
#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "blockserver/serve.h"
#include "blockserver/tools/check_tool.h"
#include "blockserver/tools/repair_tool.h"
#include "blockserver/tools/sst_tool.h"
#include "common/cli/flags.h"

namespace {

// Each subcommand registers itself here and sets `*run` to its entry point (returning the
// exit code) from its callback.
void AddSubcommands(CLI::App& app, std::function<int()>* run) {
  namespace tools = tessera::blockserver::tools;
  // The tools parse their own arguments: hand them everything after the subcommand words.
  auto* sst = app.add_subcommand("sst", "inspect or write one SST file");
  sst->require_subcommand(1);
  auto* dump = sst->add_subcommand("dump", "print an SST as JSON: sst dump FILE [--json]");
  dump->allow_extras();
  dump->callback([dump, run] {
    *run = [args = dump->remaining()] { return tools::SstDumpMain(args, std::cout, std::cerr); };
  });
  auto* load = sst->add_subcommand("load", "write an SST from its JSON dump: sst load JSON OUT");
  load->allow_extras();
  load->callback([load, run] {
    *run = [args = load->remaining()] { return tools::SstLoadMain(args, std::cout, std::cerr); };
  });
  auto* check = app.add_subcommand("check", "verify every checksum: check --data DIR");
  check->allow_extras();
  check->callback([check, run] {
    *run = [args = check->remaining()] { return tools::CheckMain(args, std::cout, std::cerr); };
  });
  auto* repair = app.add_subcommand(
      "repair", "make a damaged data dir start again, saying what was lost: repair --data DIR");
  repair->allow_extras();
  repair->callback([repair, run] {
    *run = [args = repair->remaining()] { return tools::RepairMain(args, std::cout, std::cerr); };
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Tessera block server: stores content-addressed blocks over HTTP",
               "tessera-blockserver"};
  tessera::blockserver::ServeFlags flags;
  namespace cli = tessera::common::cli;
  cli::AddListenFlag(app, &flags.listen, "HOST:PORT to listen on (port 0 picks one)");
  app.add_option("--data", flags.data_dir, "directory holding the blocks");
  cli::AddLogLevelFlag(app, &flags.log_level);
  app.add_option("--threads", flags.threads, "HTTP server I/O threads")->capture_default_str();
  app.add_option("--workers", flags.workers, "threads running block store calls")
      ->capture_default_str();
  app.add_option("--store", flags.store, "block store: engine (default) or files")
      ->capture_default_str();
  app.add_flag("--allow-empty", flags.allow_empty,
               "start with an empty store where the data dir's files say one was expected "
               "(its FORMAT marker is there, its MANIFEST and data files are gone)");
  app.require_subcommand(0, 1);
  std::function<int()> run;
  AddSubcommands(app, &run);

  if (auto exit = cli::Parse(app, argc, argv, "tessera-blockserver")) return *exit;
  if (run) return run();
  return tessera::blockserver::Serve(flags);
}
