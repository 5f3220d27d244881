-- metaserver/journal/schema/002_blocklist_deltas.sql: compact storage of blocklists (issue 4).
-- A file entry's `blocklist` may now hold, instead of its full list (format version 1), a delta
-- against an earlier entry of the same namespace (format version 2, journal/blocklist_codec.h):
-- "keep P leading and S trailing blocks of entry B's list, put these blocks between". B is
-- named inside the blob, by JID only (never by path), so a copy of the row under another path
-- or JID (a subtree move) stays valid. Invariants the Journal keeps:
--   * a delta's base is an older file entry of the same namespace; entries are never deleted,
--     so a base never disappears;
--   * a chain holds at most 15 deltas above a full list (journal/blocklist_store.h), so reading
--     any version costs at most 16 rows.
-- `blocklist_base` repeats the blob's base JID for SQL's eyes (storage accounting, tooling);
-- NULL for a full list. Readers go by the blob.
ALTER TABLE entries ADD COLUMN blocklist_base INTEGER
  CHECK (blocklist_base IS NULL OR (blocklist_base > 0 AND blocklist_base < jid));
