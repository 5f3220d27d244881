// Journal::Tree and Journal::PathAt: a folder's live entries and a path's version as of a JID,
// over the real SQLite store.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "metaserver/journal/journal.h"
#include "tests/metaserver/journal/journal_test_util.h"

namespace tessera::metaserver {
namespace {

using common::wire::CommitOutcome;
using testing::CommitOne;
using testing::DeleteItem;
using testing::DirItem;
using testing::FileItem;

struct Fixture : testing::JournalFixture {
  uint64_t ns = Ns("docs");
  Fixture() { store.Add({"1", "2", "3"}); }

  uint64_t Commit(common::wire::CommitItem item) {
    const auto r = CommitOne(*journal, ns, std::move(item), store);
    REQUIRE_MESSAGE(r.outcome == CommitOutcome::kCommitted, r.error);
    return r.jid;
  }
  // The paths and JIDs of a tree, as "path@jid".
  std::vector<std::string> Tree(const std::string& dir, uint64_t at = 0, bool children_only = false,
                                const std::string& after = "", size_t limit = 100,
                                bool* has_more = nullptr) {
    auto tree = journal->Tree(ns, dir, at, after, limit, children_only);
    REQUIRE_MESSAGE(tree.ok(), tree.status().ToString());
    if (has_more != nullptr) *has_more = tree->has_more;
    std::vector<std::string> out;
    for (const auto& e : tree->entries) {
      CHECK(e.meta.kind != common::wire::FileKind::kDeleted);
      CHECK(e.covers == 0);
      out.push_back(e.meta.path + "@" + std::to_string(e.jid));
    }
    return out;
  }
};

using Paths = std::vector<std::string>;

TEST_CASE("journal tree: the live entries under a folder as of any JID") {
  Fixture f;
  f.Commit(DirItem("a", 0));                               // 1
  const uint64_t x = f.Commit(FileItem("a/x", 0, {"1"}));  // 2
  const uint64_t y = f.Commit(FileItem("a/y", 0, {"1"}));  // 3
  f.Commit(DirItem("a/sub", 0));                           // 4
  f.Commit(FileItem("a/sub/z", 0, {"2"}));                 // 5
  f.Commit(FileItem("b", 0, {"3"}));                       // 6
  f.Commit(FileItem("a/x", x, {"2"}));                     // 7
  f.Commit(DeleteItem("a/y", y));                          // 8
  f.Commit(FileItem("ab", 0, {"1"}));                      // 9: beside a, not under it
  f.Commit(FileItem("a.b", 0, {"1"}));                     // 10

  CHECK(f.Tree("a") == Paths{"a/sub@4", "a/sub/z@5", "a/x@7"});
  CHECK(f.Tree("a", 0, /*children_only=*/true) == Paths{"a/sub@4", "a/x@7"});
  CHECK(f.Tree("a", 3) == Paths{"a/x@2", "a/y@3"});
  CHECK(f.Tree("a", 7) == Paths{"a/sub@4", "a/sub/z@5", "a/x@7", "a/y@3"});
  CHECK(f.Tree("a/sub") == Paths{"a/sub/z@5"});
  CHECK(f.Tree("") == Paths{"a@1", "a.b@10", "a/sub@4", "a/sub/z@5", "a/x@7", "ab@9", "b@6"});
  CHECK(f.Tree("", 0, /*children_only=*/true) == Paths{"a@1", "a.b@10", "ab@9", "b@6"});
  CHECK(f.Tree("", 1) == Paths{"a@1"});
  CHECK(f.Tree("nothing").empty());

  // Pages: after the last path returned.
  bool more = false;
  CHECK(f.Tree("", 0, false, "", 3, &more) == Paths{"a@1", "a.b@10", "a/sub@4"});
  CHECK(more);
  CHECK(f.Tree("", 0, false, "a/sub", 3, &more) == Paths{"a/sub/z@5", "a/x@7", "ab@9"});
  CHECK(more);
  CHECK(f.Tree("", 0, false, "ab", 3, &more) == Paths{"b@6"});
  CHECK_FALSE(more);

  auto tree = f.journal->Tree(f.ns, "a", 5, "", 10, false);
  REQUIRE(tree.ok());
  CHECK(tree->at_jid == 5);
  CHECK(tree->epoch == f.journal->epoch());
  REQUIRE(tree->entries.size() == 4);
  CHECK(tree->entries[2].meta.blocks == FileItem("a/x", 0, {"1"}).meta.blocks);
  CHECK(tree->entries[2].device == "laptop");
  CHECK(tree->entries[2].committed_at_ms > 0);
}

TEST_CASE("journal tree: bad questions are refused, an unknown namespace is not found") {
  Fixture f;
  f.Commit(DirItem("a", 0));
  CHECK(f.journal->Tree(f.ns, "a", 2, "", 10, false).status().code() ==
        common::Code::kInvalidArgument);  // past the head
  CHECK(f.journal->Tree(f.ns, "../a", 0, "", 10, false).status().code() ==
        common::Code::kInvalidArgument);
  CHECK(f.journal->Tree(f.ns, "a", 0, "/x", 10, false).status().code() ==
        common::Code::kInvalidArgument);
  CHECK(f.journal->Tree(f.ns, "a", 0, "", 0, false).status().code() ==
        common::Code::kInvalidArgument);
  CHECK(f.journal->Tree(f.ns + 9, "a", 0, "", 10, false).status().code() ==
        common::Code::kNotFound);
}

TEST_CASE("journal tree: a moved folder is found under its new name, as ordinary entries") {
  Fixture f;
  const uint64_t src = f.Commit(DirItem("src", 0));          // 1
  const uint64_t a = f.Commit(FileItem("src/a", 0, {"1"}));  // 2
  common::wire::SubtreeDigest digest;
  digest.Add("src/a", a);
  auto moved = f.journal->Move(f.ns, {"laptop", "src", src, "dst", 0, digest.Finish()});
  REQUIRE(moved.ok());
  REQUIRE(moved->response.outcome == common::wire::MoveOutcome::kCommitted);  // 3..6
  CHECK(f.Tree("") == Paths{"dst@3", "dst/a@4"});
  CHECK(f.Tree("", 2) == Paths{"src@1", "src/a@2"});
  CHECK(f.Tree("src").empty());
}

TEST_CASE("journal path at: the version a reader of a path sees as of a JID") {
  Fixture f;
  const uint64_t v1 = f.Commit(FileItem("f", 0, {"1"}));   // 1
  f.Commit(DirItem("d", 0));                               // 2
  const uint64_t v2 = f.Commit(FileItem("f", v1, {"2"}));  // 3
  const uint64_t gone = f.Commit(DeleteItem("f", v2));     // 4

  auto at1 = f.journal->PathAt(f.ns, "f", 2);
  REQUIRE(at1.ok());
  CHECK(at1->jid == v1);
  CHECK(at1->meta.blocks == FileItem("f", 0, {"1"}).meta.blocks);
  CHECK(f.journal->PathAt(f.ns, "f", 3)->jid == v2);
  CHECK(f.journal->PathAt(f.ns, "d", 0)->meta.kind == common::wire::FileKind::kDir);
  CHECK(f.journal->PathAt(f.ns, "f", 0).status().code() == common::Code::kNotFound);
  CHECK(f.journal->PathAt(f.ns, "f", gone).status().code() == common::Code::kNotFound);
  CHECK(f.journal->PathAt(f.ns, "never", 0).status().code() == common::Code::kNotFound);
  CHECK(f.journal->PathAt(f.ns, "f", 99).status().code() == common::Code::kInvalidArgument);
  CHECK(f.journal->PathAt(f.ns, "../f", 0).status().code() == common::Code::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::metaserver
