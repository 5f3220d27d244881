// metaserver/journal/journal_impl.h
//
// Internal to the journal: the state behind Journal (journal.h) shared by journal.cc (open,
// namespaces, commits) and journal_reads.cc (list, history, head). Not for other users.
// Locking: `write_mutex` guards `write_db` and `write`; `pool_mutex` guards `idle_readers`;
// `ns_mutex` guards `nsids`. Never more than one of them is held at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/log.h"
#include "common/result.h"
#include "common/wire/file_meta.h"
#include "metaserver/journal/blocklist_store.h"
#include "metaserver/journal/journal.h"
#include "metaserver/journal/sqlite.h"

namespace tessera::metaserver::journal {

// entries.kind: stored numbers, fixed by the schema. Do not renumber.
int64_t KindToColumn(common::wire::FileKind kind);
common::Result<common::wire::FileKind> KindFromColumn(int64_t value);

// The columns every entry query selects, in the order ReadEntryRow expects.
inline constexpr const char* kEntryColumns =
    "jid, path, kind, size, mtime_ns, mode, symlink_target, blocklist, device";
// Decodes the current row of a statement selecting kEntryColumns, resolving a stored blocklist
// delta through `blocklists` (blocklist_store.h, same connection and namespace); Corruption on a
// bad row.
common::Result<common::wire::JournalEntry> ReadEntryRow(const SqliteStmt& stmt,
                                                        BlocklistResolver& blocklists);

// Statements of the write connection, prepared once at Open.
struct WriteStatements {
  SqliteStmt select_namespace;  // (name) -> nsid
  SqliteStmt insert_namespace;  // (name)
  SqliteStmt select_head;       // (nsid) -> head_jid
  SqliteStmt select_latest;     // (nsid, path) -> jid, kind
  SqliteStmt select_blocklist;  // kSelectBlocklistSql (blocklist_store.h)
  // (nsid, jid, path, kind, size, mtime, mode, target, blocks, dev, at, blocklist_base)
  SqliteStmt insert_entry;
  SqliteStmt upsert_latest;  // (nsid, path, jid)
  SqliteStmt update_head;    // (head_jid, nsid)
};

// One read-only connection with its statements, prepared once when it is opened.
struct ReadConnection {
  SqliteDb db;
  SqliteStmt select_namespace;  // (name) -> nsid
  SqliteStmt select_head;       // (nsid) -> head_jid
  SqliteStmt list;              // (nsid, after_jid, limit) -> kEntryColumns
  SqliteStmt history;           // (nsid, path, after_jid, limit) -> kEntryColumns
  SqliteStmt entry;             // (nsid, jid) -> kEntryColumns
  SqliteStmt select_blocklist;  // kSelectBlocklistSql (blocklist_store.h)
  SqliteStmt previous_of_path;  // (nsid, path, before_jid) -> jid, kind of the newest such
};

struct Journal::Impl {
  Impl(std::string path, common::Env& env, common::Logger& log)
      : db_path(std::move(path)), env(env), log(log) {}

  // Takes an idle read connection or opens a new one; hands it back on destruction.
  class ReaderLease {
   public:
    ReaderLease(Impl* impl, std::unique_ptr<ReadConnection> conn)
        : impl_(impl), conn_(std::move(conn)) {}
    ~ReaderLease() { impl_->ReturnReader(std::move(conn_)); }
    ReaderLease(const ReaderLease&) = delete;
    ReaderLease& operator=(const ReaderLease&) = delete;
    ReaderLease(ReaderLease&& o) noexcept : impl_(o.impl_), conn_(std::move(o.conn_)) {}
    ReadConnection& operator*() const { return *conn_; }
    ReadConnection* operator->() const { return conn_.get(); }

   private:
    Impl* impl_;
    std::unique_ptr<ReadConnection> conn_;
  };
  common::Result<ReaderLease> LeaseReader();
  void ReturnReader(std::unique_ptr<ReadConnection> conn);

  const std::string db_path;
  common::Env& env;
  common::Logger& log;
  std::string epoch;  // set once by Open

  std::mutex write_mutex;
  SqliteDb write_db;      // guarded by write_mutex
  WriteStatements write;  // guarded by write_mutex

  static constexpr size_t kMaxIdleReaders = 8;
  std::mutex pool_mutex;
  std::vector<std::unique_ptr<ReadConnection>> idle_readers;  // guarded by pool_mutex

  std::mutex ns_mutex;
  std::map<std::string, uint64_t, std::less<>> nsids;  // name -> nsid; guarded by ns_mutex
};

}  // namespace tessera::metaserver::journal
