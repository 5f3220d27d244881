// common/signals.h
//
// The termination signals of a Tessera program. A program blocks SIGINT, SIGTERM and SIGPIPE in
// its main thread before starting any other thread (threads inherit the mask), so that only the
// main thread's WaitForTerminationSignal sees SIGINT/SIGTERM and a peer closing a socket is an
// error code instead of a kill. common/cli/run_until_signal.h wraps this for the programs.
// Called from the main thread; the mask is never lifted.
#pragma once

namespace tessera::common {

// Blocks SIGINT/SIGTERM/SIGPIPE in the calling thread; threads started afterwards inherit it.
void BlockTerminationSignals();
// Blocks until SIGINT or SIGTERM arrives (they are blocked in the calling thread first, so
// call this from main before starting other threads that should not receive them). Returns
// the signal number.
int WaitForTerminationSignal();

}  // namespace tessera::common
