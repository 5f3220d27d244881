-- metaserver/journal/schema/003_moves.sql: subtree moves (issue 4; journal/journal_move.cc).
-- A move of directory F to T is ONE transaction writing, with consecutive JIDs M, M+1, ...:
--   M            the move entry: T as a directory (F's kind/mode/mtime), moved_from = F,
--                covers = K (the number of entries that follow and belong to the move)
--   M+1 .. M+N   for every live path F/s (s in bytewise order): a copy of its latest entry
--                row as T/s (same content columns, so no block is uploaded or re-listed)
--   M+N+1        a tombstone for F
--   M+N+2 ..     a tombstone for every F/s, in the same order           (K = 2N + 1)
-- Every other entry has moved_from NULL and covers 0.
ALTER TABLE entries ADD COLUMN moved_from TEXT;
ALTER TABLE entries ADD COLUMN covers INTEGER NOT NULL DEFAULT 0 CHECK (covers >= 0);
-- Finding the next move after a cursor (list?moves=1) without scanning every entry.
CREATE INDEX entries_moves ON entries (nsid, jid) WHERE covers > 0;
