// The tessera-metaserver program as a user runs it: a real child process (TESSERA_METASERVER_BIN
// from CMake), its one stdout line, a health check over HTTP, SIGTERM, and its exit codes.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/http/client.h"
#include "common/unique_fd.h"
#include "tests/testutil/temp_dir.h"

extern char** environ;

namespace tessera::metaserver {
namespace {

using namespace std::chrono_literals;

// A child process with stdout on a pipe; killed and reaped on destruction if still running.
class Child {
 public:
  explicit Child(std::vector<std::string> args) {
    args.insert(args.begin(), TESSERA_METASERVER_BIN);
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    out_.reset(fds[0]);
    common::UniqueFd write_end(fds[1]);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(rc == 0);
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // The first line of stdout, or nullopt at EOF or after `timeout`.
  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string line;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{out_.get(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char c;
      if (::read(out_.get(), &c, 1) != 1) return std::nullopt;
      if (c == '\n') return line;
      line.push_back(c);
    }
  }
  // Waits for the exit; the exit code, or -1 when killed by a signal or still running at
  // `timeout`.
  int Wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      // Block on the pipe's EOF (the child's exit closes it) rather than sleeping.
      pollfd p{out_.get(), POLLIN, 0};
      char buffer[256];
      if (::poll(&p, 1, 10) > 0 && ::read(out_.get(), buffer, sizeof buffer) <= 0) {
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
    }
    return -1;
  }
  void Signal(int sig) { ::kill(pid_, sig); }

 private:
  pid_t pid_ = -1;
  common::UniqueFd out_;
};

TEST_CASE("tessera-metaserver: prints its URL, serves, and exits 0 on SIGTERM or SIGINT") {
  for (int sig : {SIGTERM, SIGINT}) {
    CAPTURE(sig);
    testutil::TempDir dir;
    Child child({"--listen", "127.0.0.1:0", "--data", dir.Sub("data"), "--blockserver",
                 "http://127.0.0.1:1", "--log-level", "warn"});
    const auto line = child.ReadLine(30s);
    REQUIRE(line.has_value());
    const std::string prefix = "listening on http://127.0.0.1:";
    REQUIRE(line->rfind(prefix, 0) == 0);
    const std::string port = line->substr(prefix.size());
    CHECK(port != "0");
    auto client = common::http::HttpClient::Create("http://127.0.0.1:" + port);
    REQUIRE(client.ok());
    auto health = (*client)->Get("/v1/health");
    REQUIRE(health.ok());
    CHECK(health->status == 200);
    child.Signal(sig);
    CHECK(child.Wait(30s) == 0);
  }
}

TEST_CASE("tessera-metaserver: bad flags exit 2") {
  testutil::TempDir dir;
  const std::string data = dir.Sub("data");
  const std::vector<std::vector<std::string>> bad = {
      {"--no-such-flag"},
      {"--data", data, "--listen", "nonsense"},
      {"--data", data, "--listen", "127.0.0.1:99999"},
      {"--data", data, "--threads", "0"},
      {"--data", data, "--log-level", "loud"},
      {"--data", data, "--blockserver", "ftp://x"},
      {"--listen", "127.0.0.1:0"},  // --data is required
  };
  for (const auto& args : bad) {
    CAPTURE(args.front());
    Child child(args);
    CHECK(child.Wait(30s) == 2);
  }
}

}  // namespace
}  // namespace tessera::metaserver
