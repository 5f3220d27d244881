// tests/metaserver/journal/journal_test_util.h
//
// The metaserver tests' one journal fixture and its helpers: building commit items, a block
// "store" that a MissingBlocksFn consults (a fault-injecting stand-in for the blockserver), and
// JournalFixture -- a real SQLite store in a temp dir under a Journal -- with one-call helpers.
// Not thread-safe unless said.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/block_id.h"
#include "common/env.h"
#include "common/log.h"
#include "common/mutex.h"
#include "common/sqlite/sqlite.h"
#include "common/wire/journal_messages.h"
#include "metaserver/journal/journal.h"
#include "metaserver/journal/sqlite/sqlite_store.h"
#include "tests/testutil/temp_dir.h"

namespace tessera::metaserver::testing {

namespace wire = common::wire;

// A block of `text` as a BlockRef (id = SHA-256 of the text).
inline wire::BlockRef Ref(const std::string& text) {
  return wire::BlockRef{common::BlockId::Of(text), static_cast<uint32_t>(text.size())};
}

// A file item whose content is the concatenation of `chunks`.
inline wire::CommitItem FileItem(std::string path, uint64_t parent,
                                 const std::vector<std::string>& chunks = {"hello\n"}) {
  wire::CommitItem item;
  item.parent_jid = parent;
  item.meta.path = std::move(path);
  item.meta.kind = wire::FileKind::kFile;
  item.meta.mtime_ns = 1'700'000'000'000'000'000;
  item.meta.mode = 0644;
  for (const auto& chunk : chunks) {
    item.meta.blocks.push_back(Ref(chunk));
    item.meta.size += chunk.size();
  }
  return item;
}

inline wire::CommitItem DeleteItem(std::string path, uint64_t parent) {
  wire::CommitItem item;
  item.parent_jid = parent;
  item.meta.path = std::move(path);
  item.meta.kind = wire::FileKind::kDeleted;
  item.meta.mode = 0;
  return item;
}

inline wire::CommitItem DirItem(std::string path, uint64_t parent) {
  wire::CommitItem item;
  item.parent_jid = parent;
  item.meta.path = std::move(path);
  item.meta.kind = wire::FileKind::kDir;
  item.meta.mode = 0755;
  return item;
}

// The set of blocks "in the block store". Thread-safe.
class FakeBlockStore {
 public:
  // Every block of every chunk is present from now on.
  void Add(const std::vector<std::string>& chunks) {
    common::MutexLock lock(mutex_);
    for (const auto& c : chunks) present_.insert(common::BlockId::Of(c));
  }
  // The next calls fail with `status` until cleared with OK.
  void FailWith(common::Status status) {
    common::MutexLock lock(mutex_);
    failure_ = std::move(status);
  }
  int calls() const { return calls_.load(); }

  journal::MissingBlocksFn Fn() {
    return [this](const std::vector<common::BlockId>& ids)
               -> common::Result<std::vector<common::BlockId>> {
      ++calls_;
      common::MutexLock lock(mutex_);
      if (!failure_.ok()) return failure_;
      std::vector<common::BlockId> missing;
      for (const auto& id : ids) {
        if (!present_.contains(id)) missing.push_back(id);
      }
      return missing;
    };
  }

 private:
  common::Mutex mutex_;
  std::set<common::BlockId> present_ TESSERA_GUARDED_BY(mutex_);
  common::Status failure_ TESSERA_GUARDED_BY(mutex_);
  std::atomic<int> calls_{0};
};

// Commits one item and returns its result; the batch itself must succeed.
inline wire::CommitResult CommitOne(journal::Journal& j, uint64_t nsid, wire::CommitItem item,
                                    FakeBlockStore& store, const std::string& device = "laptop") {
  auto out = j.CommitBatch(nsid, device, {std::move(item)}, store.Fn());
  REQUIRE_MESSAGE(out.ok(), out.status().ToString());
  REQUIRE(out->response.results.size() == 1);
  return out->response.results[0];
}

// A journal on a real SQLite store in a temp dir. Tests add their own helpers by deriving.
struct JournalFixture {
  testutil::TempDir dir;
  common::PosixEnv env;
  common::Logger log{common::LogLevel::kWarn};
  FakeBlockStore store;
  std::unique_ptr<journal::sqlite::SqliteJournalStore> sqlite;
  std::unique_ptr<journal::Journal> journal;

  JournalFixture() { Reopen(); }

  std::string db_path() const { return dir.Sub("journal.db"); }

  // Closes the journal and its store and opens them again on the same file.
  void Reopen() {
    journal.reset();
    sqlite.reset();
    auto opened = journal::sqlite::SqliteJournalStore::Open(db_path(), log);
    REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    sqlite = std::move(opened).value();
    journal = std::make_unique<journal::Journal>(*sqlite, env, log);
  }

  // The id of namespace `name`, created when missing.
  uint64_t Ns(const std::string& name) {
    auto nsid = journal->NamespaceId(name, /*create=*/true);
    REQUIRE_MESSAGE(nsid.ok(), nsid.status().ToString());
    return *nsid;
  }

  // Every entry of namespace `nsid` (a plain listing).
  std::vector<journal::Entry> All(uint64_t nsid) {
    auto list = journal->List(nsid, 0, common::wire::kMaxListLimit);
    REQUIRE_MESSAGE(list.ok(), list.status().ToString());
    return list->entries;
  }

  uint64_t Head(uint64_t nsid) {
    auto head = journal->Head(nsid);
    REQUIRE_MESSAGE(head.ok(), head.status().ToString());
    return *head;
  }

  // One integer from the database file, through a connection of its own.
  int64_t Sql(const std::string& query) {
    auto db = common::sqlite::SqliteDb::Open(db_path());
    REQUIRE(db.ok());
    auto value = db->QueryInt(query);
    REQUIRE_MESSAGE(value.ok(), value.status().ToString());
    return *value;
  }
};

}  // namespace tessera::metaserver::testing
