// common/cli: the programs' shared parsing (exit codes, --log-level, --listen), the table of
// subcommands, and the run-until-signal tail.
#include <doctest/doctest.h>
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "common/cli/flags.h"
#include "common/cli/run_until_signal.h"
#include "common/cli/subcommands.h"

namespace tessera::common::cli {
namespace {

// Parses `args` (without the program name) into `app`, with std::cout captured into `*out`
// and the error message into `*err`.
std::optional<int> ParseArgs(CLI::App& app, std::vector<std::string> args,
                             std::string* out = nullptr, std::string* err = nullptr) {
  args.insert(args.begin(), "prog");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::ostringstream captured;
  std::ostringstream errors;
  std::streambuf* old = std::cout.rdbuf(captured.rdbuf());
  auto exit = Parse(app, static_cast<int>(argv.size()), argv.data(), "prog", errors);
  std::cout.rdbuf(old);
  if (out != nullptr) *out = captured.str();
  if (err != nullptr) *err = errors.str();
  return exit;
}

TEST_CASE("cli: --help exits 0 with the usage on stdout, a bad flag exits 2") {
  CLI::App app{"a test program"};
  int n = 0;
  app.add_option("--n", n, "a number")->check(CLI::Range(1, 9));
  std::string out, err;
  CHECK(ParseArgs(app, {"--help"}, &out, &err) == std::optional<int>(kExitOk));
  CHECK(out.find("a test program") != std::string::npos);
  CHECK(err.empty());
  CHECK(ParseArgs(app, {"--nope"}, &out, &err) == std::optional<int>(kExitUsage));
  CHECK(out.empty());
  CHECK(err ==
        "prog: The following argument was not expected: --nope\nRun with --help for usage.\n");
  CHECK(ParseArgs(app, {"--n", "10"}) == std::optional<int>(kExitUsage));
  CHECK(ParseArgs(app, {"--n", "3"}) == std::nullopt);
  CHECK(n == 3);
}

TEST_CASE("cli: --log-level parses the four level names and refuses others") {
  for (const auto& [name, level] :
       std::vector<std::pair<std::string, LogLevel>>{{"debug", LogLevel::kDebug},
                                                     {"info", LogLevel::kInfo},
                                                     {"warn", LogLevel::kWarn},
                                                     {"error", LogLevel::kError}}) {
    CLI::App app;
    LogLevel parsed = LogLevel::kInfo;
    AddLogLevelFlag(app, &parsed);
    CHECK(ParseArgs(app, {"--log-level", name}) == std::nullopt);
    CHECK(parsed == level);
    CHECK(LogLevelName(level) == name);
  }
  CLI::App app;
  LogLevel parsed = LogLevel::kWarn;
  AddLogLevelFlag(app, &parsed);
  CHECK(ParseArgs(app, {}) == std::nullopt);
  CHECK(parsed == LogLevel::kWarn);  // the default stays
  for (const char* bad : {"loud", "INFO", "warning", ""}) {
    std::string err;
    CHECK_MESSAGE(
        ParseArgs(app, {"--log-level", bad}, nullptr, &err) == std::optional<int>(kExitUsage), bad);
    CHECK(err.find("--log-level: expected debug, info, warn or error") != std::string::npos);
  }
}

TEST_CASE("cli: --listen takes what the server can bind and refuses the rest") {
  for (const char* good : {"127.0.0.1:0", "0.0.0.0:8610", "localhost:8611", "[::1]:0"}) {
    CLI::App app;
    std::string listen = "127.0.0.1:8611";
    AddListenFlag(app, &listen, "where");
    CHECK_MESSAGE(ParseArgs(app, {"--listen", good}) == std::nullopt, good);
    CHECK(listen == good);
  }
  for (const char* bad :
       {"nonsense", "127.0.0.1:99999", "example.invalid:80", ":80", "1.2.3.4:", "127.0.0.1:8a"}) {
    CLI::App app;
    std::string listen = "127.0.0.1:8611";
    AddListenFlag(app, &listen, "where");
    CHECK_MESSAGE(ParseArgs(app, {"--listen", bad}) == std::optional<int>(kExitUsage), bad);
  }
}

struct GreetOptions {
  std::string name = "world";
  int times = 1;
};
struct CountOptions {
  bool verbose = false;
};

// The run functions tell what they got through their exit code.
void AddGreetFlags(CLI::App& command, GreetOptions& options) {
  command.add_option("--name", options.name, "who");
  command.add_option("--times", options.times, "how often")->check(CLI::Range(1, 3));
}
int RunGreet(const GreetOptions& options) {
  return options.times * 100 + static_cast<int>(options.name.size());
}
void AddCountFlags(CLI::App& command, CountOptions& options) {
  command.add_flag("--verbose", options.verbose, "say more");
}
int RunCount(const CountOptions& options) { return options.verbose ? 7 : 8; }

std::vector<Subcommand> Table() {
  return {MakeSubcommand<GreetOptions>("greet", "say hello", AddGreetFlags, RunGreet),
          MakeSubcommand<CountOptions>("count", "count things", AddCountFlags, RunCount)};
}

TEST_CASE("cli: a table of subcommands parses each row's flags and runs the one given") {
  SUBCASE("a row with its flags") {
    CLI::App app;
    app.require_subcommand(1);
    const SubcommandTable table(app, Table());
    REQUIRE(ParseArgs(app, {"greet", "--name", "tessera", "--times", "2"}) == std::nullopt);
    REQUIRE(table.Chosen() != nullptr);
    CHECK(table.Chosen()() == 207);
  }
  SUBCASE("a row with its defaults") {
    CLI::App app;
    app.require_subcommand(1);
    const SubcommandTable table(app, Table());
    REQUIRE(ParseArgs(app, {"greet"}) == std::nullopt);
    CHECK(table.Chosen()() == 105);
  }
  SUBCASE("the other row") {
    CLI::App app;
    app.require_subcommand(1);
    const SubcommandTable table(app, Table());
    REQUIRE(ParseArgs(app, {"count", "--verbose"}) == std::nullopt);
    CHECK(table.Chosen()() == 7);
  }
  SUBCASE("no row given, where none is required") {
    CLI::App app;
    const SubcommandTable table(app, Table());
    REQUIRE(ParseArgs(app, {}) == std::nullopt);
    CHECK(table.Chosen() == nullptr);
  }
  SUBCASE("bad flags of a row, another row's flag, an unknown row, or none at all") {
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"greet", "--times", "9"}, {"count", "--name", "x"}, {"dance"}, {}}) {
      CLI::App app;
      app.require_subcommand(1);
      const SubcommandTable table(app, Table());
      CHECK(ParseArgs(app, args) == std::optional<int>(kExitUsage));
    }
  }
  SUBCASE("help of a row") {
    CLI::App app;
    app.require_subcommand(1);
    const SubcommandTable table(app, Table());
    std::string out;
    CHECK(ParseArgs(app, {"greet", "--help"}, &out) == std::optional<int>(kExitOk));
    CHECK(out.find("--times") != std::string::npos);
  }
}

TEST_CASE("cli: RunUntilSignal returns 0 after SIGTERM, having called stop once") {
  sigset_t before;
  REQUIRE(pthread_sigmask(SIG_SETMASK, nullptr, &before) == 0);
  {
    const TerminationSignals signals;
    // Thread-directed, so it stays pending here (blocked) until RunUntilSignal takes it.
    REQUIRE(pthread_kill(pthread_self(), SIGTERM) == 0);
    Logger log(LogLevel::kError);
    int stops = 0;
    CHECK(RunUntilSignal(signals, log, "test", [&] { ++stops; }) == kExitOk);
    CHECK(stops == 1);
  }
  REQUIRE(pthread_sigmask(SIG_SETMASK, &before, nullptr) == 0);
}

}  // namespace
}  // namespace tessera::common::cli
