// The SQLite store's file format across versions: a journal.db written by an older server (at
// schema version 1) opens, is upgraded in place, and keeps every entry.
#include "metaserver/journal/sqlite/sqlite_store.h"

#include <doctest/doctest.h>

#include <string>

#include "common/sqlite/sqlite.h"
#include "metaserver/journal/blocklist_codec.h"
#include "metaserver/journal/sqlite/schema.h"
#include "tests/metaserver/journal/journal_test_util.h"

namespace tessera::metaserver {
namespace {

using testing::FileItem;

// Writes a version 1 journal with namespace "old" holding one file entry (jid 1).
void WriteVersionOneJournal(const std::string& path) {
  auto db = common::sqlite::SqliteDb::Open(path);
  REQUIRE(db.ok());
  REQUIRE(db->QueryText("PRAGMA journal_mode = WAL").ok());
  REQUIRE(db->Exec(journal::sqlite::SchemaScripts()[0].sql).ok());
  REQUIRE(db->Exec("PRAGMA application_id = 1414744625; PRAGMA user_version = 1").ok());
  REQUIRE(db->Exec("INSERT INTO namespaces (nsid, name, head_jid) VALUES (1, 'old', 1)").ok());
  auto insert = db->Prepare(
      "INSERT INTO entries (nsid, jid, path, kind, size, mtime_ns, mode, symlink_target, "
      "blocklist, device, committed_at) VALUES (1, 1, 'f', 0, ?1, 7, 420, '', ?2, 'pc', 5)");
  REQUIRE(insert.ok());
  const auto meta = FileItem("f", 0, {"one\n", "two\n"}).meta;
  REQUIRE(insert->BindInt(1, static_cast<int64_t>(meta.size)).ok());
  REQUIRE(insert->BindBlob(2, journal::EncodeBlocklist(meta.blocks)).ok());
  REQUIRE(insert->Run().ok());
  REQUIRE(db->Exec("INSERT INTO latest (nsid, path, jid) VALUES (1, 'f', 1)").ok());
}

TEST_CASE("sqlite store: a version 1 journal is upgraded in place and keeps its entries") {
  testutil::TempDir dir;
  const std::string path = dir.Sub("journal.db");
  WriteVersionOneJournal(path);

  common::PosixEnv env;
  common::Logger log(common::LogLevel::kError);
  auto store = journal::sqlite::SqliteJournalStore::Open(path, log);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  journal::Journal journal(**store, env, log);
  auto nsid = journal.NamespaceId("old", /*create=*/false);
  REQUIRE(nsid.ok());
  auto entry = journal.EntryAt(*nsid, 1);
  REQUIRE_MESSAGE(entry.ok(), entry.status().ToString());
  CHECK(entry->meta.blocks == FileItem("f", 0, {"one\n", "two\n"}).meta.blocks);
  CHECK(entry->device == "pc");
  CHECK(entry->committed_at_ms == 5);
  CHECK(entry->covers == 0);

  // Commits go on from the stored head, an edit stored as a delta against the old entry.
  testing::FakeBlockStore blocks;
  blocks.Add({"one\n", "two\n", "three\n"});
  const auto edit =
      testing::CommitOne(journal, *nsid, FileItem("f", 1, {"one\n", "two\n", "three\n"}), blocks);
  CHECK(edit.outcome == common::wire::CommitOutcome::kCommitted);
  CHECK(edit.jid == 2);

  auto db = common::sqlite::SqliteDb::Open(path);
  REQUIRE(db.ok());
  CHECK(db->QueryInt("PRAGMA user_version").value() ==
        static_cast<int64_t>(journal::sqlite::SchemaScripts().size()));
  CHECK(db->QueryInt("SELECT count(*) FROM entries WHERE covers = 0").value() == 2);
  CHECK(db->QueryInt("SELECT blocklist_base FROM entries WHERE jid = 2").value() == 1);
}

}  // namespace
}  // namespace tessera::metaserver
