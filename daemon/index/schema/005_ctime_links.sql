-- The local version's status change time (st_ctim; no tool can set it back, so an edit that
-- restores size and mtime still moves it) and link count (st_nlink: names sharing the inode
-- are one file, daemon/scanner/scanner.h). 0 in rows written before: unknown, so the scanner
-- hashes such a file once more and then records them.
ALTER TABLE files ADD COLUMN ctime_ns INTEGER NOT NULL DEFAULT 0;
ALTER TABLE files ADD COLUMN nlink INTEGER NOT NULL DEFAULT 0;
-- The other names of a hard-linked file, found by inode. Partial: only rows with more than
-- one link are in it, so ordinary files cost it nothing.
CREATE INDEX files_by_linked_inode ON files(inode) WHERE nlink > 1;
