#include "daemon/index/schema.h"

#include <memory>
#include <string>

#include "daemon/index/block_locations.h"

namespace tessera::daemon::index {
namespace {

// Each entry is one migration; never edit a shipped one, append a new one.
constexpr const char* kMigrations[] = {
    // 1: the initial schema.
    R"sql(
-- Which root and namespace this state dir belongs to; one row per key.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- One row per path the daemon knows about, locally or remotely.
-- "base" is the last version known to be both on disk and in the journal (at JID `jid`);
-- base_kind = 'deleted' with jid > 0 is a tombstone base; base_kind NULL means no base.
-- The unprefixed columns are the local observed version (kind NULL: absent on disk).
-- Invariant: state = 'dirty' whenever the local version may differ from base and has not been
-- reconciled yet; the syncer clears it only after acting (and recording the new base).
CREATE TABLE files (
  path           TEXT PRIMARY KEY,
  jid            INTEGER NOT NULL DEFAULT 0,
  base_kind      TEXT CHECK (base_kind IN ('file','dir','symlink','deleted')),
  base_size      INTEGER NOT NULL DEFAULT 0,
  base_exec      INTEGER NOT NULL DEFAULT 0,
  base_target    TEXT NOT NULL DEFAULT '',
  base_blocks    BLOB NOT NULL DEFAULT x'',
  base_mtime_ns  INTEGER NOT NULL DEFAULT 0,
  kind           TEXT CHECK (kind IN ('file','dir','symlink')),
  format         TEXT CHECK (format IN ('text','binary')),
  modified       INTEGER NOT NULL DEFAULT 0,   -- mtime, ns since the epoch
  size           INTEGER NOT NULL DEFAULT 0,
  is_symlink     INTEGER NOT NULL DEFAULT 0,
  mode           INTEGER NOT NULL DEFAULT 0,
  inode          INTEGER NOT NULL DEFAULT 0,
  symlink_target TEXT NOT NULL DEFAULT '',
  blocks         BLOB NOT NULL DEFAULT x'',    -- 36 bytes a block: id, size (LE u32)
  checksum       TEXT NOT NULL DEFAULT '',     -- SHA-256 hex of `blocks` (the blocklist)
  hashed_at_ns   INTEGER NOT NULL DEFAULT 0,   -- when `blocks` was computed
  state          TEXT NOT NULL DEFAULT 'synced' CHECK (state IN ('synced','dirty','error')),
  error          TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX files_by_state ON files(state) WHERE state <> 'synced';

-- Where each block of a local file sits, to rebuild other files without downloading.
-- Rows follow files.blocks exactly (rewritten with it).
CREATE TABLE block_locations (
  id      BLOB NOT NULL,
  path    TEXT NOT NULL REFERENCES files(path) ON DELETE CASCADE,
  offset  INTEGER NOT NULL,
  size    INTEGER NOT NULL
) STRICT;
CREATE INDEX block_locations_by_id ON block_locations(id);
CREATE INDEX block_locations_by_path ON block_locations(path);

-- Journal entries listed but not applied yet: at most one (the newest) per path.
-- Invariant: written in the same transaction that advances ns_state.cursor past them.
CREATE TABLE remote_pending (
  path           TEXT PRIMARY KEY,
  jid            INTEGER NOT NULL,
  kind           TEXT NOT NULL CHECK (kind IN ('file','dir','symlink','deleted')),
  size           INTEGER NOT NULL,
  mtime_ns       INTEGER NOT NULL,
  mode           INTEGER NOT NULL,
  symlink_target TEXT NOT NULL,
  blocks         BLOB NOT NULL,
  device         TEXT NOT NULL
) STRICT;

-- The journal position per namespace: every entry with JID <= cursor is in remote_pending or
-- applied; epoch identifies the journal (a different one means it was reset).
CREATE TABLE ns_state (
  ns      TEXT PRIMARY KEY,
  cursor  INTEGER NOT NULL DEFAULT 0,
  epoch   TEXT NOT NULL DEFAULT ''
) STRICT;

-- Numbers and strings for `tessera status`: counters ('conflicts', ...), 'connected',
-- 'last_error'.
CREATE TABLE status (
  key    TEXT PRIMARY KEY,
  value  ANY
) STRICT;
)sql",
    // 2: subtree moves (daemon/syncer/moves.cc, docs/sync.md).
    R"sql(
-- The inode a path's local version had when it was last seen, kept once it vanished (kind
-- NULL): a new directory with the same inode is the old one renamed. 0 otherwise.
ALTER TABLE files ADD COLUMN gone_inode INTEGER NOT NULL DEFAULT 0;
CREATE INDEX files_by_gone_inode ON files(gone_inode) WHERE gone_inode <> 0;
-- A pending move entry: the old directory and how many journal entries it stands for (the
-- daemon derives them, or lists them when it cannot apply the move as a rename).
ALTER TABLE remote_pending ADD COLUMN moved_from TEXT NOT NULL DEFAULT '';
ALTER TABLE remote_pending ADD COLUMN covers INTEGER NOT NULL DEFAULT 0;
)sql",
    // 3: block locations found through an index on the id's first 8 bytes only, without the
    // index by path and the cascade (daemon/index/block_locations.h): the 32-byte id index and
    // the path index made up most of the table's cost in an initial sync. Migrate() refills
    // the table from files.blocks.
    R"sql(
DROP TABLE block_locations;
CREATE TABLE block_locations (
  id      BLOB NOT NULL,
  path    TEXT NOT NULL,
  offset  INTEGER NOT NULL,
  size    INTEGER NOT NULL
) STRICT;
CREATE INDEX block_locations_by_prefix ON block_locations(substr(id, 1, 8));
)sql",
};
constexpr int64_t kBlockLocationsRebuilt = 3;  // the migration after which the table is refilled

