// `tessera status`: its flags; reads the state DB read-only (works while the daemon writes,
// thanks to WAL) and asks the pid lock whether a daemon runs.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>

#include "common/env.h"
#include "common/lock_file.h"
#include "daemon/cli/commands.h"
#include "daemon/index/index.h"
#include "daemon/state_paths.h"

namespace tessera::daemon::cli {

void AddStatusFlags(CLI::App& command, StatusOptions& options) {
  command.add_option("--state", options.state_dir, "state directory of the daemon");
  command.add_flag("--json", options.json, "print one JSON object");
}

int RunStatus(const StatusOptions& options) {
  auto state_dir = StateDirOrDefault(options.state_dir);
  if (!state_dir.ok()) {
    std::fprintf(stderr, "tessera: %s\n", state_dir.status().ToString().c_str());
    return 2;
  }
  const std::string& state = *state_dir;
  const bool running = common::LockFile::IsLocked(state, "daemon.lock");
  index::StatusSnapshot snap;
  std::string read_error;
  common::PosixEnv env;
  if (env.FileExists(state + "/index.db")) {
    auto idx = index::Index::OpenReadOnly(state + "/index.db");
    if (!idx.ok() && idx.status().code() == common::Code::kUnavailable) {
      // A daemon is starting up: nothing to report yet, and nothing is wrong.
    } else if (idx.ok()) {
      auto s = (*idx)->Snapshot("");
      if (s.ok()) {
        snap = *s;
      } else {
        read_error = s.status().ToString();
      }
    } else {
      read_error = idx.status().ToString();
    }
  }
  // A daemon that is not running is not connected, whatever it last recorded.
  const bool connected = running && snap.connected;
  const std::string last_error = snap.last_error.empty() ? read_error : snap.last_error;
  if (options.json) {
    boost::json::object o;
    o["running"] = running;
    o["connected"] = connected;
    o["cursor"] = snap.cursor;
    o["upload_pending_files"] = snap.upload_pending_files;
    o["upload_pending_bytes"] = snap.upload_pending_bytes;
    o["download_pending_files"] = snap.download_pending_files;
    o["download_pending_bytes"] = snap.download_pending_bytes;
    o["conflicts"] = snap.conflicts;
    o["errors"] = snap.errors;
    o["refused"] = snap.refused;
    o["skipped"] = snap.skipped;
    o["failing"] = snap.failing;
    o["last_error"] = last_error;
    o["skipped_names"] = snap.skipped_names;
    o["paused"] = snap.paused;
    o["warning"] = snap.warning;
    o["held_deletes_outgoing"] = snap.held_outgoing;
    o["held_deletes_incoming"] = snap.held_incoming;
    o["root"] = snap.root;
    o["namespace"] = snap.ns;
    std::printf("%s\n", boost::json::serialize(o).c_str());
    return 0;
  }
  std::printf("daemon:     %s\n", running ? "running" : "not running");
  if (!snap.paused.empty()) std::printf("paused:     %s\n", snap.paused.c_str());
  if (!snap.warning.empty()) std::printf("warning:    %s\n", snap.warning.c_str());
  if (!snap.root.empty())
    std::printf("folder:     %s (namespace %s)\n", snap.root.c_str(), snap.ns.c_str());
  std::printf("servers:    %s\n", connected ? "connected" : "not connected");
  std::printf("journal:    at %llu\n", static_cast<unsigned long long>(snap.cursor));
  std::printf("to upload:  %llu files, %llu bytes\n",
              static_cast<unsigned long long>(snap.upload_pending_files),
              static_cast<unsigned long long>(snap.upload_pending_bytes));
  std::printf("to fetch:   %llu files, %llu bytes\n",
              static_cast<unsigned long long>(snap.download_pending_files),
              static_cast<unsigned long long>(snap.download_pending_bytes));
  std::printf("conflicts:  %llu\n", static_cast<unsigned long long>(snap.conflicts));
  if (snap.errors) {
    std::printf("errors:     %llu paths (%llu refused, %llu names skipped, %llu failing)\n",
                static_cast<unsigned long long>(snap.errors),
                static_cast<unsigned long long>(snap.refused),
                static_cast<unsigned long long>(snap.skipped),
                static_cast<unsigned long long>(snap.failing));
  }
  if (!snap.skipped_names.empty()) std::printf("skipped:    %s\n", snap.skipped_names.c_str());
  if (snap.held_outgoing > 0 || snap.held_incoming > 0) {
    std::printf(
        "held:       %llu deletes made here, %llu from other desktops, wait for `tessera resume "
        "--confirm-deletes` (let them go) or `tessera resume --restore` (bring the files back)\n",
        static_cast<unsigned long long>(snap.held_outgoing),
        static_cast<unsigned long long>(snap.held_incoming));
  }
  std::printf("last error: %s\n", last_error.empty() ? "none" : last_error.c_str());
  return 0;
}

}  // namespace tessera::daemon::cli
