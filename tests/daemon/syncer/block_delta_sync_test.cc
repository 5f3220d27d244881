// Block deltas end to end: a one-line edit of a big text file goes up and comes down as one
// rsync delta record, against real servers on loopback.
#include <doctest/doctest.h>

#include <random>

#include "common/chunker/block_list_diff.h"
#include "common/wire/block_messages.h"
#include "daemon/syncer/local_fs.h"
#include "tests/daemon/test_cluster.h"

namespace tessera::daemon::syncer {
namespace {

using testing::ReadFile;
using testing::TestPeer;
using testing::TestServers;
using testing::WriteFile;

// Source-like text of about `bytes` bytes, lines of varied words.
std::string BigText(size_t bytes, unsigned seed = 7) {
  static const char* kWords[] = {"static", "int", "return", "struct", "const", "void", "if",
                                 "else",   "for", "while",  "buffer", "len",   "ptr",  "node"};
  std::mt19937 rng(seed);  // golden text: the delta counts below were measured on it
  std::string out;
  out.reserve(bytes + 200);
  for (int line = 0; out.size() < bytes; ++line) {
    out += "\t/* " + std::to_string(line) + " */";
    const int n = 3 + static_cast<int>(rng() % 9);
    for (int i = 0; i < n; ++i) out += std::string(" ") + kWords[rng() % 14];
    out += ";\n";
  }
  return out;
}

std::string EditMiddleLine(std::string text) {
  const size_t mid = text.find('\n', text.size() / 2) + 1;
  const size_t end = text.find('\n', mid);
  text.replace(mid, end - mid, "\tchanged = compute(changed, 42); /* one line edited */");
  return text;
}

std::vector<common::wire::BlockRef> LocalBlocks(TestPeer& p, const std::string& path) {
  auto row = p.index().Get(path);
  REQUIRE(row.ok());
  REQUIRE(*row);
  REQUIRE((*row)->local);
  return (*row)->local->blocks;
}

void OneLineEdit(size_t file_bytes) {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  const std::string v1 = BigText(file_bytes);
  WriteFile(a.Abs("big.txt"), v1);
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  REQUIRE(ReadFile(b.Abs("big.txt")) == v1);
  const auto old_blocks = LocalBlocks(a, "big.txt");

  const common::client::BlockClientStats a0 = a.engine().block_stats(),
                                         b0 = b.engine().block_stats();
  const std::string v2 = EditMiddleLine(v1);
  WriteFile(a.Abs("big.txt"), v2);
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  CHECK(ReadFile(b.Abs("big.txt")) == v2);
  const common::client::BlockClientStats a1 = a.engine().block_stats(),
                                         b1 = b.engine().block_stats();

  // What the edit changed, and what it cost before deltas: the new blocks zstd-compressed in a
  // store_batch body, the same frame back in the retrieve_batch answer plus the id list.
  const auto new_blocks = LocalBlocks(a, "big.txt");
  const auto diff = common::chunker::CompareBlockLists(old_blocks, new_blocks);
  common::wire::BlockBatch whole;
  common::wire::IdList ids;
  common::PosixEnv env;
  uint64_t offset = 0;
  for (size_t n = 0, k = 0; n < new_blocks.size(); offset += new_blocks[n++].size) {
    if (k >= diff.new_in_b.size() || diff.new_in_b[k] != n) continue;
    ++k;
    auto data =
        ReadVerifiedBlock(env, a.Abs("big.txt"), offset, new_blocks[n].size, new_blocks[n].id);
    REQUIRE(data.ok());
    whole.blocks.push_back({new_blocks[n].id, *data});
    ids.ids.push_back(new_blocks[n].id);
  }
  const size_t before_store = common::wire::EncodeBlockBatch(whole).size();
  const size_t before_retrieve = common::wire::EncodeIdList(ids, "ids").size() + before_store;

  CHECK(diff.new_in_b.size() >= 1);
  CHECK(a1.deltas_sent - a0.deltas_sent == diff.new_in_b.size());
  CHECK(a1.delta_fallbacks == a0.delta_fallbacks);
  CHECK(b1.deltas_received - b0.deltas_received == diff.new_in_b.size());
  CHECK(b1.delta_fallbacks == b0.delta_fallbacks);
  const uint64_t store_bytes = a1.store_body_bytes - a0.store_body_bytes;
  const uint64_t retrieve_bytes = b1.retrieve_body_bytes - b0.retrieve_body_bytes;
  MESSAGE(file_bytes << "-byte text file, one line edited (" << diff.new_in_b.size()
                     << " new block(s) of " << new_blocks.size() << "): store_batch body "
                     << before_store << " -> " << store_bytes
                     << " bytes; retrieve_batch request+answer " << before_retrieve << " -> "
                     << retrieve_bytes << " bytes");
  CHECK(store_bytes < before_store);
  CHECK(retrieve_bytes < before_retrieve);
  CHECK(store_bytes < 400);
}

TEST_CASE("sync: a one-line edit of a big text file goes up and comes down as an rsync delta") {
  OneLineEdit(4u << 20);
}

TEST_CASE("sync: W2 figure, a one-line edit of a 20 MiB text file" * doctest::skip()) {
  OneLineEdit(20u << 20);
}

TEST_CASE(
    "sync: one line edited in each of many small files comes down in one request, as deltas") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  constexpr int kFiles = 60;
  std::vector<std::string> v1(kFiles);
  for (int f = 0; f < kFiles; ++f) {
    v1[f] = BigText(6000 + 37 * f, /*seed=*/100 + f);
    WriteFile(a.Abs("f" + std::to_string(f) + ".c"), v1[f]);
  }
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  for (int f = 0; f < kFiles; ++f) {
    WriteFile(a.Abs("f" + std::to_string(f) + ".c"), EditMiddleLine(v1[f]));
  }
  REQUIRE(a.Sync().ok());

