// SqliteJournalStore: opening the file, namespaces, and the pool of read connections.
#include "metaserver/journal/sqlite/sqlite_store.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "metaserver/journal/sqlite/blocklist_resolver.h"
#include "metaserver/journal/sqlite/entry_rows.h"
#include "metaserver/journal/sqlite/schema.h"
#include "metaserver/journal/sqlite/store_impl.h"

namespace tessera::metaserver::journal::sqlite {

using common::Result;
using common::Status;

namespace {

Status ConfigureConnection(SqliteDb& db) {
  // Durable commits: a commit acknowledged to a client survives power loss.
  return db.Exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;");
}

// The entry columns a copy keeps as they are: everything but identity, authorship and the move
// columns. Read from the schema, so columns added later (blocklist storage) are copied too.
Result<std::vector<std::string>> ContentColumns(SqliteDb& db) {
  static const std::set<std::string, std::less<>> kNotCopied = {
      "nsid", "jid", "path", "device", "committed_at", "moved_from", "covers"};
  TESSERA_ASSIGN_OR_RETURN(SqliteStmt stmt,
                           db.Prepare("SELECT name FROM pragma_table_info('entries')"));
  std::vector<std::string> out;
  for (;;) {
    TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    std::string name(stmt.ColumnText(0));
    if (!kNotCopied.contains(name)) out.push_back(std::move(name));
  }
  return out;
}

Result<WriteStatements> PrepareWriteStatements(SqliteDb& db) {
  WriteStatements s;
  TESSERA_ASSIGN_OR_RETURN(s.select_namespace, db.Prepare(kSelectNamespaceSql));
  TESSERA_ASSIGN_OR_RETURN(
      s.insert_namespace,
      db.Prepare("INSERT INTO namespaces (name) VALUES (?1) ON CONFLICT (name) DO NOTHING"));
  TESSERA_ASSIGN_OR_RETURN(s.select_head, db.Prepare(kSelectHeadSql));
  TESSERA_ASSIGN_OR_RETURN(s.select_latest, db.Prepare(kSelectLatestSql));
  TESSERA_ASSIGN_OR_RETURN(
      s.insert_entry,
      db.Prepare("INSERT INTO entries (nsid, jid, path, kind, size, mtime_ns, mode, "
                 "symlink_target, blocklist, device, committed_at, blocklist_base) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"));
  TESSERA_ASSIGN_OR_RETURN(const std::vector<std::string> columns, ContentColumns(db));
  std::string column_list;
  for (const auto& c : columns) column_list += ", " + c;
  TESSERA_ASSIGN_OR_RETURN(
      s.copy_entry,
      db.Prepare("INSERT INTO entries (nsid, jid, path, device, committed_at, moved_from, covers" +
                 column_list + ") SELECT nsid, ?2, ?3, ?4, ?5, ?6, ?7" + column_list +
                 " FROM entries WHERE nsid = ?1 AND jid = ?8"));
  TESSERA_ASSIGN_OR_RETURN(s.select_blocklist, db.Prepare(kSelectBlocklistSql));
  TESSERA_ASSIGN_OR_RETURN(s.upsert_latest,
                           db.Prepare("INSERT INTO latest (nsid, path, jid) VALUES (?1, ?2, ?3) "
                                      "ON CONFLICT (nsid, path) DO UPDATE SET jid = excluded.jid"));
  TESSERA_ASSIGN_OR_RETURN(s.update_head,
                           db.Prepare("UPDATE namespaces SET head_jid = ?1 WHERE nsid = ?2"));
  TESSERA_ASSIGN_OR_RETURN(s.live_under, db.Prepare(LiveUnderSql()));
  return s;
}

Result<std::unique_ptr<ReadConnection>> OpenReader(const std::string& path) {
  auto conn = std::make_unique<ReadConnection>();
  SqliteDb& db = conn->db;
  TESSERA_ASSIGN_OR_RETURN(db, SqliteDb::Open(path));
  // A reader never writes: query_only turns a bug into an error instead of a stray write.
  TESSERA_RETURN_IF_ERROR(db.Exec("PRAGMA foreign_keys = ON; PRAGMA query_only = ON;"));
  const std::string columns = kEntryColumns;
  TESSERA_ASSIGN_OR_RETURN(conn->select_namespace, db.Prepare(kSelectNamespaceSql));
  TESSERA_ASSIGN_OR_RETURN(conn->select_head, db.Prepare(kSelectHeadSql));
  TESSERA_ASSIGN_OR_RETURN(conn->select_latest, db.Prepare(kSelectLatestSql));
  TESSERA_ASSIGN_OR_RETURN(conn->live_under, db.Prepare(LiveUnderSql()));
  TESSERA_ASSIGN_OR_RETURN(conn->list, db.Prepare("SELECT " + columns +
                                                  " FROM entries WHERE nsid = ?1 AND jid > ?2 "
                                                  "ORDER BY jid LIMIT ?3"));
  TESSERA_ASSIGN_OR_RETURN(conn->history,
                           db.Prepare("SELECT " + columns +
                                      " FROM entries WHERE nsid = ?1 AND path = ?2 AND jid > ?3 "
                                      "ORDER BY jid LIMIT ?4"));
  TESSERA_ASSIGN_OR_RETURN(
      conn->entry, db.Prepare("SELECT " + columns + " FROM entries WHERE nsid = ?1 AND jid = ?2"));
  TESSERA_ASSIGN_OR_RETURN(conn->path_at,
                           db.Prepare("SELECT " + columns +
                                      " FROM entries WHERE nsid = ?1 AND path = ?2 AND jid <= ?3 "
                                      "ORDER BY jid DESC LIMIT 1"));
  TESSERA_ASSIGN_OR_RETURN(conn->select_blocklist, db.Prepare(kSelectBlocklistSql));
  TESSERA_ASSIGN_OR_RETURN(
      conn->previous_of_path,
      db.Prepare("SELECT jid, kind FROM entries WHERE nsid = ?1 AND path = ?2 AND jid < ?3 "
                 "ORDER BY jid DESC LIMIT 1"));
  // Each path's newest entry at or before ?5 (entries_by_path serves the grouping), then the
  // live ones. ?3 NULL: no upper bound (the whole namespace); ?6 > 0: only paths with no '/'
  // from that (1-based) position on, i.e. direct children.
  TESSERA_ASSIGN_OR_RETURN(
      conn->tree,
      db.Prepare(std::string("SELECT ") + kEntryColumnsOfE +
                 " FROM (SELECT path, max(jid) AS jid FROM entries WHERE nsid = ?1 AND "
                 "path >= ?2 AND (?3 IS NULL OR path < ?3) AND path > ?4 AND jid <= ?5 AND "
                 "(?6 = 0 OR instr(substr(path, ?6), '/') = 0) GROUP BY path) AS v "
                 "JOIN entries AS e ON e.nsid = ?1 AND e.jid = v.jid "
                 "WHERE e.kind <> " +
                 std::to_string(kDeletedColumn) + " ORDER BY e.path LIMIT ?7"));
  return conn;
}

}  // namespace

std::string LiveUnderSql() {
  return "SELECT l.path, l.jid FROM latest AS l JOIN entries AS e ON e.nsid = l.nsid AND "
         "e.jid = l.jid WHERE l.nsid = ?1 AND l.path >= ?2 AND l.path < ?3 AND e.kind <> " +
         std::to_string(kDeletedColumn) + " ORDER BY l.path LIMIT ?4";
}

Result<std::vector<LivePath>> ReadLiveUnder(SqliteStmt& stmt, uint64_t nsid, std::string_view dir,
                                            size_t limit) {
  auto use = stmt.Use();
  TESSERA_RETURN_IF_ERROR(stmt.BindInt(1, static_cast<int64_t>(nsid)));
  TESSERA_RETURN_IF_ERROR(stmt.BindText(2, RangeStart(dir)));
  TESSERA_RETURN_IF_ERROR(stmt.BindText(3, RangeEnd(dir)));
  TESSERA_RETURN_IF_ERROR(stmt.BindInt(4, static_cast<int64_t>(limit)));
  std::vector<LivePath> out;
  for (;;) {
    TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(
        LivePath{std::string(stmt.ColumnText(0)), static_cast<uint64_t>(stmt.ColumnInt(1))});
  }
  return out;
}

Result<std::optional<PathState>> ReadLatest(SqliteStmt& stmt, uint64_t nsid,
                                            std::string_view path) {
  auto use = stmt.Use();
  TESSERA_RETURN_IF_ERROR(stmt.BindInt(1, static_cast<int64_t>(nsid)));
  TESSERA_RETURN_IF_ERROR(stmt.BindText(2, path));
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<PathState>();
  PathState state;
  state.jid = static_cast<uint64_t>(stmt.ColumnInt(0));
  TESSERA_ASSIGN_OR_RETURN(state.kind, KindFromColumn(stmt.ColumnInt(1)));
  return std::optional<PathState>(state);
}

Result<uint64_t> ReadHead(SqliteStmt& stmt, uint64_t nsid) {
  auto use = stmt.Use();
  TESSERA_RETURN_IF_ERROR(stmt.BindInt(1, static_cast<int64_t>(nsid)));
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return common::NotFound("namespace " + std::to_string(nsid));
  return static_cast<uint64_t>(stmt.ColumnInt(0));
}

namespace {

Result<std::optional<uint64_t>> SelectNamespace(SqliteStmt& stmt, std::string_view name) {
  auto use = stmt.Use();
  TESSERA_RETURN_IF_ERROR(stmt.BindText(1, name));
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<uint64_t>();
  return std::optional<uint64_t>(static_cast<uint64_t>(stmt.ColumnInt(0)));
}

}  // namespace

Result<StoreImpl::ReaderLease> StoreImpl::LeaseReader() {
  {
    common::MutexLock lock(pool_mutex);
    if (!idle_readers.empty()) {
      auto conn = std::move(idle_readers.back());
      idle_readers.pop_back();
      return ReaderLease(this, std::move(conn));
    }
  }
  TESSERA_ASSIGN_OR_RETURN(auto conn, OpenReader(db_path));
  return ReaderLease(this, std::move(conn));
}

void StoreImpl::ReturnReader(std::unique_ptr<ReadConnection> conn) {
  common::MutexLock lock(pool_mutex);
  if (idle_readers.size() < kMaxIdleReaders) idle_readers.push_back(std::move(conn));
}

Result<std::unique_ptr<SqliteJournalStore>> SqliteJournalStore::Open(const std::string& db_path,
                                                                     common::Logger& log) {
  auto impl = std::make_unique<StoreImpl>(db_path, log);
  // Nobody else can see `impl` yet; the lock only satisfies the annotations.
  common::MutexLock lock(impl->write_mutex);
  TESSERA_ASSIGN_OR_RETURN(impl->write_db, SqliteDb::Open(db_path));
  SqliteDb& db = impl->write_db;
  TESSERA_ASSIGN_OR_RETURN(const std::string mode, db.QueryText("PRAGMA journal_mode = WAL"));
  if (mode != "wal") {
    return common::IOError("journal_mode=WAL " + db_path, "SQLite kept mode '" + mode + "'");
  }
  TESSERA_RETURN_IF_ERROR(ConfigureConnection(db));
  TESSERA_RETURN_IF_ERROR(ApplySchema(db, log).WithContext(db_path));
  {
    TESSERA_ASSIGN_OR_RETURN(SqliteStmt stmt,
                             db.Prepare("SELECT value FROM meta WHERE key = 'epoch'"));
    TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return common::Corruption(db_path + ": journal has no epoch");
    impl->epoch = std::string(stmt.ColumnText(0));
  }
  TESSERA_ASSIGN_OR_RETURN(impl->write, PrepareWriteStatements(db));
  log.Info("journal", "opened " + db_path + " (epoch " + impl->epoch + ")");
  return std::unique_ptr<SqliteJournalStore>(new SqliteJournalStore(std::move(impl)));
}

SqliteJournalStore::SqliteJournalStore(std::unique_ptr<StoreImpl> impl) : impl_(std::move(impl)) {}
SqliteJournalStore::~SqliteJournalStore() = default;

const std::string& SqliteJournalStore::epoch() const { return impl_->epoch; }

Result<std::optional<uint64_t>> SqliteJournalStore::FindNamespace(std::string_view name) {
  TESSERA_ASSIGN_OR_RETURN(auto reader, impl_->LeaseReader());
  return SelectNamespace(reader->select_namespace, name);
}

Result<uint64_t> SqliteJournalStore::CreateNamespace(std::string_view name) {
  common::MutexLock lock(impl_->write_mutex);
  WriteStatements& w = impl_->write;
  {
    auto use = w.insert_namespace.Use();
    TESSERA_RETURN_IF_ERROR(w.insert_namespace.BindText(1, name));
    TESSERA_RETURN_IF_ERROR(w.insert_namespace.Run());
  }
  TESSERA_ASSIGN_OR_RETURN(const std::optional<uint64_t> nsid,
                           SelectNamespace(w.select_namespace, name));
  if (!nsid.has_value()) return common::IOError("create namespace", std::string(name));
  return *nsid;
}

Result<std::unique_ptr<JournalWrite>> SqliteJournalStore::BeginWrite(uint64_t nsid) {
  return BeginSqliteWrite(*impl_, nsid);
}

Result<std::unique_ptr<JournalSnapshot>> SqliteJournalStore::BeginRead(uint64_t nsid) {
  return BeginSqliteSnapshot(*impl_, nsid);
}

}  // namespace tessera::metaserver::journal::sqlite
