// Blocklist deltas between two daemons and real servers: a one-line edit of a big text file is
// committed as a delta, the other daemon applies the listed delta, and a daemon skips listing
// its own commits only when nothing foreign came in between.
#include <doctest/doctest.h>

#include <string>

#include "daemon/syncer/sync_engine.h"
#include "tests/daemon/test_cluster.h"

namespace tessera::daemon::syncer {
namespace {

using testing::ReadFile;
using testing::TestPeer;
using testing::TestServers;
using testing::WriteFile;

// `bytes` of text in lines of ~60 bytes, each line distinct.
std::string BigText(size_t bytes) {
  std::string out;
  out.reserve(bytes + 100);
  for (size_t i = 0; out.size() < bytes; ++i) {
    out += "line " + std::to_string(i) + ": the quick brown fox jumps over the lazy dog\n";
  }
  return out;
}

std::string EditMiddleLine(std::string text) {
  const size_t middle = text.find('\n', text.size() / 2) + 1;
  text.insert(middle, "an inserted line in the middle\n");
  return text;
}

uint64_t Head(TestPeer& peer) {
  auto list = peer.meta().List(0, 1);
  REQUIRE(list.ok());
  return list->head;
}

TEST_CASE(
    "sync deltas: a one-line edit of a big text file commits a delta; the other side applies "
    "the listed delta and gets the right bytes") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  const std::string v1 = BigText(4 << 20);
  WriteFile(a.Abs("big.txt"), v1);
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  REQUIRE(ReadFile(b.Abs("big.txt")) == v1);

  const std::string v2 = EditMiddleLine(v1);
  WriteFile(a.Abs("big.txt"), v2);
  const auto before = a.meta().stats();
  REQUIRE(a.Sync().ok());
  const uint64_t commit_bytes = a.meta().stats().commit_body_bytes - before.commit_body_bytes;
  const uint64_t commits = a.meta().stats().commit_requests - before.commit_requests;
  MESSAGE("one-line edit of a 4 MiB text file: " << commit_bytes << " commit bytes in " << commits
                                                 << " requests");
  // Store-first: the edited block went up before the one commit that names it.
  CHECK(commits == 1);
  CHECK(commit_bytes < 1024);
  {
    // What the same commit costs with the whole list (as before blocklist deltas).
    auto row = a.index().Get("big.txt");
    REQUIRE(row.ok());
    REQUIRE(row->has_value());
    REQUIRE((*row)->base.has_value());
    common::wire::CommitItem item;
    item.parent_jid = (*row)->base_jid - 1;
    item.meta.path = "big.txt";
    item.meta.size = (*row)->base->size;
    item.meta.mtime_ns = (*row)->base->mtime_ns;
    item.meta.blocks = (*row)->base->blocks;
    common::wire::CommitBatchRequest full{"A", {item}};
    const size_t full_bytes = common::wire::Encode(full).size();
    MESSAGE("the same commit with the full list of " << item.meta.blocks.size()
                                                     << " blocks: " << full_bytes << " bytes");
    CHECK(commit_bytes * 20 < full_bytes);
  }
  // Its own commit was not listed back.
  CHECK(a.engine().cursor() == Head(a));

  const auto b_before = b.meta().stats();
  REQUIRE(b.Sync().ok());
  CHECK(ReadFile(b.Abs("big.txt")) == v2);
  CHECK(b.meta().stats().entry_requests == b_before.entry_requests);  // the delta sufficed
  CHECK(b.meta().stats().list_body_bytes - b_before.list_body_bytes < 4096);

