// common/log.h
//
// Logger writes leveled lines to one sink (stderr by default):
//   2026-11-21T10:39:44.123Z INFO  [component] message
// Thread-safe: lines from many threads never interleave. Passed by reference to whoever logs;
// there is no global logger. The Logger must outlive everything that holds a reference to it.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "common/mutex.h"
#include "common/thread_annotations.h"

namespace tessera::common {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug", "info", "warn", "error"; returns false on anything else.
bool ParseLogLevel(std::string_view text, LogLevel* out);

class Logger {
 public:
  // `sink` must stay open for the Logger's life; it is not closed by the Logger.
  explicit Logger(LogLevel min_level = LogLevel::kInfo, std::FILE* sink = stderr)
      : min_level_(min_level), sink_(sink) {}
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  void Log(LogLevel level, std::string_view component, std::string_view message);
  void Debug(std::string_view component, std::string_view m) {
    Log(LogLevel::kDebug, component, m);
  }
  void Info(std::string_view component, std::string_view m) { Log(LogLevel::kInfo, component, m); }
  void Warn(std::string_view component, std::string_view m) { Log(LogLevel::kWarn, component, m); }
  void Error(std::string_view component, std::string_view m) {
    Log(LogLevel::kError, component, m);
  }

  bool Enabled(LogLevel level) const { return level >= min_level_; }

 private:
  const LogLevel min_level_;
  Mutex mutex_;  // serialises writes to sink_
  std::FILE* const sink_ TESSERA_PT_GUARDED_BY(mutex_);
};

}  // namespace tessera::common
