// NamespaceService without HTTP in front: the real SQLite store in a temp dir, a real
// blockserver in-process behind the typed block client, and a fault-injecting BlockAccess
// around it where a fault is the point.
#include "metaserver/ns/namespace_service.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/client/block_client_pool.h"
#include "common/mutex.h"
#include "metaserver/ns/remote_block_access.h"
#include "tests/metaserver/journal/journal_test_util.h"
#include "tests/metaserver/test_blockserver.h"

namespace tessera::metaserver::ns {
namespace {

using namespace std::chrono_literals;
using common::BlockId;
using common::Code;
using common::wire::CommitOutcome;
using testing::DirItem;
using testing::FileItem;

// BlockAccess that forwards to another one, counting what passes, and fails or loses blocks
// when told to. Thread-safe.
class FaultyBlockAccess final : public BlockAccess {
 public:
  explicit FaultyBlockAccess(BlockAccess& real) : real_(real) {}

  void FailWith(common::Status status) {
    common::MutexLock lock(mutex_);
    failure_ = std::move(status);
  }
  // Retrieve answers this block as absent from now on.
  void Lose(const BlockId& id) {
    common::MutexLock lock(mutex_);
    lost_ = id;
  }
  // The store lacks this block (Missing says so) until a Store brings it back.
  void Vanish(const BlockId& id) {
    common::MutexLock lock(mutex_);
    vanished_ = id;
  }
  size_t stored_blocks() const {
    common::MutexLock lock(mutex_);
    return stored_blocks_;
  }

  common::Result<std::vector<BlockId>> Missing(const std::vector<BlockId>& ids) override {
    TESSERA_RETURN_IF_ERROR(Failure());
    TESSERA_ASSIGN_OR_RETURN(auto missing, real_.Missing(ids));
    common::MutexLock lock(mutex_);
    if (vanished_ && std::find(ids.begin(), ids.end(), *vanished_) != ids.end()) {
      missing.push_back(*vanished_);
    }
    return missing;
  }
  common::Status Store(const common::wire::BlockBatch& batch) override {
    TESSERA_RETURN_IF_ERROR(Failure());
    {
      common::MutexLock lock(mutex_);
      stored_blocks_ += batch.blocks.size();
      for (const auto& b : batch.blocks) {
        if (vanished_ && b.id == *vanished_) vanished_.reset();
      }
    }
    return real_.Store(batch);
  }
  common::Result<std::vector<common::wire::Block>> Retrieve(
      const std::vector<BlockId>& ids) override {
    TESSERA_RETURN_IF_ERROR(Failure());
    TESSERA_ASSIGN_OR_RETURN(auto blocks, real_.Retrieve(ids));
    common::MutexLock lock(mutex_);
    for (auto& b : blocks) {
      if (lost_ && b.id == *lost_) b.data.reset();
    }
    return blocks;
  }

 private:
  common::Status Failure() const {
    common::MutexLock lock(mutex_);
    return failure_;
  }

  BlockAccess& real_;
  mutable common::Mutex mutex_;
  common::Status failure_ TESSERA_GUARDED_BY(mutex_);
  std::optional<BlockId> lost_ TESSERA_GUARDED_BY(mutex_);
  std::optional<BlockId> vanished_ TESSERA_GUARDED_BY(mutex_);
  size_t stored_blocks_ TESSERA_GUARDED_BY(mutex_) = 0;
};

// The one journal fixture, with a real blockserver and the service over both.
struct Fixture : metaserver::testing::JournalFixture {
  metaserver::testing::TestBlockServer blockserver{log};
  std::unique_ptr<common::client::BlockClientPool> pool;
  std::unique_ptr<RemoteBlockAccess> remote;
  std::unique_ptr<FaultyBlockAccess> blocks;
  Notifier notifier;
  std::unique_ptr<NamespaceService> service;

  explicit Fixture(NamespaceServiceOptions options = {}) {
    auto created = common::client::BlockClientPool::Create(blockserver.url(), log,
                                                           RemoteBlockAccess::DefaultOptions());
    REQUIRE(created.ok());
    pool = std::move(created).value();
    remote = std::make_unique<RemoteBlockAccess>(*pool);
    blocks = std::make_unique<FaultyBlockAccess>(*remote);
    service = std::make_unique<NamespaceService>(*journal, notifier, *blocks, log, options);
  }

