#include "common/cli/flags.h"

#include "common/http/listen_address.h"

namespace tessera::common::cli {

std::optional<int> Parse(CLI::App& app, int argc, const char* const* argv, std::string_view program,
                         std::ostream& err) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --help-all or --version: printed on stdout, exit 0
  } catch (const CLI::ParseError& e) {
    err << program << ": " << e.what() << "\nRun with --help for usage.\n" << std::flush;
    return kExitUsage;
  }
  return std::nullopt;
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

CLI::Option* AddLogLevelFlag(CLI::App& app, LogLevel* level) {
  const CLI::Validator known(
      [](std::string& text) -> std::string {
        LogLevel ignored;
        if (ParseLogLevel(text, &ignored)) return "";
        return "expected debug, info, warn or error, got '" + text + "'";
      },
      "LEVEL");
  return app
      .add_option_function<std::string>(
          "--log-level", [level](const std::string& text) { (void)ParseLogLevel(text, level); },
          "debug, info, warn or error")
      ->check(known)
      ->default_str(std::string(LogLevelName(*level)));
}

CLI::Option* AddListenFlag(CLI::App& app, std::string* listen, std::string description) {
  const CLI::Validator valid(
      [](std::string& text) -> std::string {
        auto parsed = http::ParseListenAddress(text);
        return parsed.ok() ? "" : parsed.status().message();
      },
      "HOST:PORT");
  return app.add_option("--listen", *listen, std::move(description))
      ->check(valid)
      ->capture_default_str();
}

}  // namespace tessera::common::cli
