// tests/integration/cluster.h
//
// Cluster: a real Tessera deployment for end-to-end tests, made of child processes: one
// tessera-blockserver, one tessera-metaserver pointing at it (both on 127.0.0.1, port 0 the
// first time and the SAME port when restarted, so daemons can reconnect), and N `tessera
// daemon`s, each with its own root, state directory and device name ("dev-a", "dev-b", ...).
// Everything lives under a directory the caller owns (a TempDir): data/, logs/, and one
// folder per daemon. The free functions start one daemon or query `tessera status` against
// any URLs (the hostile-server tests use them with in-process fake servers).
// Ownership: the Cluster owns its processes; its destructor stops daemons then servers
// (SIGTERM, SIGKILL after a deadline). `dir` must outlive the Cluster. Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "common/result.h"
#include "tests/integration/process.h"

namespace tessera::integration {

// Where the programs are: $TESSERA_BIN_DIR if set, else the build's bin/ directory.
std::string DefaultBinDir();

struct DaemonConfig {
  std::string bin_dir;
  std::string root;
  std::string state;
  std::string metaserver_url;
  std::string blockserver_url;
  std::string device;
  std::string namespace_name;  // "" -> not passed (the daemon's default)
  int rescan_interval_seconds = 2;
  std::string log_path;                 // stderr of the daemon
  std::vector<std::string> extra_args;  // appended to the command line
};

// Starts `tessera daemon ...` in the foreground (it runs until SIGTERM).
common::Result<std::unique_ptr<Process>> SpawnDaemon(const DaemonConfig& config);

// What `tessera status --state DIR --json` reports.
struct DaemonStatus {
  bool running = false;
  bool connected = false;
  uint64_t cursor = 0;
  uint64_t upload_pending_files = 0;
  uint64_t upload_pending_bytes = 0;
  uint64_t download_pending_files = 0;
  uint64_t download_pending_bytes = 0;
  uint64_t conflicts = 0;
  uint64_t errors = 0;  // refused + skipped + failing
  uint64_t failing = 0;
  std::string last_error;  // "" when null or absent
  std::string paused;      // "" when absent
  uint64_t held_deletes_outgoing = 0;
  uint64_t held_deletes_incoming = 0;
  std::string raw;  // the JSON as printed
};
// Runs `tessera status --state <state> --json`. InvalidArgument if the output is not one JSON
// object with the documented keys; the exit status must be 0.
common::Result<DaemonStatus> QueryStatus(const std::string& bin_dir, const std::string& state,
                                         const std::string& log_path);

struct ClusterOptions {
  std::string bin_dir = DefaultBinDir();
  int daemons = 2;
  std::string namespace_name;  // "" -> the daemons' default namespace
  int rescan_interval_seconds = 2;
  std::vector<std::string> daemon_args;  // every daemon's DaemonConfig::extra_args
  std::chrono::milliseconds start_timeout{20'000};
  std::chrono::milliseconds stop_timeout{15'000};
};

class Cluster {
 public:
  struct Daemon {
    std::string device;  // "dev-a", ...
    std::string root;
    std::string state;
    std::string log_path;
    std::unique_ptr<Process> process;  // null while stopped
  };

  // Starts the servers and every daemon. NotFound when a program is missing from bin_dir.
  static common::Result<std::unique_ptr<Cluster>> Start(const std::string& dir,
                                                        ClusterOptions options = {});
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  const std::string& metaserver_url() const { return metaserver_url_; }
  const std::string& blockserver_url() const { return blockserver_url_; }
  const ClusterOptions& options() const { return options_; }

  // Servers. Start* reuses the port of the previous run (retrying while it is still taken);
  // Stop* sends SIGTERM and fails unless the program exits 0 in time.
  common::Status StartBlockserver();
  common::Status StartMetaserver();
  common::Status StopBlockserver();
  common::Status StopMetaserver();
  common::Status StartServers();  // blockserver, then metaserver
  // The servers' process ids (for /proc/PID/status); 0 while one is stopped.
  pid_t blockserver_pid() const { return blockserver_ ? blockserver_->pid() : 0; }
  pid_t metaserver_pid() const { return metaserver_ ? metaserver_->pid() : 0; }
  common::Status StopServers();  // metaserver, then blockserver

  // Daemons, by index (0 = "dev-a").
  size_t daemon_count() const { return daemons_.size(); }
  const Daemon& daemon(size_t i) const { return daemons_.at(i); }
  const std::string& root(size_t i) const { return daemons_.at(i).root; }
  std::string Path(size_t i, const std::string& rel) const { return root(i) + "/" + rel; }
  common::Status StartDaemon(size_t i);
  common::Status StopDaemon(size_t i);  // SIGTERM; fails unless it exits 0 in time
  common::Status KillDaemon(size_t i);  // SIGKILL
  common::Status RestartDaemon(size_t i);
  common::Result<DaemonStatus> StatusOf(size_t i) const;

  // The tail of every log (servers and daemons), for failure messages.
  std::string LogTails(size_t bytes_per_log = 3000) const;

 private:
  Cluster(std::string dir, ClusterOptions options);
  common::Result<std::unique_ptr<Process>> StartServer(const std::string& program,
                                                       const std::vector<std::string>& args,
                                                       const std::string& log_path, uint16_t port,
                                                       std::string* url);

  std::string dir_;
  ClusterOptions options_;
  std::string block_log_, meta_log_;
  uint16_t block_port_ = 0, meta_port_ = 0;
  std::string blockserver_url_, metaserver_url_;
  std::unique_ptr<Process> blockserver_, metaserver_;
  std::vector<Daemon> daemons_;
};

// Streams LogTails(): `INFO(*cluster)` prints every log tail when an assertion fails.
std::ostream& operator<<(std::ostream& os, const Cluster& cluster);

}  // namespace tessera::integration