common::Result<int64_t> PragmaInt(SqliteDb& db, const char* pragma) {
  TESSERA_ASSIGN_OR_RETURN(auto stmt, SqliteStmt::Prepare(db, std::string("PRAGMA ") + pragma));
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return common::IOError("sqlite pragma", pragma);
  return stmt->Int(0);
}

common::Status CheckIdentity(SqliteDb& db, int64_t* version) {
  TESSERA_ASSIGN_OR_RETURN(const int64_t app, PragmaInt(db, "application_id"));
  TESSERA_ASSIGN_OR_RETURN(*version, PragmaInt(db, "user_version"));
  if (app != 0 && app != kApplicationId) {
    return common::InvalidArgument("not a Tessera index (application_id " + std::to_string(app) +
                                   ")");
  }
  if (*version > kSchemaVersion) {
    return common::InvalidArgument("index schema " + std::to_string(*version) +
                                   " is newer than this build (" + std::to_string(kSchemaVersion) +
                                   ")");
  }
  return common::Status::Ok();
}

}  // namespace

common::Status Migrate(SqliteDb& db) {
  // A 4 MiB page cache (SQLite's default is 2 MiB): a download group's rows and block
  // locations then fit, instead of spilling pages to the WAL again and again (W1 on loopback:
  // 25 s -> 19-22 s), within the daemon's memory budget.
  TESSERA_RETURN_IF_ERROR(
      db.Exec("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; "
              "PRAGMA synchronous=FULL; PRAGMA cache_size=-4096; PRAGMA temp_store=MEMORY;"));
  int64_t version = 0;
  TESSERA_RETURN_IF_ERROR(CheckIdentity(db, &version));
  if (version == kSchemaVersion) return common::Status::Ok();
  TESSERA_ASSIGN_OR_RETURN(auto txn, SqliteTxn::Begin(db));
  for (int64_t v = version; v < kSchemaVersion; ++v) {
    TESSERA_RETURN_IF_ERROR(db.Exec(kMigrations[v]));
  }
  if (version > 0 && version < kBlockLocationsRebuilt) {
    TESSERA_RETURN_IF_ERROR(FillBlockLocations(db));
  }
  TESSERA_RETURN_IF_ERROR(db.Exec("PRAGMA application_id=" + std::to_string(kApplicationId) +
                                  "; PRAGMA user_version=" + std::to_string(kSchemaVersion)));
  return txn->Commit();
}

common::Status CheckReadable(SqliteDb& db) {
  int64_t version = 0;
  TESSERA_RETURN_IF_ERROR(CheckIdentity(db, &version));
  // Version 0 is a file the daemon has created but not yet set up (it does so in one
  // transaction right after): a reader should try again, not report damage.
  if (version == 0) return common::Unavailable("index is being created");
  if (version != kSchemaVersion) {
    return common::InvalidArgument("index schema " + std::to_string(version) + " not current");
  }
  return common::Status::Ok();
}

}  // namespace tessera::daemon::index
