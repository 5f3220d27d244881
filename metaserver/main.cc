// tessera-metaserver: the journal server. Flags in --help. Prints one line to stdout,
// "listening on http://HOST:PORT", once it accepts connections; logs go to stderr.
// Exit codes: 0 after SIGINT/SIGTERM, 1 when it cannot start, 2 for bad flags.
#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>
#include <memory>
#include <string>

#include "common/env.h"
#include "common/http/server.h"
#include "common/log.h"
#include "metaserver/service.h"

namespace {

// "HOST:PORT" with a non-empty host and a port in 0..65535; the host part on success.
bool SplitListen(const std::string& listen, std::string* host) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) return false;
  unsigned port = 0;
  const char* begin = listen.data() + colon + 1;
  const char* end = listen.data() + listen.size();
  const auto [ptr, ec] = std::from_chars(begin, end, port);
  if (ec != std::errc() || ptr != end || port > 65535) return false;
  *host = listen.substr(0, colon);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  namespace common = tessera::common;
  tessera::metaserver::ServiceOptions options;
  std::string log_level = "info";

  CLI::App app{"Tessera metaserver: the file journal of every namespace"};
  app.add_option("--listen", options.listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  app.add_option("--data", options.data_dir, "directory for journal.db (created if missing)")
      ->required();
  app.add_option("--blockserver", options.blockserver_url, "blockserver base URL")
      ->capture_default_str();
  app.add_option("--log-level", log_level, "debug, info, warn or error")->capture_default_str();
  app.add_option("--threads", options.threads, "HTTP server threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help or the error
    return code == 0 ? 0 : 2;
  }

  common::LogLevel level;
  if (!common::ParseLogLevel(log_level, &level)) {
    std::fprintf(stderr, "--log-level: expected debug, info, warn or error, got '%s'\n",
                 log_level.c_str());
    return 2;
  }
  std::string host;
  if (!SplitListen(options.listen, &host)) {
    std::fprintf(stderr, "--listen: expected HOST:PORT, got '%s'\n", options.listen.c_str());
    return 2;
  }

  // Before any thread starts, so that only WaitForTerminationSignal sees SIGINT/SIGTERM.
  common::http::BlockTerminationSignals();
  common::Logger log(level);
  common::PosixEnv env;
  auto started = tessera::metaserver::Service::Start(options, env, log);
  if (!started.ok()) {
    log.Error("main", "cannot start: " + started.status().ToString());
    return started.status().code() == common::Code::kInvalidArgument ? 2 : 1;
  }
  std::unique_ptr<tessera::metaserver::Service> service = std::move(started).value();
  std::printf("listening on http://%s:%u\n", host.c_str(), static_cast<unsigned>(service->port()));
  std::fflush(stdout);
  log.Info("main",
           "journal " + options.data_dir + "/journal.db, blockserver " + options.blockserver_url);

  const int signal_number = common::http::WaitForTerminationSignal();
  log.Info("main", "signal " + std::to_string(signal_number) + ": stopping");
  service.reset();  // stops the server, then closes the journal
  log.Info("main", "stopped");
  return 0;
}
