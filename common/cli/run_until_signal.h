// common/cli/run_until_signal.h
//
// The main thread's life of a long-running Tessera program after its flags are parsed (see
// flags.h): block the termination signals before any thread starts, start, print
// "listening on http://HOST:PORT" where the program serves, wait for SIGINT/SIGTERM, stop.
//
//   common::cli::TerminationSignals signals;   // first: before any thread starts
//   ... open stores, start the server (threads inherit the blocked mask) ...
//   common::cli::PrintListening(server->url());
//   return common::cli::RunUntilSignal(signals, log, "blockserver", [&] { server->Stop(); });
//
// Main thread only.
#pragma once

#include <functional>
#include <string_view>

#include "common/log.h"

namespace tessera::common::cli {

// Blocks SIGINT, SIGTERM and SIGPIPE in the calling thread (common/signals.h): threads started
// afterwards inherit that, so only RunUntilSignal sees SIGINT/SIGTERM, and a peer closing a
// socket is an error code, not a kill. Construct it before starting any thread; holding one is
// what RunUntilSignal asks for. The mask stays after it is destroyed.
class TerminationSignals {
 public:
  TerminationSignals();
  TerminationSignals(const TerminationSignals&) = delete;
  TerminationSignals& operator=(const TerminationSignals&) = delete;
};

// Prints "listening on URL" and a newline on stdout and flushes it: the line scripts/run and
// the end-to-end tests wait for.
void PrintListening(std::string_view url);

// Blocks until SIGINT or SIGTERM, logs which as `component`, calls `stop` (which joins what the
// program started), logs "stopped" and returns kExitOk.
int RunUntilSignal(const TerminationSignals& signals, Logger& log, std::string_view component,
                   const std::function<void()>& stop);

}  // namespace tessera::common::cli