  const common::client::BlockClientStats b0 = b.engine().block_stats();
  REQUIRE(b.Sync().ok());
  const common::client::BlockClientStats b1 = b.engine().block_stats();
  for (int f = 0; f < kFiles; ++f) {
    CHECK(ReadFile(b.Abs("f" + std::to_string(f) + ".c")) == EditMiddleLine(v1[f]));
  }
  // Each file's changed block names the block it replaces: a delta; all in one request.
  CHECK(b1.retrieve_requests - b0.retrieve_requests == 1);
  CHECK(b1.deltas_received - b0.deltas_received >= kFiles);
  CHECK(b1.delta_fallbacks == b0.delta_fallbacks);
}

TEST_CASE("block client: a delta against a base the server lacks is resent whole") {
  TestServers servers;
  TestPeer a(servers, "A");
  const std::string base = BigText(4096), target = EditMiddleLine(base);
  auto delta = common::wire::MakeBlockDelta(common::BlockId::Of(base), base, target);
  REQUIRE(delta.ok());
  common::wire::BlockBatch batch;
  batch.blocks.push_back({common::BlockId::Of(target), target, *delta});
  REQUIRE(a.blocks().StoreBatch(batch).ok());
  CHECK(a.engine().block_stats().delta_fallbacks == 1);
  CHECK(a.engine().block_stats().deltas_sent == 0);
  CHECK(a.engine().block_stats().store_requests == 2);
  auto missing = a.blocks().Has({common::BlockId::Of(target)});
  REQUIRE(missing.ok());
  CHECK(missing->empty());

  // Now that the server holds a base, the next edit goes as a delta.
  const std::string next = EditMiddleLine(target + "more\n");
  auto d2 = common::wire::MakeBlockDelta(common::BlockId::Of(target), target, next);
  REQUIRE(d2.ok());
  REQUIRE(a.blocks().StoreBatch({{{common::BlockId::Of(next), next, *d2}}}).ok());
  CHECK(a.engine().block_stats().deltas_sent == 1);
  CHECK(a.blocks().Has({common::BlockId::Of(next)})->empty());
}

TEST_CASE("block client: a retrieved delta that does not patch to its id is fetched whole") {
  TestServers servers;
  TestPeer a(servers, "A");
  const std::string base = BigText(4096), target = EditMiddleLine(base);
  const common::BlockId base_id = common::BlockId::Of(base), id = common::BlockId::Of(target);
  REQUIRE(a.blocks().StoreBatch({{{base_id, base}, {id, target}}}).ok());
  size_t refused = 0;
  // The caller's "base" bytes are wrong (its copy changed): the patch fails the hash check.
  auto got = a.blocks().RetrieveBatch(
      {id}, {base_id}, [&](const common::BlockId&) { return common::Result<std::string>(target); },
      &refused);
  REQUIRE(got.ok());
  REQUIRE(got->size() == 1);
  CHECK((*got)[0].data == target);
  CHECK(a.engine().block_stats().delta_fallbacks == 1);
  CHECK(a.engine().block_stats().deltas_received == 0);
  // With the right base bytes: one delta, patched and verified.
  got = a.blocks().RetrieveBatch(
      {id}, {base_id}, [&](const common::BlockId&) { return common::Result<std::string>(base); },
      &refused);
  REQUIRE(got.ok());
  CHECK((*got)[0].data == target);
  CHECK(a.engine().block_stats().deltas_received == 1);
  CHECK(refused == 0);
}

}  // namespace
}  // namespace tessera::daemon::syncer
