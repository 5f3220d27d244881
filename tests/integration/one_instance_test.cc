// One process per data: a second blockserver or metaserver on a running one's data directory,
// and a second daemon on a running one's state dir, are refused with a message that says what
// to do, and the first keeps serving. Real programs on real sockets.
#include <doctest/doctest.h>

#include <string>
#include <utility>

#include "tests/integration/cluster.h"
#include "tests/integration/process.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::integration {
namespace {

using namespace std::chrono_literals;

// Runs `argv` to its end; returns its exit status and its stderr.
std::pair<ExitStatus, std::string> RunToEnd(const std::vector<std::string>& argv,
                                            const std::string& log) {
  auto p = Process::Spawn(argv, log);
  REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  auto st = (*p)->Wait(30s);
  REQUIRE_MESSAGE(st.ok(), st.status().ToString());
  return {*st, (*p)->LogTail()};
}

TEST_CASE("one instance: a second server on a running one's data directory is refused") {
  testutil::TempDir dir;
  auto cluster = Cluster::Start(dir.path());
  REQUIRE_MESSAGE(cluster.ok(), cluster.status().ToString());
  const std::string bin = (*cluster)->options().bin_dir;

  auto [block, block_err] = RunToEnd({bin + "/tessera-blockserver", "--data",
                                      dir.path() + "/data/blocks", "--listen", "127.0.0.1:0"},
                                     dir.Sub("second-block.log"));
  CHECK(block.exited);
  CHECK(block.code == 1);
  CHECK(block_err.find("another tessera-blockserver already uses") != std::string::npos);
  CHECK(block_err.find("--data") != std::string::npos);

  auto [meta, meta_err] =
      RunToEnd({bin + "/tessera-metaserver", "--data", dir.path() + "/data/meta", "--listen",
                "127.0.0.1:0", "--blockserver", (*cluster)->blockserver_url()},
               dir.Sub("second-meta.log"));
  CHECK(meta.exited);
  CHECK(meta.code == 1);
  CHECK(meta_err.find("another tessera-metaserver already uses") != std::string::npos);

  // The first ones still serve, and a restart after they stop is accepted.
  REQUIRE((*cluster)->StopServers().ok());
  REQUIRE((*cluster)->StartServers().ok());
}

TEST_CASE(
    "one instance: the daemon refuses its state dir as the root, a second daemon on one "
    "folder, and a device name that is not a plain name") {
  testutil::TempDir dir;
  ClusterOptions options;
  options.daemons = 1;
  auto cluster = Cluster::Start(dir.path(), options);
  REQUIRE_MESSAGE(cluster.ok(), cluster.status().ToString());
  const Cluster& c = **cluster;
  int runs = 0;
  auto config = [&](const std::string& root, const std::string& state, const std::string& device) {
    DaemonConfig d;
    d.bin_dir = c.options().bin_dir;
    d.root = root;
    d.state = state;
    d.metaserver_url = c.metaserver_url();
    d.blockserver_url = c.blockserver_url();
    d.device = device;
    d.log_path = dir.Sub("refused-" + std::to_string(++runs) + ".log");
    return d;
  };
  auto run = [&](const DaemonConfig& d) {
    auto p = SpawnDaemon(d);
    REQUIRE_MESSAGE(p.ok(), p.status().ToString());
    auto st = (*p)->Wait(30s);
    REQUIRE_MESSAGE(st.ok(), "the daemon did not refuse: " << st.status().ToString());
    return std::make_pair(*st, (*p)->LogTail());
  };

  const std::string other = dir.Sub("other");
  {
    auto [st, err] = run(config(other, other, "dev-x"));
    CHECK(st.code == 2);
    CHECK(err.find("holds the synced folder") != std::string::npos);
  }
  {
    auto [st, err] = run(config(other + "/inner", other, "dev-x"));
    CHECK(st.code == 2);
  }
  {
    auto [st, err] = run(config(c.root(0), dir.Sub("second-state"), "dev-y"));
    CHECK(st.code == 1);
    CHECK(err.find("another tessera daemon already uses") != std::string::npos);
  }
  for (const std::string device : {"evil/../dev", "..", "tab\there", "caf\xe9"}) {
    INFO("device '" << device << "'");
    auto [st, err] = run(config(dir.Sub("r-dev"), dir.Sub("s-dev"), device));
    CHECK(st.code == 2);
    CHECK(err.find("--device") != std::string::npos);
  }
}

}  // namespace
}  // namespace tessera::integration