  static RequestContext Ctx(const std::string& ns) {
    RequestContext ctx;
    ctx.ns = ns;
    return ctx;
  }
  // Stores `chunks` in the real blockserver, as a client would before committing.
  void Upload(const std::vector<std::string>& chunks) {
    common::wire::BlockBatch batch;
    for (const auto& c : chunks) batch.blocks.push_back({BlockId::Of(c), c});
    REQUIRE(remote->Store(batch).ok());
  }
  common::wire::CommitResult CommitOne(const std::string& ns, common::wire::CommitItem item) {
    auto out = service->Commit(Ctx(ns), "laptop", {std::move(item)});
    REQUIRE_MESSAGE(out.ok(), out.status().ToString());
    REQUIRE(out->results.size() == 1);
    return out->results[0];
  }
  bool Exists(const std::string& ns) {
    auto found = journal->FindNamespace(ns);
    REQUIRE(found.ok());
    return found->has_value();
  }
};

// The answer of one notify, waited for with a deadline.
struct NotifyCatcher {
  std::promise<NotifyAnswer> promise;
  std::future<NotifyAnswer> future = promise.get_future();
  NotifyDoneFn Fn() {
    return [this](const NotifyAnswer& a) { promise.set_value(a); };
  }
  bool Answered() { return future.wait_for(0s) == std::future_status::ready; }
};

TEST_CASE("namespace service: list, tree and notify of an unknown namespace create nothing") {
  Fixture f;
  auto list = f.service->List(Fixture::Ctx("fresh"), ListRequest{7, 100, true, true});
  REQUIRE_MESSAGE(list.ok(), list.status().ToString());
  CHECK(list->entries.empty());
  CHECK(list->head == 0);
  CHECK(list->cursor == 7);
  CHECK_FALSE(list->has_more);
  CHECK(list->epoch == f.journal->epoch());
  auto tree = f.service->Tree(Fixture::Ctx("fresh"), TreeRequest{});
  REQUIRE(tree.ok());
  CHECK(tree->entries.empty());
  CHECK(tree->epoch == f.journal->epoch());

  NotifyCatcher ahead;  // a cursor past the head is answered at once, as for any namespace
  REQUIRE(
      f.service->Notify(Fixture::Ctx("fresh"), 3, Notifier::Clock::now() + 60s, ahead.Fn()).ok());
  REQUIRE(ahead.Answered());
  CHECK(ahead.future.get().head == 0);

  CHECK(f.service->History(Fixture::Ctx("fresh"), "a", 0, 10).status().code() == Code::kNotFound);
  CHECK(f.service->EntryAt(Fixture::Ctx("fresh"), 1).status().code() == Code::kNotFound);
  CHECK(f.service->ReadFile(Fixture::Ctx("fresh"), "a").status().code() == Code::kNotFound);
  CHECK(f.service->List(Fixture::Ctx("fresh"), ListRequest{0, 0, false, false}).status().code() ==
        Code::kInvalidArgument);
  CHECK(
      f.service->Tree(Fixture::Ctx("fresh"), TreeRequest{"", 5, "", 1000, false}).status().code() ==
      Code::kInvalidArgument);
  CHECK_FALSE(f.Exists("fresh"));
}

TEST_CASE(
    "namespace service: a notify waiting on a namespace that does not exist yet is answered "
    "by the first commit") {
  Fixture f;
  NotifyCatcher waiter;
  REQUIRE(
      f.service->Notify(Fixture::Ctx("fresh"), 0, Notifier::Clock::now() + 60s, waiter.Fn()).ok());
  CHECK_FALSE(waiter.Answered());
  CHECK(f.notifier.waiting() == 1);
  CHECK_FALSE(f.Exists("fresh"));

  std::jthread committer([&f] { f.CommitOne("fresh", DirItem("d", 0)); });
  REQUIRE(waiter.future.wait_for(10s) == std::future_status::ready);
  const NotifyAnswer answer = waiter.future.get();
  CHECK(answer.head == 1);
  CHECK(answer.epoch == f.journal->epoch());
  committer.join();
  CHECK(f.Exists("fresh"));
  CHECK(f.notifier.waiting() == 0);
}

TEST_CASE("namespace service: a move wakes the namespace's waiters, a refused one does not") {
  Fixture f;
  const uint64_t src = f.CommitOne("docs", DirItem("src", 0)).jid;
  NotifyCatcher waiter;
  REQUIRE(
      f.service->Notify(Fixture::Ctx("docs"), src, Notifier::Clock::now() + 60s, waiter.Fn()).ok());
  auto refused = f.service->Move(Fixture::Ctx("docs"), {"laptop", "src", src + 1, "dst", 0, ""});
  REQUIRE(refused.ok());
  CHECK(refused->outcome == common::wire::MoveOutcome::kConflict);
  CHECK_FALSE(waiter.Answered());
  common::wire::SubtreeDigest none;
  auto moved =
      f.service->Move(Fixture::Ctx("docs"), {"laptop", "src", src, "dst", 0, none.Finish()});
  REQUIRE_MESSAGE(moved.ok(), moved.status().ToString());
  REQUIRE(moved->outcome == common::wire::MoveOutcome::kCommitted);
  REQUIRE(waiter.future.wait_for(10s) == std::future_status::ready);
  CHECK(waiter.future.get().head == moved->jid + moved->covers);

  auto folded = f.service->List(Fixture::Ctx("docs"), ListRequest{src, 100, false, true});
  REQUIRE(folded.ok());
  REQUIRE(folded->entries.size() == 1);
  CHECK(folded->entries[0].moved_from == "src");
  auto plain = f.service->List(Fixture::Ctx("docs"), ListRequest{src, 100, false, false});
  REQUIRE(plain.ok());
  CHECK(plain->entries.size() == moved->covers + 1);
  CHECK(plain->entries[0].moved_from.empty());
}

TEST_CASE("namespace service: the namespace name is refused the same way by every operation") {
  Fixture f;
  for (const std::string& name : {std::string(""), std::string("a/b"), std::string(".."),
                                  std::string(65, 'n'), std::string("sp ace")}) {
    CAPTURE(name);
    const RequestContext ctx = Fixture::Ctx(name);
    const auto invalid = [](const common::Status& s) { return s.code() == Code::kInvalidArgument; };
    CHECK(invalid(f.service->Commit(ctx, "laptop", {DirItem("d", 0)}).status()));
    CHECK(invalid(f.service->Move(ctx, {"laptop", "a", 1, "b", 0, ""}).status()));
    CHECK(invalid(f.service->List(ctx, ListRequest{}).status()));
    CHECK(invalid(f.service->History(ctx, "a", 0, 10).status()));
    CHECK(invalid(f.service->EntryAt(ctx, 1).status()));
    CHECK(invalid(f.service->Tree(ctx, TreeRequest{}).status()));
    CHECK(invalid(f.service->ReadFile(ctx, "a").status()));
    CHECK(invalid(
        f.service->WriteFile(ctx, WriteFileRequest{"laptop", "a", 0, "x", 0644, 0}).status()));
    NotifyCatcher never;
    CHECK(invalid(f.service->Notify(ctx, 0, Notifier::Clock::now() + 60s, never.Fn())));
    CHECK_FALSE(never.Answered());
  }
  CHECK(f.notifier.waiting() == 0);
}

TEST_CASE("namespace service: a file written through the service reads back, blocks stored once") {
  Fixture f;
  std::string text;
  for (int i = 0; i < 20'000; ++i) text += "line " + std::to_string(i) + " of the notes\n";
  const RequestContext ctx = Fixture::Ctx("docs");
  auto v1 = f.service->WriteFile(ctx, WriteFileRequest{"web", "notes/a.txt", 0, text, 0600, 42});
  REQUIRE_MESSAGE(v1.ok(), v1.status().ToString());
  REQUIRE(v1->outcome == CommitOutcome::kCommitted);
  const size_t first_blocks = f.blocks->stored_blocks();
  CHECK(first_blocks > 1);

  auto read = f.service->ReadFile(ctx, "notes/a.txt");
  REQUIRE_MESSAGE(read.ok(), read.status().ToString());
  CHECK(read->data == text);
  CHECK(read->entry.jid == v1->jid);
  CHECK(read->entry.device == "web");
  CHECK(read->entry.meta.mode == 0600);
  CHECK(read->entry.meta.mtime_ns == 42);

  // The same bytes under another name store nothing new; an edit stores the changed blocks.
  auto copy = f.service->WriteFile(ctx, WriteFileRequest{"web", "b.txt", 0, text, 0644, 0});
  REQUIRE(copy.ok());
  CHECK(copy->outcome == CommitOutcome::kCommitted);
  CHECK(f.blocks->stored_blocks() == first_blocks);
  std::string edited = text;
  edited.replace(edited.find("line 10000 "), 4, "LINE");
  auto v2 =
      f.service->WriteFile(ctx, WriteFileRequest{"web", "notes/a.txt", v1->jid, edited, 0644, 0});
  REQUIRE(v2.ok());
  REQUIRE(v2->outcome == CommitOutcome::kCommitted);
  CHECK(f.blocks->stored_blocks() - first_blocks < 3);

  CHECK(f.service->ReadFile(ctx, "notes/a.txt")->data == edited);
  CHECK(f.service->ReadFile(ctx, "notes/a.txt", v1->jid)->data == text);
  // A stale parent is the commit rules' conflict, nothing written.
  auto stale =
      f.service->WriteFile(ctx, WriteFileRequest{"web", "notes/a.txt", v1->jid, "x", 0644, 0});
  REQUIRE(stale.ok());
  CHECK(stale->outcome == CommitOutcome::kConflict);
  CHECK(stale->latest_jid == v2->jid);
  // An empty file has no blocks and reads back empty.
  auto empty = f.service->WriteFile(ctx, WriteFileRequest{"web", "empty", 0, "", 0644, 0});
  REQUIRE(empty.ok());
  CHECK(empty->outcome == CommitOutcome::kCommitted);
  CHECK(f.service->ReadFile(ctx, "empty")->data.empty());

  auto tree = f.service->Tree(ctx, TreeRequest{"", 0, "", 100, false});
  REQUIRE(tree.ok());
  REQUIRE(tree->entries.size() == 3);
  CHECK(tree->entries[0].meta.path == "b.txt");
  CHECK(tree->entries[1].meta.path == "empty");
  CHECK(tree->entries[2].meta.path == "notes/a.txt");
  CHECK(tree->entries[2].jid == v2->jid);
  // notes/a.txt is no direct child of the root (nothing committed "notes" itself).
  CHECK(f.service->Tree(ctx, TreeRequest{"", 0, "", 100, true})->entries.size() == 2);
}

TEST_CASE("namespace service: file reads and writes refuse what they must") {
  NamespaceServiceOptions options;
  options.max_file_bytes = 1000;
  Fixture f(options);
  const RequestContext ctx = Fixture::Ctx("docs");
  REQUIRE(f.CommitOne("docs", DirItem("d", 0)).outcome == CommitOutcome::kCommitted);
  CHECK(f.service->ReadFile(ctx, "d").status().code() == Code::kInvalidArgument);
  CHECK(f.service->ReadFile(ctx, "nothing").status().code() == Code::kNotFound);
  CHECK(f.service->ReadFile(ctx, "../etc").status().code() == Code::kInvalidArgument);
  CHECK(
      f.service->WriteFile(ctx, WriteFileRequest{"web", "big", 0, std::string(1001, 'x'), 0644, 0})
          .status()
          .code() == Code::kResourceExhausted);
  CHECK(
      f.service->WriteFile(ctx, WriteFileRequest{"web", "../x", 0, "x", 0644, 0}).status().code() ==
      Code::kInvalidArgument);
  CHECK(
      f.service->WriteFile(ctx, WriteFileRequest{"web", "m", 0, "x", 0170000, 0}).status().code() ==
      Code::kInvalidArgument);
  CHECK(f.blocks->stored_blocks() == 0);  // refused before the block store saw anything

  // A file written by a client with a bigger limit is refused on read.
  f.Upload({std::string(1500, 'y')});
  REQUIRE(f.CommitOne("docs", FileItem("huge", 0, {std::string(1500, 'y')})).outcome ==
          CommitOutcome::kCommitted);
  CHECK(f.service->ReadFile(ctx, "huge").status().code() == Code::kResourceExhausted);
}

TEST_CASE("namespace service: block store trouble fails a commit whole and writes nothing") {
  Fixture f;
  f.Upload({"x"});
  const std::vector<common::wire::CommitItem> items = {DirItem("d", 0), FileItem("d/f", 0, {"x"})};
  SUBCASE("the block access fails") { f.blocks->FailWith(common::Unavailable("blockserver down")); }
  SUBCASE("the blockserver is gone") { f.blockserver.Kill(); }
  auto out = f.service->Commit(Fixture::Ctx("docs"), "laptop", items);
  CHECK(out.status().code() == Code::kUnavailable);
  auto list = f.service->List(Fixture::Ctx("docs"), ListRequest{});
  REQUIRE(list.ok());
  CHECK(list->head == 0);
  CHECK(f.service->WriteFile(Fixture::Ctx("docs"), WriteFileRequest{"web", "w", 0, "data", 0644, 0})
            .status()
            .code() == Code::kUnavailable);
}

TEST_CASE("namespace service: a block the store lacks makes a read fail as corruption") {
  Fixture f;
  const RequestContext ctx = Fixture::Ctx("docs");
  std::string text;
  for (int i = 0; i < 5'000; ++i) text += "row " + std::to_string(i) + "\n";
  auto written = f.service->WriteFile(ctx, WriteFileRequest{"web", "t", 0, text, 0644, 0});
  REQUIRE(written.ok());
  auto entry = f.service->EntryAt(ctx, written->jid);
  REQUIRE(entry.ok());
  REQUIRE(entry->meta.blocks.size() > 1);
  f.blocks->Lose(entry->meta.blocks[1].id);
  auto read = f.service->ReadFile(ctx, "t");
  CHECK(read.status().code() == Code::kCorruption);
  CHECK(read.status().message().find(entry->meta.blocks[1].id.ToHex()) != std::string::npos);
}

TEST_CASE("namespace service: concurrent commits through the client pool get distinct JIDs") {
  Fixture f;
  f.Upload({"x"});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 10;
  std::vector<std::vector<uint64_t>> jids(kThreads);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&f, &jids, t] {
        for (int i = 0; i < kPerThread; ++i) {
          auto out = f.service->Commit(
              Fixture::Ctx("docs"), "dev" + std::to_string(t),
              {FileItem("t" + std::to_string(t) + "/" + std::to_string(i), 0, {"x"})});
          if (out.ok() && out->results[0].outcome == CommitOutcome::kCommitted) {
            jids[t].push_back(out->results[0].jid);
          }
        }
      });
    }
  }
  std::vector<uint64_t> all;
  for (const auto& v : jids) {
    CHECK(v.size() == kPerThread);
    all.insert(all.end(), v.begin(), v.end());
  }
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  CHECK(all.size() == kThreads * kPerThread);
  CHECK(f.pool->idle() >= 1);
}