  SUBCASE("and back: B edits, A applies") {
    const std::string v3 = EditMiddleLine(v2);
    WriteFile(b.Abs("big.txt"), v3);
    REQUIRE(b.Sync().ok());
    REQUIRE(a.Sync().ok());
    CHECK(ReadFile(a.Abs("big.txt")) == v3);
  }
  SUBCASE("a daemon that never had the base fetches the entry whole") {
    TestPeer c(servers, "C");
    // C lists v1 and v2 in one page: v2's delta applies against v1 from the same page.
    REQUIRE(c.Sync().ok());
    CHECK(ReadFile(c.Abs("big.txt")) == v2);
  }
}

// The figure for docs: run with `daemon_tests -tc='*20 MiB*' --no-skip`.
TEST_CASE(
    "sync deltas: commit bytes of a one-line edit of a 20 MiB text file, with and without "
    "deltas" *
    doctest::skip()) {
  TestServers servers;
  TestPeer a(servers, "A");
  const std::string v1 = BigText(20 << 20);
  WriteFile(a.Abs("big.txt"), v1);
  REQUIRE(a.Sync().ok());
  WriteFile(a.Abs("big.txt"), EditMiddleLine(v1));
  const auto before = a.meta().stats();
  REQUIRE(a.Sync().ok());
  const auto after = a.meta().stats();
  auto row = a.index().Get("big.txt");
  REQUIRE(row.ok());
  REQUIRE(row->has_value());
  common::wire::CommitItem item;
  item.parent_jid = (*row)->base_jid - 1;
  item.meta.path = "big.txt";
  item.meta.size = (*row)->base->size;
  item.meta.mtime_ns = (*row)->base->mtime_ns;
  item.meta.blocks = (*row)->base->blocks;
  const size_t full_bytes =
      common::wire::Encode(common::wire::CommitBatchRequest{"A", {item}}).size();
  MESSAGE("20 MiB text file, " << item.meta.blocks.size() << " blocks, one line inserted: "
                               << (after.commit_body_bytes - before.commit_body_bytes)
                               << " commit body bytes in "
                               << (after.commit_requests - before.commit_requests)
                               << " requests; one request with the full list: " << full_bytes);
  CHECK(after.commit_body_bytes - before.commit_body_bytes < 2048);
}

TEST_CASE("sync deltas: two edits listed in one page apply one after the other") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  const std::string v1 = BigText(1 << 20);
  WriteFile(a.Abs("f.txt"), v1);
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  const std::string v2 = EditMiddleLine(v1);
  WriteFile(a.Abs("f.txt"), v2);
  REQUIRE(a.Sync().ok());
  const std::string v3 = EditMiddleLine(v2);
  WriteFile(a.Abs("f.txt"), v3);
  REQUIRE(a.Sync().ok());
  const auto b_before = b.meta().stats();
  REQUIRE(b.Sync().ok());
  CHECK(ReadFile(b.Abs("f.txt")) == v3);
  CHECK(b.meta().stats().entry_requests == b_before.entry_requests);
}

TEST_CASE(
    "sync deltas: a delta against a wrong base is refused by the server; the full list "
    "is sent and the right file results") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  const std::string v1 = BigText(1 << 20);
  WriteFile(a.Abs("f.txt"), v1);
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  // v2 changes the first line and one in the middle.
  const std::string v2 = "a new first line\n" + EditMiddleLine(v1);
  WriteFile(a.Abs("f.txt"), v2);
  REQUIRE(a.scanner().FullScan().ok());
  // Corrupt A's idea of its base (same JID): give it v2's first block. The delta against it
  // keeps that block, which the server's base does not have: the digest check refuses it.
  auto row = a.index().Get("f.txt");
  REQUIRE(row.ok());
  REQUIRE(row->has_value());
  auto bad = **row;
  REQUIRE(bad.base.has_value());
  REQUIRE(bad.local.has_value());
  REQUIRE(bad.base->blocks[0] != bad.local->blocks[0]);
  bad.base->blocks[0] = bad.local->blocks[0];
  REQUIRE(a.index().Put(bad).ok());

  const auto before = a.meta().stats();
  REQUIRE(a.Sync().ok());
  CHECK(a.meta().stats().commit_requests - before.commit_requests >= 2);  // delta, then full
  REQUIRE(b.Sync().ok());
  CHECK(ReadFile(b.Abs("f.txt")) == v2);
  CHECK(ReadFile(a.Abs("f.txt")) == v2);
}

TEST_CASE("sync deltas: a foreign commit between a daemon's pull and its commit is never skipped") {
  TestServers servers;
  TestPeer a(servers, "A"), b(servers, "B");
  WriteFile(a.Abs("mine.txt"), "one\n");
  REQUIRE(a.Sync().ok());
  REQUIRE(b.Sync().ok());
  const uint64_t a_cursor = a.engine().cursor();
  CHECK(a_cursor == Head(a));

  // B commits while A is not looking; then A commits without pulling first.
  WriteFile(b.Abs("theirs.txt"), "from B\n");
  REQUIRE(b.Sync().ok());
  WriteFile(a.Abs("mine.txt"), "two\n");
  REQUIRE(a.scanner().FullScan().ok());
  REQUIRE(a.engine().Process().ok());
  // A's commit landed after B's: the cursor must not jump over B's entry.
  CHECK(Head(a) == a_cursor + 2);
  CHECK(a.engine().cursor() == a_cursor);
  REQUIRE(a.Sync().ok());
  CHECK(ReadFile(a.Abs("theirs.txt")) == "from B\n");
  CHECK(a.engine().cursor() == Head(a));

  // With nothing in between, the cursor moves over A's own entries at once.
  WriteFile(a.Abs("mine.txt"), "three\n");
  WriteFile(a.Abs("new.txt"), "new\n");
  REQUIRE(a.scanner().FullScan().ok());
  REQUIRE(a.engine().Process().ok());
  CHECK(a.engine().cursor() == Head(a));
  auto ns = a.index().GetNs("default");
  REQUIRE(ns.ok());
  CHECK(ns->cursor == Head(a));
  REQUIRE(b.Sync().ok());
  CHECK(ReadFile(b.Abs("mine.txt")) == "three\n");
  CHECK(ReadFile(b.Abs("new.txt")) == "new\n");
}

}  // namespace
}  // namespace tessera::daemon::syncer
