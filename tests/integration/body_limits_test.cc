// End-to-end request body bounds of both servers, started as real processes: a zstd body of a
// few KiB that inflates to a 64 MiB JSON array of tiny values (once parsed whole before its
// item check: 1.7 GiB resident a request) is refused with 413, alone and four at once, and
// the server's peak RSS (VmHWM) stays far below what inflating or parsing it would take. Not
// timed: the bound is on memory only.
#include <doctest/doctest.h>

#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "common/http/client.h"
#include "tests/integration/e2e_helpers.h"

namespace tessera::integration {
namespace {

constexpr uint64_t kPeakBound = 200ull << 20;

// `{"<key>":[0,0,...,0]}` (with `prefix` fields before it) of about `bytes` bytes.
std::string TinyArray(const std::string& prefix, const std::string& key, uint64_t bytes) {
  std::string out = "{" + prefix + "\"" + key + "\":[";
  out.reserve(bytes + 16);
  while (out.size() < bytes) out += "0,";
  return out + "0]}";
}

// POSTs `body` (the client sends it zstd-compressed) and returns the status, 0 if no answer.
int Post(const std::string& url, const std::string& target, const std::string& body) {
  auto client = common::http::HttpClient::Create(url);
  REQUIRE(client.ok());
  auto response = (*client)->Post(target, body, "application/json");
  if (!response.ok()) {
    MESSAGE(target << ": " << response.status().ToString());
    return 0;
  }
  if (response->status != 413) MESSAGE(target << ": " << response->status << " " << response->body);
  return response->status;
}

void CheckPeak(pid_t pid, const std::string& what) {
  const uint64_t peak = PeakRssBytes(pid);
  MESSAGE(what << " peak RSS " << peak / (1 << 20) << " MiB");
  REQUIRE(peak > 0);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  MESSAGE("sanitizer build: the peak RSS bound is not checked here");
#else
  CHECK(peak < kPeakBound);
#endif
}

TEST_CASE("e2e bodies: zstd bombs of JSON are refused with 413 and bounded memory") {
  testutil::TempDir dir;
  ClusterOptions options;
  options.daemons = 0;
  auto cluster = StartClusterOrFail(dir, options);
  INFO(*cluster);
  const std::string meta = cluster->metaserver_url();
  const std::string block = cluster->blockserver_url();

  const std::string commit_bomb = TinyArray(R"("device":"evil",)", "items", 64ull << 20);
  const std::string ids_bomb = TinyArray("", "ids", 64ull << 20);
  // Over store_batch's limit (the server's, 64 MiB): that body is block bytes, not JSON.
  const std::string store_bomb = TinyArray("", "ids", 80ull << 20);

  CHECK(Post(meta, "/v1/ns/default/commit_batch", commit_bomb) == 413);
  CHECK(Post(block, "/v1/blocks/has", ids_bomb) == 413);
  CHECK(Post(block, "/v1/blocks/retrieve_batch", ids_bomb) == 413);
  CHECK(Post(block, "/v1/blocks/store_batch", store_bomb) == 413);

  // Just under the commit limit (16 MiB), the body inflates; parsing it stops at its bound.
  const std::string near_cap = TinyArray(R"("device":"evil",)", "items", 15ull << 20);
  CHECK(Post(meta, "/v1/ns/default/commit_batch", near_cap) == 413);
  const std::string near_ids = TinyArray("", "ids", 7ull << 20);
  CHECK(Post(block, "/v1/blocks/has", near_ids) == 413);

  // Four at once, to each server.
  std::vector<std::future<int>> at_once;
  for (int i = 0; i < 4; ++i) {
    at_once.push_back(std::async(std::launch::async, [&] {
      return Post(meta, "/v1/ns/default/commit_batch", commit_bomb);
    }));
    at_once.push_back(
        std::async(std::launch::async, [&] { return Post(block, "/v1/blocks/has", ids_bomb); }));
  }
  for (auto& f : at_once) CHECK(f.get() == 413);

  // Nothing was created, and the servers still answer.
  auto client = common::http::HttpClient::Create(meta);
  REQUIRE(client.ok());
  auto list = (*client)->Get("/v1/ns/default/list");
  REQUIRE(list.ok());
  CHECK(list->status == 200);

  CheckPeak(cluster->metaserver_pid(), "metaserver");
  CheckPeak(cluster->blockserver_pid(), "blockserver");
}

}  // namespace
}  // namespace tessera::integration
