#include "tests/integration/cluster.h"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>

namespace tessera::integration {
namespace {

using common::Result;
using common::Status;
using Clock = std::chrono::steady_clock;

Status MakeDirs(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return common::IOError("mkdir " + path, ec.message());
  return Status::Ok();
}

bool IsExecutable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

Result<uint16_t> PortOf(const std::string& url) {
  const size_t colon = url.rfind(':');
  if (colon == std::string::npos) return common::InvalidArgument("no port in " + url);
  const int port = std::atoi(url.c_str() + colon + 1);
  if (port <= 0 || port > 65535) return common::InvalidArgument("bad port in " + url);
  return static_cast<uint16_t>(port);
}

Status ExpectCleanExit(const Result<ExitStatus>& st, const std::string& what,
                       const std::string& log_path) {
  if (!st.ok()) return st.status();
  if (st->Success()) return Status::Ok();
  return common::Unavailable(what + " did not stop cleanly on SIGTERM (" + st->ToString() +
                             "); log tail:\n" + FileTail(log_path, 2000));
}

// Reads an unsigned count from `obj[key]`, tolerating any JSON number type.
Result<uint64_t> Count(const boost::json::object& obj, std::string_view key) {
  const boost::json::value* v = obj.if_contains(key);
  if (v == nullptr)
    return common::InvalidArgument(std::string("status: no \"") + std::string(key) + "\"");
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<uint64_t>(v->get_int64());
  if (v->is_double() && v->get_double() >= 0) return static_cast<uint64_t>(v->get_double());
  return common::InvalidArgument(std::string("status: \"") + std::string(key) +
                                 "\" is not a count");
}

Result<bool> Bool(const boost::json::object& obj, std::string_view key) {
  const boost::json::value* v = obj.if_contains(key);
  if (v == nullptr || !v->is_bool()) {
    return common::InvalidArgument(std::string("status: \"") + std::string(key) +
                                   "\" missing or not a bool");
  }
  return v->get_bool();
}

}  // namespace

std::string DefaultBinDir() {
  if (const char* env = std::getenv("TESSERA_BIN_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
#ifdef TESSERA_BIN_DIR
  return TESSERA_BIN_DIR;
#else
  return "build/bin";
#endif
}

Result<std::unique_ptr<Process>> SpawnDaemon(const DaemonConfig& c) {
  const std::string program = c.bin_dir + "/tessera";
  if (!IsExecutable(program)) return common::NotFound("no daemon program at " + program);
  std::vector<std::string> argv = {program,
                                   "daemon",
                                   "--root",
                                   c.root,
                                   "--state",
                                   c.state,
                                   "--metaserver",
                                   c.metaserver_url,
                                   "--blockserver",
                                   c.blockserver_url,
                                   "--device",
                                   c.device,
                                   "--rescan-interval",
                                   std::to_string(c.rescan_interval_seconds)};
  if (!c.namespace_name.empty()) {
    argv.push_back("--namespace");
    argv.push_back(c.namespace_name);
  }
  argv.insert(argv.end(), c.extra_args.begin(), c.extra_args.end());
  return Process::Spawn(argv, c.log_path);
}

Result<DaemonStatus> QueryStatus(const std::string& bin_dir, const std::string& state,
                                 const std::string& log_path) {
  const std::string program = bin_dir + "/tessera";
  auto run = RunToCompletion({program, "status", "--state", state, "--json"}, log_path,
                             std::chrono::seconds(10));
  if (!run.ok()) return run.status();
  if (!run->status.Success()) {
    return common::Unavailable("tessera status: " + run->status.ToString() + ", stdout: " +
                               run->stdout_text + ", stderr tail: " + FileTail(log_path, 1000));
  }
  DaemonStatus out;
  out.raw = run->stdout_text;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(run->stdout_text, ec);
  if (ec || !v.is_object()) {
    return common::InvalidArgument("tessera status --json printed no JSON object: " + out.raw);
  }
  const boost::json::object& o = v.get_object();
  TESSERA_ASSIGN_OR_RETURN(out.running, Bool(o, "running"));
  TESSERA_ASSIGN_OR_RETURN(out.connected, Bool(o, "connected"));
  TESSERA_ASSIGN_OR_RETURN(out.cursor, Count(o, "cursor"));
  TESSERA_ASSIGN_OR_RETURN(out.upload_pending_files, Count(o, "upload_pending_files"));
  TESSERA_ASSIGN_OR_RETURN(out.upload_pending_bytes, Count(o, "upload_pending_bytes"));
  TESSERA_ASSIGN_OR_RETURN(out.download_pending_files, Count(o, "download_pending_files"));
  TESSERA_ASSIGN_OR_RETURN(out.download_pending_bytes, Count(o, "download_pending_bytes"));
  TESSERA_ASSIGN_OR_RETURN(out.conflicts, Count(o, "conflicts"));
  TESSERA_ASSIGN_OR_RETURN(out.errors, Count(o, "errors"));
  TESSERA_ASSIGN_OR_RETURN(out.failing, Count(o, "failing"));
  const boost::json::value* err = o.if_contains("last_error");
  if (err == nullptr) return common::InvalidArgument("status: no \"last_error\"");
  if (err->is_string()) {
    out.last_error = std::string(err->get_string());
  } else if (!err->is_null()) {
    out.last_error = boost::json::serialize(*err);
  }
  if (const auto* paused = o.if_contains("paused"); paused && paused->is_string()) {
    out.paused = std::string(paused->get_string());
  }
  if (o.contains("held_deletes_outgoing")) {
    TESSERA_ASSIGN_OR_RETURN(out.held_deletes_outgoing, Count(o, "held_deletes_outgoing"));
    TESSERA_ASSIGN_OR_RETURN(out.held_deletes_incoming, Count(o, "held_deletes_incoming"));
  }
  return out;
}

Cluster::Cluster(std::string dir, ClusterOptions options)
    : dir_(std::move(dir)), options_(std::move(options)) {}

Result<std::unique_ptr<Cluster>> Cluster::Start(const std::string& dir, ClusterOptions options) {
  for (const char* program : {"tessera", "tessera-metaserver", "tessera-blockserver"}) {
    const std::string path = options.bin_dir + "/" + program;
    if (!IsExecutable(path)) {
      return common::NotFound("program not built: " + path + " (set TESSERA_BIN_DIR?)");
    }
  }
  auto c = std::unique_ptr<Cluster>(new Cluster(dir, options));
  TESSERA_RETURN_IF_ERROR(MakeDirs(dir + "/logs"));
  TESSERA_RETURN_IF_ERROR(MakeDirs(dir + "/data/blocks"));
  TESSERA_RETURN_IF_ERROR(MakeDirs(dir + "/data/meta"));
  c->block_log_ = dir + "/logs/blockserver.log";
  c->meta_log_ = dir + "/logs/metaserver.log";
  TESSERA_RETURN_IF_ERROR(c->StartServers());
  for (int i = 0; i < options.daemons; ++i) {
    Daemon d;
    const char letter = static_cast<char>('a' + i);
    d.device = std::string("dev-") + letter;
    d.root = dir + "/" + letter + "/root";
    d.state = dir + "/" + letter + "/state";
    d.log_path = dir + "/logs/daemon-" + letter + ".log";
    TESSERA_RETURN_IF_ERROR(MakeDirs(d.root));
    TESSERA_RETURN_IF_ERROR(MakeDirs(d.state));
    c->daemons_.push_back(std::move(d));
  }
  for (size_t i = 0; i < c->daemons_.size(); ++i) TESSERA_RETURN_IF_ERROR(c->StartDaemon(i));
  return c;
}

Cluster::~Cluster() {
  for (Daemon& d : daemons_) {
    if (d.process) (void)d.process->Terminate(options_.stop_timeout);
  }
  if (metaserver_) (void)metaserver_->Terminate(options_.stop_timeout);
  if (blockserver_) (void)blockserver_->Terminate(options_.stop_timeout);
}

Result<std::unique_ptr<Process>> Cluster::StartServer(const std::string& program,
                                                      const std::vector<std::string>& args,
                                                      const std::string& log_path, uint16_t port,
                                                      std::string* url) {
  std::vector<std::string> argv = {options_.bin_dir + "/" + program, "--listen",
                                   "127.0.0.1:" + std::to_string(port)};
  argv.insert(argv.end(), args.begin(), args.end());
  // A restart on a fixed port may find it briefly taken (the old listener's last
  // connections); retry until the deadline, as a supervisor would.
  const auto deadline = Clock::now() + options_.start_timeout;
  Status last;
  for (;;) {
    auto p = Process::Spawn(argv, log_path);
    if (!p.ok()) return p.status();
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto listening = (*p)->WaitForListening(std::max(left, std::chrono::milliseconds(1)));
    if (listening.ok()) {
      *url = *listening;
      return std::move(*p);
    }
    last = listening.status();
    (void)(*p)->Kill();
    if (port == 0 || Clock::now() >= deadline ||
        listening.status().code() != common::Code::kNotFound) {
      break;
    }
    ::poll(nullptr, 0, 100);
  }
  return common::Unavailable(program + " did not start: " + last.ToString() + "; log tail:\n" +
                             FileTail(log_path, 2000));
}

Status Cluster::StartBlockserver() {
  if (blockserver_) return common::InvalidArgument("blockserver already running");
  TESSERA_ASSIGN_OR_RETURN(blockserver_,
                           StartServer("tessera-blockserver", {"--data", dir_ + "/data/blocks"},
                                       block_log_, block_port_, &blockserver_url_));
  TESSERA_ASSIGN_OR_RETURN(block_port_, PortOf(blockserver_url_));
  return Status::Ok();
}

Status Cluster::StartMetaserver() {
  if (metaserver_) return common::InvalidArgument("metaserver already running");
  if (blockserver_url_.empty()) return common::InvalidArgument("start the blockserver first");
  TESSERA_ASSIGN_OR_RETURN(
      metaserver_, StartServer("tessera-metaserver",
                               {"--data", dir_ + "/data/meta", "--blockserver", blockserver_url_},
                               meta_log_, meta_port_, &metaserver_url_));
  TESSERA_ASSIGN_OR_RETURN(meta_port_, PortOf(metaserver_url_));
  return Status::Ok();
}

Status Cluster::StopBlockserver() {
  if (!blockserver_) return Status::Ok();
  auto st = blockserver_->Terminate(options_.stop_timeout);
  blockserver_.reset();
  return ExpectCleanExit(st, "tessera-blockserver", block_log_);
}

Status Cluster::StopMetaserver() {
  if (!metaserver_) return Status::Ok();
  auto st = metaserver_->Terminate(options_.stop_timeout);
  metaserver_.reset();
  return ExpectCleanExit(st, "tessera-metaserver", meta_log_);
}

Status Cluster::StartServers() {
  TESSERA_RETURN_IF_ERROR(StartBlockserver());
  return StartMetaserver();
}

Status Cluster::StopServers() {
  const Status meta = StopMetaserver();
  const Status block = StopBlockserver();
  TESSERA_RETURN_IF_ERROR(meta);
  return block;
}

Status Cluster::StartDaemon(size_t i) {
  Daemon& d = daemons_.at(i);
  if (d.process) return common::InvalidArgument(d.device + " already running");
  DaemonConfig config;
  config.bin_dir = options_.bin_dir;
  config.root = d.root;
  config.state = d.state;
  config.metaserver_url = metaserver_url_;
  config.blockserver_url = blockserver_url_;
  config.device = d.device;
  config.namespace_name = options_.namespace_name;
  config.rescan_interval_seconds = options_.rescan_interval_seconds;
  config.extra_args = options_.daemon_args;
  config.log_path = d.log_path;
  TESSERA_ASSIGN_OR_RETURN(d.process, SpawnDaemon(config));
  return Status::Ok();
}

Status Cluster::StopDaemon(size_t i) {
  Daemon& d = daemons_.at(i);
  if (!d.process) return Status::Ok();
  auto st = d.process->Terminate(options_.stop_timeout);
  d.process.reset();
  return ExpectCleanExit(st, "daemon " + d.device, d.log_path);
}

Status Cluster::KillDaemon(size_t i) {
  Daemon& d = daemons_.at(i);
  if (!d.process) return Status::Ok();
  auto st = d.process->Kill();
  d.process.reset();
  return st.ok() ? Status::Ok() : st.status();
}

Status Cluster::RestartDaemon(size_t i) {
  TESSERA_RETURN_IF_ERROR(StopDaemon(i));
  return StartDaemon(i);
}

Result<DaemonStatus> Cluster::StatusOf(size_t i) const {
  const Daemon& d = daemons_.at(i);
  return QueryStatus(options_.bin_dir, d.state, dir_ + "/logs/status-" + d.device + ".log");
}

std::string Cluster::LogTails(size_t bytes_per_log) const {
  std::string out;
  auto add = [&](const std::string& name, const std::string& path) {
    out += "----- " + name + " (" + path + ") -----\n" + FileTail(path, bytes_per_log);
    if (!out.empty() && out.back() != '\n') out += '\n';
  };
  add("blockserver", block_log_);
  add("metaserver", meta_log_);
  for (const Daemon& d : daemons_) add("daemon " + d.device, d.log_path);
  return out;
}

std::ostream& operator<<(std::ostream& os, const Cluster& cluster) {
  return os << "\n" << cluster.LogTails();
}

}  // namespace tessera::integration
