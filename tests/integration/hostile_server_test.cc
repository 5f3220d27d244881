// End-to-end against hostile servers: in-process fakes built on common::http::HttpServer that
// send what a compromised or buggy server could. The daemon is the real program.
// - a metaserver whose journal lists paths that leave the root ("../escape", "/abs", ...);
// - a blockserver proxy that flips a byte of every block it returns from retrieve_batch.
#include <dirent.h>
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdio>
#include <memory>
#include <set>

#include "common/http/client.h"
#include "common/http/server.h"
#include "common/log.h"
#include "common/wire/block_messages.h"
#include "common/wire/journal_messages.h"
#include "tests/integration/e2e_helpers.h"

namespace tessera::integration {
namespace {

namespace http = common::http;
namespace json = boost::json;

// A Logger writing to a file in the test's directory; the file closes after the Logger.
class FileLogger {
 public:
  explicit FileLogger(const std::string& path)
      : file_(std::fopen(path.c_str(), "a"), &std::fclose),
        log_(common::LogLevel::kInfo, file_ ? file_.get() : stderr) {}
  common::Logger& get() { return log_; }

 private:
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
  common::Logger log_;
};

std::unique_ptr<http::HttpServer> StartFake(const http::Router& router, common::Logger& log) {
  http::ServerOptions options;
  options.listen = "127.0.0.1:0";
  auto server = http::HttpServer::Start(options, router, log);
  REQUIRE_MESSAGE(server.ok(), server.status().ToString());
  return std::move(*server);
}

http::Response Json(const json::value& v) {
  http::Response r;
  r.body = json::serialize(v);
  return r;
}

json::object EmptyFileEntry(uint64_t jid, std::string_view path) {
  return json::object{{"jid", jid},
                      {"device", "evil"},
                      {"meta", json::object{{"path", path},
                                            {"kind", "file"},
                                            {"size", 0},
                                            {"mtime_ns", 1'700'000'000'000'000'000},
                                            {"mode", 420},
                                            {"blocks", json::array{}}}}};
}

json::object DirEntry(uint64_t jid, std::string_view path) {
  return json::object{
      {"jid", jid},
      {"device", "evil"},
      {"meta",
       json::object{{"path", path}, {"kind", "dir"}, {"size", 0}, {"mtime_ns", 1}, {"mode", 493}}}};
}

json::object SymlinkEntry(uint64_t jid, std::string_view path, std::string_view target) {
  return json::object{{"jid", jid},
                      {"device", "evil"},
                      {"meta", json::object{{"path", path},
                                            {"kind", "symlink"},
                                            {"size", 0},
                                            {"mtime_ns", 1},
                                            {"mode", 511},
                                            {"target", target}}}};
}

// Names in `dir` (not recursive).
std::set<std::string> ListNames(const std::string& dir) {
  std::set<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") out.insert(name);
    }
    ::closedir(d);
  }
  return out;
}

