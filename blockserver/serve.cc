#include "blockserver/serve.h"

#include <cstdio>

#include "blockserver/api/routes.h"
#include "blockserver/store/engine_block_store.h"
#include "blockserver/store/file_block_store.h"
#include "common/cli/run_until_signal.h"
#include "common/http/server.h"
#include "common/lock_file.h"
#include "common/log.h"

namespace tessera::blockserver {

int Serve(const ServeFlags& flags) {
  if (flags.data_dir.empty()) {
    std::fprintf(stderr, "error: --data DIR is required\n");
    return 2;
  }
  if (flags.store != "engine" && flags.store != "files") {
    std::fprintf(stderr, "error: --store must be engine or files\n");
    return 2;
  }
  if (flags.threads < 1 || flags.threads > 256) {
    std::fprintf(stderr, "error: --threads must be between 1 and 256\n");
    return 2;
  }
  if (flags.workers < 1 || flags.workers > 256) {
    std::fprintf(stderr, "error: --workers must be between 1 and 256\n");
    return 2;
  }
  // Before any thread starts, so that only RunUntilSignal sees SIGINT/SIGTERM.
  const common::cli::TerminationSignals signals;
  common::Logger log(flags.log_level);
  common::PosixEnv env;

  // One blockserver per data dir: a second one on the same files would lose blocks.
  if (auto made = env.CreateDirs(flags.data_dir); !made.ok()) {
    log.Error("blockserver", "data dir: " + made.ToString());
    return 1;
  }
  auto lock = common::LockFile::Acquire(flags.data_dir, "blockserver.lock", "tessera-blockserver");
  if (!lock.ok()) {
    log.Error("blockserver", lock.status().message() +
                                 (lock.status().code() == common::Code::kConflict
                                      ? ": stop that server first, or give this one its own --data"
                                      : ""));
    return 1;
  }

  std::unique_ptr<BlockStore> store;
  if (flags.store == "engine") {
    EngineBlockStore::OpenOptions options;
    options.allow_empty = flags.allow_empty;
    auto opened = EngineBlockStore::Open(flags.data_dir, env, log, options);
    if (opened.ok())
      store = std::move(opened).value();
    else
      log.Error("blockserver", "open engine: " + opened.status().ToString());
  } else {
    auto opened = FileBlockStore::Open(flags.data_dir, env);
    if (opened.ok())
      store = std::move(opened).value();
    else
      log.Error("blockserver", "open file store: " + opened.status().ToString());
  }
  if (store == nullptr) return 1;
  common::http::Router router;
  api::RegisterRoutes(router, *store);
  common::http::ServerOptions options;
  options.listen = flags.listen;
  options.threads = flags.threads;
  options.workers = flags.workers;
  options.max_queued_work = flags.max_queued;
  auto server = common::http::HttpServer::Start(options, router, log);
  if (!server.ok()) {
    if (server.status().code() == common::Code::kInvalidArgument) {
      std::fprintf(stderr, "error: --listen: %s\n", server.status().message().c_str());
      return 2;
    }
    log.Error("blockserver", server.status().ToString());
    return 1;
  }
  common::cli::PrintListening((*server)->url());
  log.Info("blockserver", "serving " + flags.data_dir + " on " + (*server)->url());
  return common::cli::RunUntilSignal(signals, log, "blockserver", [&] { (*server)->Stop(); });
}

}  // namespace tessera::blockserver
