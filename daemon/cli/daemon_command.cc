// `tessera daemon`: its flags; wires the index, scanner, engine, syncer, watcher and notify
// threads together, runs until SIGINT/SIGTERM, then stops them all through one stop_source.
#include <limits.h>
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <stop_token>
#include <thread>
#include <vector>

#include "common/cli/flags.h"
#include "common/cli/run_until_signal.h"
#include "common/client/block_client.h"
#include "common/client/meta_client.h"
#include "common/clock.h"
#include "common/device_name.h"
#include "common/env.h"
#include "common/lock_file.h"
#include "common/log.h"
#include "daemon/cli/commands.h"
#include "daemon/index/index.h"
#include "daemon/scanner/scanner.h"
#include "daemon/state_paths.h"
#include "daemon/syncer/notify_loop.h"
#include "daemon/syncer/sync_engine.h"
#include "daemon/syncer/syncer.h"
#include "daemon/watcher/watcher.h"

namespace tessera::daemon::cli {

namespace {

int Fail(const std::string& what, const common::Status& s) {
  std::fprintf(stderr, "tessera: %s: %s\n", what.c_str(), s.ToString().c_str());
  return 1;
}

common::Result<std::string> AbsoluteDir(common::Env& env, const std::string& dir) {
  TESSERA_RETURN_IF_ERROR(env.CreateDirs(dir));
  char buf[PATH_MAX];
  if (::realpath(dir.c_str(), buf) == nullptr) return common::ErrnoStatus("realpath " + dir, errno);
  return std::string(buf);
}

std::string EnvOr(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

void AddDaemonFlags(CLI::App& command, DaemonOptions& options) {
  command.add_option("--root", options.root, "the folder to keep in sync")->required();
  command.add_option("--state", options.state_dir,
                     "state directory (default $XDG_STATE_HOME/tessera or ~/.local/state/tessera)");
  command.add_option("--metaserver", options.metaserver, "metaserver URL, http://host:port")
      ->required();
  command.add_option("--blockserver", options.blockserver, "blockserver URL, http://host:port")
      ->required();
  command.add_option("--namespace", options.ns, "namespace to sync (default \"default\")");
  command.add_option("--device", options.device, "this device's name (default: the hostname)");
  common::cli::AddLogLevelFlag(command, &options.log_level);
  command
      .add_option_function<int64_t>(
          "--rescan-interval",
          [&options](int64_t seconds) { options.rescan_interval = std::chrono::seconds(seconds); },
          "seconds between full rescans")
      ->check(CLI::Range(int64_t{1}, int64_t{86400 * 7}));
  command
      .add_option("--mass-delete-files", options.mass_delete_files,
                  "a scan or burst deleting more than this many files (and more than "
                  "--mass-delete-percent of the folder) waits for `tessera resume`")
      ->capture_default_str();
  command
      .add_option("--mass-delete-percent", options.mass_delete_percent,
                  "... and more than this percent of the folder's files (0-100)")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  command
      .add_option("--commit-batch-items", options.commit_batch_items,
                  "at most this many changes in one commit request (tests use small batches)")
      ->check(CLI::Range(size_t{1}, size_t{500}))
      ->capture_default_str();
}

int RunDaemon(const DaemonOptions& options) {
  // First, so that every thread started below (and by what it opens) inherits the mask.
  const common::cli::TerminationSignals signals;
  common::Logger log(options.log_level);
  common::PosixEnv env;
  // A background daemon holds its biggest buffers (whole-file reads of big files, retrieve
  // windows) only briefly: a fixed 4 MiB mmap threshold gives each back to the system when
  // freed, where glibc's sliding threshold would soon serve them from the heap and keep the
  // pages. Fixing it also fixes the trim threshold, at 128 KiB, which trims and regrows the heap
  // all the time (W1: 70% more sender CPU), hence 64 MiB for that. Sync benchmark, W1 and W2:
  // sender CPU unchanged, peak RSS of the receiving daemon on W2 57 MiB (58-64 before).
  // Two arenas at most: each thread (hashing, transfers, notify) otherwise gets its own, and
  // the free memory each keeps adds up (W1 on loopback: sending daemon's peak 65 -> 61 MiB,
  // CPU unchanged).
  // MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ / MALLOC_ARENA_MAX override.
  if (EnvOr("MALLOC_MMAP_THRESHOLD_").empty()) (void)::mallopt(M_MMAP_THRESHOLD, 4 << 20);
  if (EnvOr("MALLOC_TRIM_THRESHOLD_").empty()) (void)::mallopt(M_TRIM_THRESHOLD, 64 << 20);
  if (EnvOr("MALLOC_ARENA_MAX").empty()) (void)::mallopt(M_ARENA_MAX, 2);

  auto state_flag = StateDirOrDefault(options.state_dir);
  if (!state_flag.ok()) {
    std::fprintf(stderr, "tessera: %s\n", state_flag.status().ToString().c_str());
    return 2;
  }
  const std::string& state = *state_flag;
  std::string device = options.device;
  if (device.empty()) {
    char host[HOST_NAME_MAX + 1] = {};
    if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
      std::snprintf(host, sizeof host, "unknown");
    }
    device = host;
  }
  if (auto valid = common::ValidateDeviceName(device); !valid.ok()) {
    std::fprintf(stderr, "tessera: --device: %s\n", valid.message().c_str());
    return 2;
  }

  auto root = AbsoluteDir(env, options.root);
  if (!root.ok()) return Fail("--root", root.status());
  auto state_dir = AbsoluteDir(env, state);
  if (!state_dir.ok()) return Fail("--state", state_dir.status());
  // The daemon's own files must never be synced: the state dir is neither the root nor above
  // it. (A state dir inside the root is skipped by the scanner.)
  if (*state_dir == *root || root->starts_with(*state_dir + "/")) {
    std::fprintf(stderr,
                 "tessera: --state %s holds the synced folder --root %s: the daemon would sync "
                 "its own index; give a state directory outside the folder (or leave --state "
                 "out for the default)\n",
                 state_dir->c_str(), root->c_str());
    return 2;
  }
  auto lock = common::LockFile::Acquire(*state_dir, "daemon.lock", "tessera daemon");
  if (!lock.ok()) return Fail("lock", lock.status());
  // One daemon per folder, whatever its state dir: two would split files between them.
  auto root_lock = common::LockFile::AcquireDir(*root, "tessera daemon");
  if (!root_lock.ok()) {
    if (root_lock.status().code() != common::Code::kConflict)
      return Fail("lock", root_lock.status());
    std::fprintf(stderr,
                 "tessera: %s: stop that daemon first (`tessera status --state DIR` shows "
                 "whether one runs); one folder is synced by one daemon\n",
                 root_lock.status().message().c_str());
    return 1;
  }

  auto index = index::Index::Open(*state_dir + "/index.db");
  if (!index.ok()) return Fail("index", index.status());
  if (auto s = (*index)->BindIdentity(*root, options.ns); !s.ok()) return Fail("state dir", s);
  auto meta = common::client::MetaClient::Create(options.metaserver, options.ns);
  if (!meta.ok()) return Fail("--metaserver", meta.status());
  auto notify_meta = common::client::MetaClient::Create(options.metaserver, options.ns);
  if (!notify_meta.ok()) return Fail("--metaserver", notify_meta.status());
  auto blocks = common::client::BlockClient::Create(options.blockserver, log);
  if (!blocks.ok()) return Fail("--blockserver", blocks.status());

  scanner::Scanner scanner(env, **index, log, *root, *state_dir);
  syncer::SyncConfig config{*root, *state_dir, options.ns, device};
  config.mass_delete_files = options.mass_delete_files;
  config.mass_delete_percent = options.mass_delete_percent;
  config.commit_batch_items = options.commit_batch_items;
  auto engine = syncer::SyncEngine::Create(env, **index, scanner, log, **meta, **blocks, config);
  if (!engine.ok()) return Fail("sync engine", engine.status());
  syncer::SyncerOptions sync_options;
  sync_options.rescan_interval = options.rescan_interval;
  common::RealClock clock;
  syncer::Syncer syncer(**engine, scanner, **index, log, sync_options, clock);
  auto watcher = watcher::Watcher::Open(
      env, *root, *state_dir, log,
      watcher::WatcherCallbacks{[&](const std::set<std::string>& p) { syncer.OnPathsChanged(p); },
                                [&] { syncer.OnOverflow(); }});
  if (!watcher.ok()) return Fail("watcher", watcher.status());

  log.Info("daemon", "syncing " + *root + " (namespace '" + options.ns + "', device '" + device +
                         "', state " + *state_dir + ")");
  // On the heap: GCC 12 warns falsely (maybe-uninitialized) about a stop_source on the stack.
  auto stop = std::make_unique<std::stop_source>();
  // Declared after everything the threads use, so they are joined before it is destroyed.
  std::vector<std::jthread> threads;
  threads.emplace_back([&, token = stop->get_token()] { syncer.Run(token); });
  threads.emplace_back([&, token = stop->get_token()] { (*watcher)->Run(token); });
  threads.emplace_back(
      [&, token = stop->get_token()] { syncer::RunNotifyLoop(token, **notify_meta, syncer, log); });
  return common::cli::RunUntilSignal(signals, log, "daemon", [&] {
    stop->request_stop();
    threads.clear();  // joins them
  });
}

}  // namespace tessera::daemon::cli
