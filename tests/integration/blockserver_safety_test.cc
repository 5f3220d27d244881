// The blockserver's data, with the real program: a data directory deleted under a running
// server refuses writes (503) instead of acknowledging them; a FORMAT marker whose store is
// gone is refused at start unless --allow-empty; a flipped byte in the write-ahead log stops
// the start with a message naming `tessera-blockserver repair --data DIR`, which makes it start
// again with every block stored before the damage.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/block_id.h"
#include "common/http/client.h"
#include "common/wire/block_messages.h"
#include "tests/integration/cluster.h"
#include "tests/integration/process.h"
#include "tests/testutil/file_damage.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::integration {
namespace {

using namespace std::chrono_literals;
using common::BlockId;
namespace wire = common::wire;

constexpr char kBlockBatchType[] = "application/x-tessera-blocks";

std::unique_ptr<Process> StartBlockserver(const std::string& data, const std::string& log,
                                          std::string* url,
                                          const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {DefaultBinDir() + "/tessera-blockserver", "--listen",
                                   "127.0.0.1:0", "--data", data};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto p = Process::Spawn(argv, log);
  REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  auto listening = (*p)->WaitForListening(20s);
  REQUIRE_MESSAGE(listening.ok(), listening.status().ToString() << "\n" << (*p)->LogTail());
  *url = *listening;
  return std::move(*p);
}

// Runs the blockserver to its end (it should refuse to start); returns its exit status and log.
std::pair<ExitStatus, std::string> StartRefused(const std::string& data, const std::string& log,
                                                const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {DefaultBinDir() + "/tessera-blockserver", "--listen",
                                   "127.0.0.1:0", "--data", data};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto p = Process::Spawn(argv, log);
  REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  auto st = (*p)->Wait(30s);
  REQUIRE_MESSAGE(st.ok(), "it did not refuse: " << st.status().ToString());
  return {*st, (*p)->LogTail()};
}

int Store(common::http::HttpClient& client, const std::string& block) {
  wire::BlockBatch batch;
  batch.blocks.push_back({BlockId::Of(block), block});
  auto r = client.Post("/v1/blocks/store_batch", wire::EncodeBlockBatch(batch), kBlockBatchType);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return r->status;
}

std::vector<BlockId> Missing(common::http::HttpClient& client, const std::vector<BlockId>& ids) {
  auto r = client.Post("/v1/blocks/has", wire::EncodeIdList({ids}, "ids"), "application/json");
  REQUIRE(r.ok());
  REQUIRE(r->status == 200);
  auto missing = wire::DecodeIdList(r->body, "missing");
  REQUIRE(missing.ok());
  return missing->ids;
}

std::unique_ptr<common::http::HttpClient> Client(const std::string& url) {
  auto c = common::http::HttpClient::Create(url);
  REQUIRE(c.ok());
  return std::move(*c);
}

TEST_CASE("blockserver safety: a data dir deleted under the server refuses writes") {
  testutil::TempDir dir;
  const std::string data = dir.Sub("blocks");
  std::string url;
  auto server = StartBlockserver(data, dir.Sub("server.log"), &url);
  auto client = Client(url);
  CHECK(Store(*client, "before") == 200);
  std::filesystem::remove_all(data);
  CHECK(Store(*client, "after the delete") == 503);
  CHECK(Store(*client, "and again") == 503);
  CHECK(server->LogTail().find("refusing writes") != std::string::npos);
  (void)server->Terminate(15s);

  // What a restart finds when the files are gone but the marker is not (or a disk under the
  // directory is missing): it refuses to start empty, unless told to.
  std::filesystem::create_directories(data);
  { std::ofstream(data + "/FORMAT") << "tessera-engine-block-store 1\n"; }
  // (Not a structured binding: clang 14 cannot capture one in CHECK_MESSAGE's lambda.)
  const auto refused = StartRefused(data, dir.Sub("refused.log"));
  const auto& st = refused.first;
  const std::string& err = refused.second;
  CHECK(st.exited);
  CHECK(st.code == 1);
  CHECK_MESSAGE(err.find("--allow-empty") != std::string::npos, err);
  auto again = StartBlockserver(data, dir.Sub("allowed.log"), &url, {"--allow-empty"});
  CHECK(Store(*Client(url), "a new start") == 200);
}

TEST_CASE("blockserver safety: repair makes a server with a damaged log start again") {
  testutil::TempDir dir;
  const std::string data = dir.Sub("blocks");
  constexpr int kBlocks = 20;
  std::vector<std::string> blocks;
  std::vector<BlockId> ids;
  for (int i = 0; i < kBlocks; ++i) {
    blocks.push_back("block number " + std::to_string(100 + i) + std::string(80, 'x'));
    ids.push_back(BlockId::Of(blocks.back()));
  }
  {
    std::string url;
    auto server = StartBlockserver(data, dir.Sub("first.log"), &url);
    auto client = Client(url);
    for (const std::string& b : blocks) REQUIRE(Store(*client, b) == 200);  // a record each
    (void)server->Kill();  // the log is never flushed to an SST
  }
  // The newest log holds the 20 records, all of one size: flip a byte inside the 11th.
  std::string newest;
  for (const auto& f : std::filesystem::directory_iterator(data)) {
    if (f.path().extension() == ".log") newest = std::max(newest, f.path().string());
  }
  REQUIRE(!newest.empty());
  const uint64_t size = std::filesystem::file_size(newest);
  constexpr uint64_t kHeader = 24;
  REQUIRE((size - kHeader) % kBlocks == 0);
  const uint64_t record = (size - kHeader) / kBlocks;
  testutil::CorruptBytes(newest, kHeader + record * 10 + record / 2);

  // (Not a structured binding: clang 14 cannot capture one in CHECK_MESSAGE's lambda.)
  const auto refused = StartRefused(data, dir.Sub("refused.log"));
  const auto& st = refused.first;
  const std::string& err = refused.second;
  CHECK(st.code == 1);
  CHECK_MESSAGE(
      err.find("run `tessera-blockserver repair --data " + data + "`") != std::string::npos, err);

  auto repaired =
      RunToCompletion({DefaultBinDir() + "/tessera-blockserver", "repair", "--data", data},
                      dir.Sub("repair.log"), 60s);
  REQUIRE(repaired.ok());
  CHECK_MESSAGE(repaired->status.Success(), repaired->stdout_text);
  CHECK_MESSAGE(repaired->stdout_text.find("kept the 10 records before it") != std::string::npos,
                repaired->stdout_text);

  std::string url;
  auto server = StartBlockserver(data, dir.Sub("after.log"), &url);
  auto client = Client(url);
  CHECK(Missing(*client, ids) == std::vector<BlockId>(ids.begin() + 10, ids.end()));
  CHECK(Store(*client, blocks[15]) == 200);  // a desktop that has a lost block stores it again
}

}  // namespace
}  // namespace tessera::integration
