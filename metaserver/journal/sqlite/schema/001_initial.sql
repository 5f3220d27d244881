-- metaserver/journal/schema/001_initial.sql: the server file journal, version 1.
-- Applied in one transaction by journal/schema.cc, which then sets PRAGMA user_version = 1.
-- Invariants the Journal keeps (and the constraints below check where SQL can):
--   * JIDs are strictly increasing per namespace: a commit assigns head_jid + 1, + 2, ...
--     and stores the new head_jid in the same transaction. Nothing is ever updated in
--     `entries` or deleted from it: history and restore come from it.
--   * `latest` holds exactly one row per (nsid, path) that has any entry: the greatest JID of
--     that path. It is written in the same transaction as the entry it points to.

-- Key/value facts about this database. 'epoch' is random, made once when the file is created;
-- a client that sees it change knows its cursors mean nothing here.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
INSERT INTO meta (key, value) VALUES ('epoch', lower(hex(randomblob(16))));

CREATE TABLE namespaces (
  nsid     INTEGER PRIMARY KEY,
  -- [A-Za-z0-9._-]{1,64}, checked by the server before it gets here
  name     TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
  -- the greatest JID committed in this namespace; 0 when empty
  head_jid INTEGER NOT NULL DEFAULT 0 CHECK (head_jid >= 0)
) STRICT;

-- One version of one path. Never updated, never deleted.
CREATE TABLE entries (
  nsid           INTEGER NOT NULL REFERENCES namespaces (nsid),
  jid            INTEGER NOT NULL CHECK (jid > 0),
  path           TEXT NOT NULL CHECK (length(path) > 0),
  -- 0 file, 1 dir, 2 symlink, 3 deleted (tombstone); see journal/entry_codec.h
  kind           INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 3),
  size           INTEGER NOT NULL CHECK (size >= 0),
  mtime_ns       INTEGER NOT NULL,
  mode           INTEGER NOT NULL CHECK (mode BETWEEN 0 AND 4095),
  symlink_target TEXT NOT NULL DEFAULT '',
  -- kind = file: the block list in the compact binary form of journal/blocklist_codec.h
  -- (32-byte ids + varint sizes); NULL for every other kind
  blocklist      BLOB CHECK ((kind = 0) = (blocklist IS NOT NULL)),
  device         TEXT NOT NULL,
  -- server wall clock at commit, milliseconds since the Unix epoch (informational only)
  committed_at   INTEGER NOT NULL,
  PRIMARY KEY (nsid, jid)
) STRICT;

-- History(nsid, path): every version of a path in JID order.
CREATE INDEX entries_by_path ON entries (nsid, path, jid);

-- At most one row per (nsid, path): the path's latest entry (possibly a tombstone).
CREATE TABLE latest (
  nsid INTEGER NOT NULL,
  path TEXT NOT NULL,
  jid  INTEGER NOT NULL,
  PRIMARY KEY (nsid, path),
  FOREIGN KEY (nsid, jid) REFERENCES entries (nsid, jid)
) STRICT, WITHOUT ROWID;
