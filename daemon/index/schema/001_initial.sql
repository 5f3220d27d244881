
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