TEST_CASE("e2e hostile: journal paths that leave the root are refused and reported") {
  testutil::TempDir dir;
  const std::string bin_dir = DefaultBinDir();
  REQUIRE_MESSAGE(::access((bin_dir + "/tessera").c_str(), X_OK) == 0,
                  "program not built: " << bin_dir << "/tessera");
  MakeDir(dir.Sub("logs"));
  MakeDir(dir.Sub("root"));
  MakeDir(dir.Sub("state"));
  FileLogger log(dir.Sub("logs/fake-metaserver.log"));

  const bool abs_existed = Exists("/abs");
  const std::string abs_in_tmp = dir.Sub("abs-target");
  constexpr uint64_t kHead = 8;
  const json::array evil_entries = {
      EmptyFileEntry(1, "../escape"), EmptyFileEntry(2, "/abs"),
      EmptyFileEntry(3, abs_in_tmp),  EmptyFileEntry(4, "sub/../../escape2"),
      DirEntry(5, "../escape-dir"),   SymlinkEntry(6, "../escape-link", "/etc/passwd"),
      EmptyFileEntry(7, ".."),        EmptyFileEntry(8, "ok.txt"),
  };
  std::atomic<int> list_calls{0};

  http::Router router;
  router.AddSync("GET", "/v1/health", [](const http::Request&) { return Json(json::object{}); });
  router.AddSync("GET", "/v1/ns/{ns}/list", [&](const http::Request& req) {
    ++list_calls;
    uint64_t cursor = 0;
    if (auto it = req.query.find("cursor"); it != req.query.end()) {
      cursor = std::strtoull(it->second.c_str(), nullptr, 10);
    }
    json::array entries;
    for (size_t i = 0; i < evil_entries.size(); ++i) {
      if (i + 1 > cursor) entries.push_back(evil_entries[i]);  // entry i has jid i + 1
    }
    return Json(json::object{{"entries", entries},
                             {"cursor", kHead},
                             {"has_more", false},
                             {"head", kHead},
                             {"epoch", "evil-epoch"}});
  });
  router.AddSync("GET", "/v1/ns/{ns}/notify", [&](const http::Request&) {
    return Json(json::object{{"head", kHead}, {"epoch", "evil-epoch"}});
  });
  router.AddSync("POST", "/v1/ns/{ns}/commit_batch", [](const http::Request& req) {
    auto decoded = common::wire::DecodeCommitBatchRequest(req.body);
    if (!decoded.ok()) return http::ErrorResponse(decoded.status());
    common::wire::CommitBatchResponse resp;
    for (const auto& item : decoded->items) {
      resp.results.push_back(common::wire::CommitResult{
          item.meta.path, common::wire::CommitOutcome::kInvalid, 0, {}, 0, "fake server"});
    }
    http::Response r;
    r.body = common::wire::Encode(resp);
    return r;
  });
  auto fake = StartFake(router, log.get());

  DaemonConfig config;
  config.bin_dir = bin_dir;
  config.root = dir.Sub("root");
  config.state = dir.Sub("state");
  config.metaserver_url = fake->url();
  config.blockserver_url = fake->url();  // nothing to transfer: every file entry is empty
  config.device = "victim";
  config.log_path = dir.Sub("logs/daemon.log");
  auto daemon = SpawnDaemon(config);
  REQUIRE_MESSAGE(daemon.ok(), daemon.status().ToString());
  INFO("daemon log tail:\n" << FileTail(config.log_path, 4000));

  std::string last_status;
  const common::Status reported = WaitUntil(
      [&] {
        auto s = QueryStatus(bin_dir, config.state, dir.Sub("logs/status.log"));
        if (!s.ok()) {
          last_status = s.status().ToString();
          return false;
        }
        last_status = s->raw;
        // The daemon's own report about the journal (naming the list or the bad path), not
        // any error at all (e.g. `tessera status` racing the daemon's start-up).
        const std::string& e = s->last_error;
        return e.find("escape") != std::string::npos || e.find("abs") != std::string::npos ||
               e.find("path") != std::string::npos || e.find("list") != std::string::npos;
      },
      kConverge, "the daemon to report the bad journal in last_error");
  CHECK_MESSAGE(reported.ok(), "status: " << last_status);
  // Let the daemon go around again (it retries the list); it still writes nothing outside.
  const int calls = list_calls.load();
  const common::Status again =
      WaitUntil([&] { return list_calls.load() > calls; }, kConverge, "another list request");
  CHECK_MESSAGE(again.ok(), again.message());
  CHECK((*daemon)->Running());

  // Nothing appeared outside the root.
  CHECK(ListNames(dir.path()) == std::set<std::string>{"logs", "root", "state"});
  CHECK_FALSE(Exists(abs_in_tmp));
  if (!abs_existed) CHECK_FALSE(Exists("/abs"));
  // Nor inside it under a mangled name that escapes later (only ok.txt may have been applied).
  const std::set<std::string> in_root = ListNames(dir.Sub("root"));
  for (const std::string& name : in_root) {
    CAPTURE(name);
    CHECK((name == "ok.txt" || name == ".tessera-folder" || name.rfind(".tessera-tmp-", 0) == 0));
  }
  CHECK_FALSE(Exists(dir.Sub("root/sub")));

  auto st = (*daemon)->Terminate(15s);
  REQUIRE(st.ok());
  CHECK_MESSAGE(st->Success(), "daemon did not exit cleanly on SIGTERM: " << st->ToString());
}

// Forwards every block request to the real blockserver; flips the first byte of every block
// in retrieve_batch answers while `corrupt` is set.
class CorruptingBlockProxy {
 public:
  CorruptingBlockProxy(std::string upstream, common::Logger& log) : upstream_(std::move(upstream)) {
    for (const char* route : {"/v1/blocks/has", "/v1/blocks/store_batch"}) {
      router_.AddSync("POST", route, [this, route](const http::Request& req) {
        return Forward("POST", route, req, /*corrupt_blocks=*/false);
      });
    }
    router_.AddSync("POST", "/v1/blocks/retrieve_batch", [this](const http::Request& req) {
      ++retrieves_;
      return Forward("POST", "/v1/blocks/retrieve_batch", req, corrupt_.load());
    });
    router_.AddSync("GET", "/v1/health", [this](const http::Request& req) {
      return Forward("GET", "/v1/health", req, false);
    });
    server_ = StartFake(router_, log);
  }
  ~CorruptingBlockProxy() { server_->Stop(); }

  std::string url() const { return server_->url(); }
  void set_corrupt(bool on) { corrupt_ = on; }
  int corrupted_blocks() const { return corrupted_.load(); }
  int retrieves() const { return retrieves_.load(); }

