#include "tests/integration/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tessera::integration {
namespace {

using common::Result;
using common::Status;
using Clock = std::chrono::steady_clock;

ExitStatus FromWaitStatus(int ws) {
  ExitStatus s;
  if (WIFEXITED(ws)) {
    s.exited = true;
    s.code = WEXITSTATUS(ws);
  } else if (WIFSIGNALED(ws)) {
    s.signal = WTERMSIG(ws);
  }
  return s;
}

int MillisLeft(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1'000'000));
}

}  // namespace

std::string ExitStatus::ToString() const {
  return exited ? "exit " + std::to_string(code) : "signal " + std::to_string(signal);
}

Result<std::unique_ptr<Process>> Process::Spawn(const std::vector<std::string>& argv,
                                                const std::string& log_path,
                                                const std::optional<std::string>& stdin_bytes) {
  if (argv.empty()) return common::InvalidArgument("Spawn: empty argv");
  // Everything the child needs is prepared before fork(): after it only async-signal-safe
  // calls are allowed (the test process has other threads).
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);

  common::UniqueFd log_fd(
      ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!log_fd.valid()) return common::ErrnoStatus("open " + log_path, errno);
  common::UniqueFd null_fd;  // the child's stdin: /dev/null, or a pipe already holding the bytes
  if (stdin_bytes.has_value()) {
    // Filled and closed before fork(): the child reads the bytes then EOF, and the test never
    // writes to a pipe whose reader may be gone.
    if (stdin_bytes->size() > 65536) return common::InvalidArgument("Spawn: stdin over 64 KiB");
    int in[2];
    if (::pipe2(in, O_CLOEXEC) != 0) return common::ErrnoStatus("pipe2", errno);
    null_fd.reset(in[0]);
    common::UniqueFd in_w(in[1]);
    size_t done = 0;
    while (done < stdin_bytes->size()) {
      const ssize_t n = ::write(in_w.get(), stdin_bytes->data() + done, stdin_bytes->size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return common::ErrnoStatus("write stdin pipe", errno);
      done += static_cast<size_t>(n);
    }
  } else {
    null_fd.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!null_fd.valid()) return common::ErrnoStatus("open /dev/null", errno);
  }
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return common::ErrnoStatus("pipe2", errno);
  common::UniqueFd out_r(out[0]), out_w(out[1]);
  int err[2];  // exec failure report: the child writes errno; closes on a successful exec
  if (::pipe2(err, O_CLOEXEC) != 0) return common::ErrnoStatus("pipe2", errno);
  common::UniqueFd err_r(err[0]), err_w(err[1]);

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return common::ErrnoStatus("fork", errno);
  if (pid == 0) {
    // The child dies with the test (even a crashed or timed-out one): no leaked servers.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    // The test may have blocked termination signals (an in-process HttpServer does).
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl;
    std::memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig : {SIGTERM, SIGINT, SIGPIPE, SIGHUP}) ::sigaction(sig, &dfl, nullptr);
    if (::dup2(null_fd.get(), 0) < 0 || ::dup2(out_w.get(), 1) < 0 || ::dup2(log_fd.get(), 2) < 0) {
      const int e = errno;
      (void)!::write(err_w.get(), &e, sizeof e);
      ::_exit(127);
    }
    // Close everything else but the error pipe (CLOEXEC): no inherited sockets or files.
    const int keep = err_w.get();
    if (keep > 3) ::syscall(SYS_close_range, 3u, static_cast<unsigned>(keep - 1), 0u);
    ::syscall(SYS_close_range, static_cast<unsigned>(keep + 1), ~0u, 0u);
    ::execv(cargv[0], cargv.data());
    const int e = errno;
    (void)!::write(err_w.get(), &e, sizeof e);
    ::_exit(127);
  }

  auto p = std::unique_ptr<Process>(new Process());
  p->pid_ = pid;
  p->argv_ = argv;
  p->log_path_ = log_path;
  out_w.reset();
  err_w.reset();
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(err_r.get(), &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    (void)p->Reap(/*block=*/true);
    p->pid_ = -1;
    return common::ErrnoStatus("exec " + argv[0], child_errno);
  }
  const long pidfd = ::syscall(SYS_pidfd_open, pid, 0);
  if (pidfd >= 0) p->pidfd_.reset(static_cast<int>(pidfd));
  p->reader_ = std::thread(&Process::ReadStdout, p.get(), std::move(out_r), log_path + ".stdout");
  return p;
}

Process::~Process() {
  if (pid_ > 0 && !exit_.has_value()) {
    ::kill(pid_, SIGKILL);
    (void)Reap(/*block=*/true);
  }
  if (reader_.joinable()) reader_.join();
}

