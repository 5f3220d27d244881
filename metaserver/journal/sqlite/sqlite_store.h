// metaserver/journal/sqlite/sqlite_store.h
//
// SqliteJournalStore: the JournalStore (journal_store.h) in one SQLite file, the embedded
// default. Schema in schema/*.sql (schema.h): WAL mode, synchronous=FULL (a commit that
// returned OK survives power loss), STRICT tables, foreign keys on; a file written by an older
// server is upgraded in place, one written by a newer one is refused.
//
// Thread-safe. Writes go through one connection, serialized: a JournalWrite holds the store's
// write lock for its life. Snapshots use a small pool of separate read-only connections (WAL
// lets them run beside a write). Every statement is prepared once per connection.
#pragma once

#include <memory>
#include <string>

#include "common/log.h"
#include "common/result.h"
#include "metaserver/journal/journal_store.h"

namespace tessera::metaserver::journal::sqlite {

struct StoreImpl;  // store_impl.h

class SqliteJournalStore final : public JournalStore {
 public:
  // Opens or creates the journal database at `db_path` (its directory must exist). IOError when
  // the file cannot be opened, InvalidArgument when it is not a Tessera journal or has a newer
  // schema, Corruption when SQLite says so. `log` must outlive the store.
  static common::Result<std::unique_ptr<SqliteJournalStore>> Open(const std::string& db_path,
                                                                  common::Logger& log);
  ~SqliteJournalStore() override;
  SqliteJournalStore(const SqliteJournalStore&) = delete;
  SqliteJournalStore& operator=(const SqliteJournalStore&) = delete;

  const std::string& epoch() const override;
  common::Result<std::optional<uint64_t>> FindNamespace(std::string_view name) override;
  // InvalidArgument when SQLite's CHECK refuses the name (namespace_name.h is stricter).
  common::Result<uint64_t> CreateNamespace(std::string_view name) override;
  common::Result<std::unique_ptr<JournalWrite>> BeginWrite(uint64_t nsid) override;
  common::Result<std::unique_ptr<JournalSnapshot>> BeginRead(uint64_t nsid) override;

 private:
  explicit SqliteJournalStore(std::unique_ptr<StoreImpl> impl);
  std::unique_ptr<StoreImpl> impl_;
};

}  // namespace tessera::metaserver::journal::sqlite
