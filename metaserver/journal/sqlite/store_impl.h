// metaserver/journal/sqlite/store_impl.h
//
// Internal to the SQLite store: the state behind SqliteJournalStore (sqlite_store.h), shared by
// sqlite_store.cc (open, namespaces, the reader pool), write_txn.cc (JournalWrite) and
// snapshot.cc (JournalSnapshot). Not for other users.
//
// Locking: `write_mutex` guards the write connection and its statements, and is held by a
// SqliteWrite for its whole life; `pool_mutex` guards the idle readers. Never both at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/mutex.h"
#include "common/result.h"
#include "metaserver/journal/journal_store.h"
#include "metaserver/journal/sqlite/sqlite_names.h"

namespace tessera::metaserver::journal::sqlite {

// Statements of the write connection, prepared once at Open.
struct WriteStatements {
  SqliteStmt select_namespace;  // (name) -> nsid
  SqliteStmt insert_namespace;  // (name)
  SqliteStmt select_head;       // (nsid) -> head_jid
  SqliteStmt select_latest;     // (nsid, path) -> jid, kind
  SqliteStmt select_blocklist;  // kSelectBlocklistSql (blocklist_resolver.h)
  // (nsid, jid, path, kind, size, mtime, mode, target, blocks, dev, at, blocklist_base)
  SqliteStmt insert_entry;
  // (nsid, jid, path, device, committed_at, moved_from, covers, source jid): a row copied with
  // every content column of the source (see ContentColumns in sqlite_store.cc)
  SqliteStmt copy_entry;
  SqliteStmt upsert_latest;  // (nsid, path, jid)
  SqliteStmt update_head;    // (head_jid, nsid)
  SqliteStmt live_under;     // (nsid, lower, upper, limit) -> path, jid of live latest rows
};

// One read-only connection with its statements, prepared once when it is opened.
struct ReadConnection {
  SqliteDb db;
  SqliteStmt select_namespace;  // (name) -> nsid
  SqliteStmt select_head;       // (nsid) -> head_jid
  SqliteStmt select_latest;     // (nsid, path) -> jid, kind
  SqliteStmt live_under;        // as WriteStatements::live_under
  SqliteStmt list;              // (nsid, after_jid, limit) -> kEntryColumns
  SqliteStmt history;           // (nsid, path, after_jid, limit) -> kEntryColumns
  SqliteStmt entry;             // (nsid, jid) -> kEntryColumns
  SqliteStmt path_at;           // (nsid, path, at_jid) -> kEntryColumns of the newest such
  SqliteStmt select_blocklist;  // kSelectBlocklistSql (blocklist_resolver.h)
  SqliteStmt previous_of_path;  // (nsid, path, before_jid) -> jid, kind of the newest such
  // (nsid, lower, upper or NULL, after_path, at_jid, child_start or 0, limit) -> kEntryColumns
  SqliteStmt tree;
};

struct StoreImpl {
  StoreImpl(std::string path, common::Logger& log) : db_path(std::move(path)), log(log) {}

  // Takes an idle read connection or opens a new one; hands it back on destruction.
  class ReaderLease {
   public:
    ReaderLease(StoreImpl* impl, std::unique_ptr<ReadConnection> conn)
        : impl_(impl), conn_(std::move(conn)) {}
    ~ReaderLease() {
      if (conn_ != nullptr) impl_->ReturnReader(std::move(conn_));
    }
    ReaderLease(const ReaderLease&) = delete;
    ReaderLease& operator=(const ReaderLease&) = delete;
    ReaderLease(ReaderLease&& o) noexcept : impl_(o.impl_), conn_(std::move(o.conn_)) {}
    ReadConnection& operator*() const { return *conn_; }
    ReadConnection* operator->() const { return conn_.get(); }

   private:
    StoreImpl* impl_;
    std::unique_ptr<ReadConnection> conn_;
  };
  common::Result<ReaderLease> LeaseReader();
  void ReturnReader(std::unique_ptr<ReadConnection> conn);

  const std::string db_path;
  common::Logger& log;
  std::string epoch;  // set once by Open

  common::Mutex write_mutex;
  SqliteDb write_db TESSERA_GUARDED_BY(write_mutex);
  WriteStatements write TESSERA_GUARDED_BY(write_mutex);

  static constexpr size_t kMaxIdleReaders = 8;
  common::Mutex pool_mutex;
  std::vector<std::unique_ptr<ReadConnection>> idle_readers TESSERA_GUARDED_BY(pool_mutex);
};

// The SQL range [dir/, dir0) holds exactly the paths under "dir/" ('0' follows '/').
inline std::string RangeStart(std::string_view dir) { return std::string(dir) + "/"; }
inline std::string RangeEnd(std::string_view dir) { return std::string(dir) + "0"; }

// The JournalWrite of namespace `nsid`: takes impl.write_mutex (waiting for it), begins the
// write transaction and reads the head. NotFound for an unknown `nsid`.
common::Result<std::unique_ptr<JournalWrite>> BeginSqliteWrite(StoreImpl& impl, uint64_t nsid);
// The JournalSnapshot of namespace `nsid` on a leased reader. NotFound for an unknown `nsid`.
common::Result<std::unique_ptr<JournalSnapshot>> BeginSqliteSnapshot(StoreImpl& impl,
                                                                     uint64_t nsid);

// Reads of the live paths under `dir` through a statement prepared as live_under.
common::Result<std::vector<LivePath>> ReadLiveUnder(SqliteStmt& live_under, uint64_t nsid,
                                                    std::string_view dir, size_t limit);
// The latest row of `path` through a statement prepared as select_latest.
common::Result<std::optional<PathState>> ReadLatest(SqliteStmt& select_latest, uint64_t nsid,
                                                    std::string_view path);
// The head of `nsid` through a statement prepared as select_head; NotFound when unknown.
common::Result<uint64_t> ReadHead(SqliteStmt& select_head, uint64_t nsid);

// The SQL of the statements both connections prepare.
std::string LiveUnderSql();
inline constexpr const char* kSelectLatestSql =
    "SELECT l.jid, e.kind FROM latest AS l JOIN entries AS e "
    "ON e.nsid = l.nsid AND e.jid = l.jid WHERE l.nsid = ?1 AND l.path = ?2";
inline constexpr const char* kSelectHeadSql = "SELECT head_jid FROM namespaces WHERE nsid = ?1";
inline constexpr const char* kSelectNamespaceSql = "SELECT nsid FROM namespaces WHERE name = ?1";

}  // namespace tessera::metaserver::journal::sqlite
