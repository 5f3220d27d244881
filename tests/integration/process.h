// tests/integration/process.h
//
// Process: one child program started by a test (posix_spawn), with its stdout read line by
// line by a reader thread (and copied to `<log>.stdout`), its stderr appended to a log file,
// and stdin from /dev/null (or from given bytes). The child inherits no other descriptor of the
// test. Ownership: a Process owns its child; destroying a Process whose child still runs SIGKILLs
// and reaps it, then joins the reader thread, so a test never leaks a child.
// Thread safety: not thread-safe, except that the stdout lines may be read (WaitForLine)
// while the reader thread appends them.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "common/result.h"
#include "common/thread_annotations.h"
#include "common/unique_fd.h"

namespace tessera::integration {

// How a child ended.
struct ExitStatus {
  bool exited = false;  // true: normal exit with `code`; false: killed by `signal`
  int code = 0;
  int signal = 0;
  bool Success() const { return exited && code == 0; }
  std::string ToString() const;  // "exit 0", "signal 9"
};

class Process {
 public:
  // Starts argv[0] (a path; PATH is not searched) with `argv`. stderr is appended to
  // `log_path` (created); stdout lines are kept for WaitForLine and appended to
  // `log_path + ".stdout"`. stdin reads `stdin_bytes` then EOF when given (at most 64 KiB,
  // what a pipe holds), /dev/null otherwise. IOError if the program cannot be started
  // (missing, not executable).
  static common::Result<std::unique_ptr<Process>> Spawn(
      const std::vector<std::string>& argv, const std::string& log_path,
      const std::optional<std::string>& stdin_bytes = std::nullopt);
  ~Process();  // SIGKILLs and reaps a child that still runs
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  const std::vector<std::string>& argv() const { return argv_; }

  // Waits for the next stdout line that starts with `prefix` (earlier non-matching lines are
  // consumed) and returns it without the newline. Unavailable when `timeout` passes first,
  // NotFound when stdout closes (the child exited) first.
  common::Result<std::string> WaitForLine(std::string_view prefix,
                                          std::chrono::milliseconds timeout);
  // WaitForLine("listening on ") and returns the URL after the prefix ("http://host:port").
  common::Result<std::string> WaitForListening(std::chrono::milliseconds timeout);

  // Everything the child wrote to stdout so far (all lines, even consumed ones), '\n'-joined.
  std::string StdoutSoFar() const;
  // Blocks until stdout reaches EOF or `timeout` passes; true at EOF.
  bool WaitForStdoutClosed(std::chrono::milliseconds timeout);

  // True while the child has not been reaped and has not exited.
  bool Running();
  // Waits for the child to exit; Unavailable if it still runs after `timeout`.
  common::Result<ExitStatus> Wait(std::chrono::milliseconds timeout);
  // SIGTERM, then Wait(timeout); SIGKILL if it is still running then. Returns how it ended
  // (after a SIGKILL fallback that is "signal 9", which callers treat as a failure).
  common::Result<ExitStatus> Terminate(std::chrono::milliseconds timeout);
  // SIGKILL and reap. Returns how it ended.
  common::Result<ExitStatus> Kill();

  // The last `max_bytes` of the stderr log (for failure messages).
  std::string LogTail(size_t max_bytes = 4000) const;

 private:
  Process() = default;
  void ReadStdout(common::UniqueFd fd, std::string stdout_log_path);
  // Reaps without blocking (or blocking when `block`); fills exit_ once reaped.
  bool Reap(bool block);

  pid_t pid_ = -1;
  std::vector<std::string> argv_;
  std::string log_path_;
  common::UniqueFd pidfd_;          // for poll()ing the exit; may be invalid (fallback)
  std::optional<ExitStatus> exit_;  // set once reaped

  mutable common::Mutex mutex_;
  common::CondVar cv_;
  std::vector<std::string> lines_ TESSERA_GUARDED_BY(mutex_);  // every stdout line so far
  size_t next_line_ TESSERA_GUARDED_BY(mutex_) = 0;  // first line WaitForLine has not seen
  bool stdout_closed_ TESSERA_GUARDED_BY(mutex_) = false;
  std::thread reader_;  // reads stdout until EOF; joined in the destructor
};

// Runs `argv` to completion (stdout captured, stderr to `log_path`) and returns the exit
// status and stdout. Kills the child and returns Unavailable after `timeout`. `stdin_bytes` as
// for Process::Spawn.
struct RunResult {
  ExitStatus status;
  std::string stdout_text;
};
common::Result<RunResult> RunToCompletion(
    const std::vector<std::string>& argv, const std::string& log_path,
    std::chrono::milliseconds timeout,
    const std::optional<std::string>& stdin_bytes = std::nullopt);

// The last `max_bytes` of a file ("" if unreadable).
std::string FileTail(const std::string& path, size_t max_bytes);

// The peak resident size (VmHWM of /proc/PID/status) of a live process, in bytes; 0 if it
// cannot be read.
uint64_t PeakRssBytes(pid_t pid);

}  // namespace tessera::integration
