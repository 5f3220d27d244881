// blockserver/serve.h
//
// The `tessera-blockserver` server mode (the default when no subcommand is given): opens the
// block store, starts the HTTP API, prints "listening on http://HOST:PORT" on stdout, and runs
// until SIGINT/SIGTERM. Called from main on the main thread only.
#pragma once

#include <string>

namespace tessera::blockserver {

struct ServeFlags {
  std::string listen = "127.0.0.1:8611";
  std::string data_dir;
  std::string log_level = "info";
  int threads = 4;
  std::string store = "engine";  // "engine" (blockserver/engine) or "files" (one file a block)
};

// Returns the process exit code: 0 after a clean stop on a signal, 2 for bad flags (with a
// message on stderr), 1 when the store or the listener cannot be opened.
int Serve(const ServeFlags& flags);

}  // namespace tessera::blockserver
