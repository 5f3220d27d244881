// `tessera daemon`: wires the index, scanner, engine, syncer, watcher and notify threads
// together, runs until SIGINT/SIGTERM, then stops them all through one stop_source.
#include <limits.h>
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <stop_token>
#include <thread>

#include "common/clock.h"
#include "common/env.h"
#include "common/http/server.h"
#include "common/log.h"
#include "daemon/cli/commands.h"
#include "daemon/cli/pid_lock.h"
#include "daemon/index/index.h"
#include "daemon/remote/block_client.h"
#include "daemon/remote/meta_client.h"
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

int RunDaemon(const DaemonOptions& options) {
  common::LogLevel level = common::LogLevel::kInfo;
  if (!common::ParseLogLevel(options.log_level, &level)) {
    std::fprintf(stderr, "tessera: bad --log-level '%s'\n", options.log_level.c_str());
    return 2;
  }
  common::Logger log(level);
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

  std::string state = options.state_dir;
  if (state.empty()) {
    auto def = DefaultStateDir(EnvOr("XDG_STATE_HOME"), EnvOr("HOME"));
    if (!def.ok()) {
      std::fprintf(stderr, "tessera: %s\n", def.status().ToString().c_str());
      return 2;
    }
    state = *def;
  }
  std::string device = options.device;
  if (device.empty()) {
    char host[HOST_NAME_MAX + 1] = {};
    if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
      std::snprintf(host, sizeof host, "unknown");
    }
    device = host;
  }

  auto root = AbsoluteDir(env, options.root);
  if (!root.ok()) return Fail("--root", root.status());
  auto state_dir = AbsoluteDir(env, state);
  if (!state_dir.ok()) return Fail("--state", state_dir.status());
  auto lock = PidLock::Acquire(*state_dir);
  if (!lock.ok()) return Fail("lock", lock.status());

  auto index = index::Index::Open(*state_dir + "/index.db");
  if (!index.ok()) return Fail("index", index.status());
  if (auto s = (*index)->BindIdentity(*root, options.ns); !s.ok()) return Fail("state dir", s);
  auto meta = remote::MetaClient::Create(options.metaserver, options.ns);
  if (!meta.ok()) return Fail("--metaserver", meta.status());
  auto notify_meta = remote::MetaClient::Create(options.metaserver, options.ns);
  if (!notify_meta.ok()) return Fail("--metaserver", notify_meta.status());
  auto blocks = remote::BlockClient::Create(options.blockserver, log);
  if (!blocks.ok()) return Fail("--blockserver", blocks.status());

  scanner::Scanner scanner(env, **index, log, *root, *state_dir);
  syncer::SyncConfig config{*root, *state_dir, options.ns, device};
  auto engine = syncer::SyncEngine::Create(env, **index, scanner, log, **meta, **blocks, config);
  if (!engine.ok()) return Fail("sync engine", engine.status());
  syncer::SyncerOptions sync_options;
  sync_options.rescan_interval = options.rescan_interval;
  common::RealClock clock;
  syncer::Syncer syncer(**engine, scanner, **index, log, sync_options, clock);
  auto watcher = watcher::Watcher::Open(
      *root, *state_dir, log,
      watcher::WatcherCallbacks{[&](const std::set<std::string>& p) { syncer.OnPathsChanged(p); },
                                [&] { syncer.OnOverflow(); }});
  if (!watcher.ok()) return Fail("watcher", watcher.status());

  log.Info("daemon", "syncing " + *root + " (namespace '" + options.ns + "', device '" + device +
                         "', state " + *state_dir + ")");
  common::http::BlockTerminationSignals();
  // On the heap: GCC 12 warns falsely (maybe-uninitialized) about a stop_source on the stack.
  auto stop = std::make_unique<std::stop_source>();
  {
    std::jthread sync_thread([&, token = stop->get_token()] { syncer.Run(token); });
    std::jthread watch_thread([&, token = stop->get_token()] { (*watcher)->Run(token); });
    std::jthread notify_thread([&, token = stop->get_token()] {
      syncer::RunNotifyLoop(token, **notify_meta, syncer, log);
    });
    const int sig = common::http::WaitForTerminationSignal();
    log.Info("daemon", "signal " + std::to_string(sig) + ": stopping");
    stop->request_stop();
  }  // joins the threads before anything they use is destroyed
  log.Info("daemon", "stopped");
  return 0;
}

}  // namespace tessera::daemon::cli