void Process::ReadStdout(common::UniqueFd fd, std::string stdout_log_path) {
  std::ofstream copy(stdout_log_path, std::ios::app);
  std::string partial;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    copy.write(buf, n);
    copy.flush();
    partial.append(buf, static_cast<size_t>(n));
    size_t nl;
    common::MutexLock lock(mutex_);
    while ((nl = partial.find('\n')) != std::string::npos) {
      lines_.push_back(partial.substr(0, nl));
      partial.erase(0, nl + 1);
    }
    cv_.NotifyAll();
  }
  common::MutexLock lock(mutex_);
  if (!partial.empty()) lines_.push_back(partial);
  stdout_closed_ = true;
  cv_.NotifyAll();
}

Result<std::string> Process::WaitForLine(std::string_view prefix,
                                         std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  common::MutexLock lock(mutex_);
  for (;;) {
    while (next_line_ < lines_.size()) {
      const std::string& line = lines_[next_line_++];
      if (line.compare(0, prefix.size(), prefix) == 0) return line;
    }
    if (stdout_closed_) {
      return common::NotFound(argv_[0] + " closed stdout without printing \"" +
                              std::string(prefix) + "...\"");
    }
    if (!cv_.WaitUntil(mutex_, deadline) && next_line_ == lines_.size()) {
      return common::Unavailable(argv_[0] + " printed no \"" + std::string(prefix) +
                                 "...\" line in time");
    }
  }
}

Result<std::string> Process::WaitForListening(std::chrono::milliseconds timeout) {
  static constexpr std::string_view kPrefix = "listening on ";
  auto line = WaitForLine(kPrefix, timeout);
  if (!line.ok()) return line.status();
  std::string url = line->substr(kPrefix.size());
  while (!url.empty() && (url.back() == '\r' || url.back() == ' ')) url.pop_back();
  if (url.rfind("http://", 0) != 0) {
    return common::InvalidArgument("not an http URL in \"" + *line + "\"");
  }
  return url;
}

std::string Process::StdoutSoFar() const {
  common::MutexLock lock(mutex_);
  std::string out;
  for (const std::string& l : lines_) {
    out += l;
    out += '\n';
  }
  return out;
}

bool Process::WaitForStdoutClosed(std::chrono::milliseconds timeout) {
  common::MutexLock lock(mutex_);
  return cv_.WaitFor(mutex_, timeout, [this]() TESSERA_REQUIRES(mutex_) { return stdout_closed_; });
}

bool Process::Reap(bool block) {
  if (exit_.has_value()) return true;
  if (pid_ <= 0) return true;
  int ws = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &ws, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    exit_ = FromWaitStatus(ws);
    return true;
  }
  if (r < 0) {  // ECHILD: nothing left to reap; treat as gone
    exit_ = ExitStatus{};
    return true;
  }
  return false;
}

bool Process::Running() { return !Reap(/*block=*/false); }

Result<ExitStatus> Process::Wait(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (Reap(/*block=*/false)) return *exit_;
    const int left = MillisLeft(deadline);
    if (left == 0) return common::Unavailable(argv_[0] + " still running");
    if (pidfd_.valid()) {
      pollfd pfd{pidfd_.get(), POLLIN, 0};
      ::poll(&pfd, 1, left);
    } else {
      // No pidfd (old kernel): poll the child every few milliseconds until the deadline.
      ::poll(nullptr, 0, std::min(left, 10));
    }
  }
}

Result<ExitStatus> Process::Terminate(std::chrono::milliseconds timeout) {
  if (!Reap(/*block=*/false)) ::kill(pid_, SIGTERM);
  auto st = Wait(timeout);
  if (st.ok()) return st;
  return Kill();
}

Result<ExitStatus> Process::Kill() {
  if (!Reap(/*block=*/false)) ::kill(pid_, SIGKILL);
  (void)Reap(/*block=*/true);
  return *exit_;
}

std::string Process::LogTail(size_t max_bytes) const { return FileTail(log_path_, max_bytes); }

std::string FileTail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff start = size > static_cast<std::streamoff>(max_bytes)
                                   ? size - static_cast<std::streamoff>(max_bytes)
                                   : 0;
  in.seekg(start);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<RunResult> RunToCompletion(const std::vector<std::string>& argv, const std::string& log_path,
                                  std::chrono::milliseconds timeout,
                                  const std::optional<std::string>& stdin_bytes) {
  auto p = Process::Spawn(argv, log_path, stdin_bytes);
  if (!p.ok()) return p.status();
  auto st = (*p)->Wait(timeout);
  if (!st.ok()) {
    (void)(*p)->Kill();
    return common::Unavailable(argv[0] + " did not finish in time");
  }
  (*p)->WaitForStdoutClosed(timeout);
  return RunResult{*st, (*p)->StdoutSoFar()};
}

uint64_t PeakRssBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

}  // namespace tessera::integration
