// `tessera resume`: answers what the daemon waits for. It leaves a request in the state dir's
// index (daemon/syncer/resume_requests.h), which a running daemon takes within seconds and a
// stopped one when it starts; it asks only when there is something to answer, so a request
// never waits around to confirm a later mass delete.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "common/env.h"
#include "common/lock_file.h"
#include "daemon/cli/commands.h"
#include "daemon/index/index.h"
#include "daemon/state_paths.h"
#include "daemon/syncer/resume_requests.h"

namespace tessera::daemon::cli {

void AddResumeFlags(CLI::App& command, ResumeOptions& options) {
  command.add_option("--state", options.state_dir, "state directory of the daemon");
  auto* confirm = command.add_flag("--confirm-deletes", options.confirm_deletes,
                                   "let the held mass delete go through");
  auto* restore = command.add_flag("--restore", options.restore,
                                   "undo the held mass delete: the files come back");
  auto* start_over = command.add_flag(
      "--start-over", options.start_over,
      "sync the folder as it is now (after it vanished or was replaced): files missing from it "
      "are fetched again, nothing is deleted elsewhere");
  confirm->excludes(restore)->excludes(start_over);
  restore->excludes(start_over);
  command.require_option(1, 3);
}

int RunResume(const ResumeOptions& options) {
  auto state = StateDirOrDefault(options.state_dir);
  if (!state.ok()) {
    std::fprintf(stderr, "tessera: %s\n", state.status().ToString().c_str());
    return 2;
  }
  common::PosixEnv env;
  if (!env.FileExists(*state + "/index.db")) {
    std::fprintf(stderr, "tessera: no daemon state in %s (give the --state the daemon runs with)\n",
                 state->c_str());
    return 1;
  }
  auto index = index::Index::Open(*state + "/index.db");
  if (!index.ok()) {
    std::fprintf(stderr, "tessera: index: %s\n", index.status().ToString().c_str());
    return 1;
  }
  auto snap = (*index)->Snapshot("");
  if (!snap.ok()) {
    std::fprintf(stderr, "tessera: index: %s\n", snap.status().ToString().c_str());
    return 1;
  }
  const bool running = common::LockFile::IsLocked(*state, "daemon.lock");
  std::string key;
  std::string what;
  if (options.start_over) {
    if (running && snap->paused.empty()) {
      std::printf("the folder is not paused: nothing to start over\n");
      return 0;
    }
    key = syncer::kRequestStartOver;
    what = "sync the folder as it is now, fetching what is missing from it";
  } else {
    const uint64_t held = snap->held_outgoing + snap->held_incoming;
    if (held == 0) {
      std::printf("no deletes are held: nothing to %s\n", options.restore ? "restore" : "confirm");
      return 0;
    }
    key = options.restore ? syncer::kRequestRestore : syncer::kRequestConfirmDeletes;
    what = (options.restore ? "undo " : "let through ") + std::to_string(held) + " held deletes";
  }
  if (auto s = (*index)->SetValue(key, "1"); !s.ok()) {
    std::fprintf(stderr, "tessera: index: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("asked the daemon to %s: %s (`tessera status` shows it)\n", what.c_str(),
              running ? "it does so within seconds" : "it does so when it starts");
  return 0;
}

}  // namespace tessera::daemon::cli
