#include "common/cli/run_until_signal.h"

#include <signal.h>

#include <cstdio>
#include <string>

#include "common/cli/flags.h"
#include "common/signals.h"

namespace tessera::common::cli {

TerminationSignals::TerminationSignals() { BlockTerminationSignals(); }

void PrintListening(std::string_view url) {
  std::printf("listening on %.*s\n", static_cast<int>(url.size()), url.data());
  std::fflush(stdout);
}

int RunUntilSignal(const TerminationSignals& /*signals*/, Logger& log, std::string_view component,
                   const std::function<void()>& stop) {
  const int sig = WaitForTerminationSignal();
  log.Info(component, std::string("stopping on ") + (sig == SIGINT ? "SIGINT" : "SIGTERM"));
  stop();
  log.Info(component, "stopped");
  return kExitOk;
}

}  // namespace tessera::common::cli