TEST_CASE(
    "namespace service: a missing block is wanted only when the entry has it and the store "
    "lacks it, until it is stored again") {
  Fixture f;
  f.Upload({"alpha\n", "beta\n"});
  const uint64_t jid = f.CommitOne("docs", FileItem("a.txt", 0, {"alpha\n", "beta\n"})).jid;
  const BlockId beta = BlockId::Of("beta\n");
  const BlockId stranger = BlockId::Of("not in the entry\n");
  auto ctx = Fixture::Ctx("docs");

  // Present blocks and ids the entry does not reference are never wanted.
  auto none = f.service->ReportMissing(ctx, jid, {beta, stranger});
  REQUIRE(none.ok());
  CHECK(*none == 0);
  CHECK(f.service->Wanted(ctx).empty());

  f.blocks->Vanish(beta);
  auto one = f.service->ReportMissing(ctx, jid, {beta, stranger, beta});
  REQUIRE(one.ok());
  CHECK(*one == 1);
  CHECK(f.service->Wanted(ctx) == std::vector<BlockId>{beta});
  CHECK(f.service->Wanted(Fixture::Ctx("other")).empty());

  // Stored again: no longer wanted.
  common::wire::BlockBatch batch;
  batch.blocks.push_back({beta, std::string("beta\n")});
  REQUIRE(f.blocks->Store(batch).ok());
  CHECK(f.service->Wanted(ctx).empty());

  // Bad reports.
  CHECK(f.service->ReportMissing(ctx, jid + 5, {beta}).status().code() == Code::kNotFound);
  CHECK(f.service->ReportMissing(Fixture::Ctx("fresh"), 1, {beta}).status().code() ==
        Code::kNotFound);
  CHECK_FALSE(f.Exists("fresh"));
  std::vector<BlockId> too_many(common::wire::kMaxWantedIds + 1, beta);
  CHECK(f.service->ReportMissing(ctx, jid, too_many).status().code() == Code::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::metaserver::ns