 private:
  http::Response Forward(const char* method, const char* target, const http::Request& req,
                         bool corrupt_blocks) {
    // One client per request: HttpClient is not thread-safe and the server has two threads.
    auto client = http::HttpClient::Create(upstream_);
    if (!client.ok()) return http::ErrorResponse(client.status());
    auto content_type = req.headers.find("content-type");
    auto r = std::string_view(method) == "GET"
                 ? (*client)->Get(target)
                 : (*client)->Post(target, req.body,
                                   content_type == req.headers.end() ? "application/octet-stream"
                                                                     : content_type->second);
    if (!r.ok()) return http::ErrorResponse(common::Unavailable(r.status().ToString()));
    http::Response out;
    out.status = r->status;
    out.content_type = r->content_type;
    out.body = std::move(r->body);
    if (corrupt_blocks && out.status == 200) {
      auto batch = common::wire::DecodeBlockBatch(out.body);
      if (batch.ok()) {
        for (auto& block : batch->blocks) {
          if (block.data && !block.data->empty()) {
            (*block.data)[0] = static_cast<char>((*block.data)[0] ^ 0x01);
            ++corrupted_;
          }
        }
        out.body = common::wire::EncodeBlockBatch(*batch);
      }
    }
    return out;
  }

  const std::string upstream_;
  std::atomic<bool> corrupt_{false};
  std::atomic<int> corrupted_{0};
  std::atomic<int> retrieves_{0};
  http::Router router_;
  std::unique_ptr<http::HttpServer> server_;
};

TEST_CASE("e2e hostile: blocks corrupted by the blockserver are never written to user files") {
  testutil::TempDir dir;
  ClusterOptions options;
  options.daemons = 1;  // A, on the real blockserver; B is started below behind the proxy
  auto cluster = StartClusterOrFail(dir, options);
  FileLogger log(dir.Sub("logs/proxy.log"));
  CorruptingBlockProxy proxy(cluster->blockserver_url(), log.get());

  DaemonConfig config;
  config.bin_dir = options.bin_dir;
  config.root = dir.Sub("b-root");
  config.state = dir.Sub("b-state");
  config.metaserver_url = cluster->metaserver_url();
  config.blockserver_url = proxy.url();
  config.device = "dev-b";
  config.log_path = dir.Sub("logs/daemon-b.log");
  MakeDir(config.root);
  MakeDir(config.state);
  auto b = SpawnDaemon(config);
  REQUIRE_MESSAGE(b.ok(), b.status().ToString());
  INFO(*cluster << "----- daemon dev-b (behind the corrupting proxy) -----\n"
                << FileTail(config.log_path, 4000));

  testutil::Random rng;
  const std::string v1 = RandomBytes(rng, 300'000);
  const std::string v2 = RandomBytes(rng, 300'000);
  const std::string fresh = RandomBytes(rng, 100'000);

  // Clean transfer first, so that B has an old version to protect.
  Write(cluster->Path(0, "data.bin"), v1);
  RequireContentSoon(config.root + "/data.bin", v1);

  proxy.set_corrupt(true);
  Write(cluster->Path(0, "data.bin"), v2);
  Write(cluster->Path(0, "fresh.bin"), fresh);

  std::string last_status;
  const common::Status reported = WaitUntil(
      [&] {
        if (proxy.corrupted_blocks() == 0) return false;
        auto s = QueryStatus(config.bin_dir, config.state, dir.Sub("logs/status-b.log"));
        if (!s.ok()) return false;
        last_status = s->raw;
        const std::string& e = s->last_error;
        return e.find("block") != std::string::npos || e.find("orrupt") != std::string::npos;
      },
      kConverge, "B to fetch corrupted blocks and report an error");
  CHECK_MESSAGE(reported.ok(), reported.message()
                                   << "; corrupted blocks served: " << proxy.corrupted_blocks()
                                   << "; status: " << last_status);
  // Let B try again at least once more with corrupt data.
  const int retrieves = proxy.retrieves();
  CHECK(WaitUntil([&] { return proxy.retrieves() > retrieves; }, kConverge, "a retry").ok());

  // The old version is intact and the new file was not created from bad bytes.
  CHECK(Read(config.root + "/data.bin") == v1);
  CHECK_FALSE(Exists(config.root + "/fresh.bin"));
  const common::Status no_temp = WaitUntil([&] { return FindTempFiles(config.root).empty(); },
                                           kConverge, "B to remove temp files of failed writes");
  CHECK_MESSAGE(no_temp.ok(), no_temp.message());

  // Once the proxy behaves, B catches up.
  proxy.set_corrupt(false);
  const common::Status healed = WaitForConvergence(cluster->root(0), config.root, kConverge);
  CHECK_MESSAGE(healed.ok(), healed.message());
  auto st = (*b)->Terminate(15s);
  REQUIRE(st.ok());
  CHECK_MESSAGE(st->Success(), "daemon did not exit cleanly on SIGTERM: " << st->ToString());
}

}  // namespace
}  // namespace tessera::integration
