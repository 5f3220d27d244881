// blockserver/serve.h
//
// The `tessera-blockserver` server mode (the default when no subcommand is given): opens the
// block store, starts the HTTP API (its store calls run on the server's worker threads, never
// on an I/O thread), prints "listening on http://HOST:PORT" on stdout, and runs until
// SIGINT/SIGTERM. Called from main on the main thread only.
#pragma once

#include <cstddef>
#include <string>

#include "common/log.h"

namespace tessera::blockserver {

struct ServeFlags {
  std::string listen = "127.0.0.1:8611";
  std::string data_dir;
  common::LogLevel log_level = common::LogLevel::kInfo;
  int threads = 4;  // HTTP I/O threads
  // Threads running store calls (which wait for the engine's group commit, so more of them
  // than cores lets one fsync serve several requests), and the requests that may wait for one
  // before the server answers 503.
  int workers = 8;
  size_t max_queued = 256;
  std::string store = "engine";  // "engine" (blockserver/engine) or "files" (one file a block)
  // Start with an empty engine store even where the data dir says one was expected (a FORMAT
  // marker whose MANIFEST and data files are gone). A new or empty dir needs no flag.
  bool allow_empty = false;
};

// Returns the process exit code: 0 after a clean stop on a signal, 2 for bad flags (with a
// message on stderr), 1 when the store or the listener cannot be opened.
int Serve(const ServeFlags& flags);

}  // namespace tessera::blockserver
