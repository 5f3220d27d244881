
-- The inode a path's local version had when it was last seen, kept once it vanished (kind
-- NULL): a new directory with the same inode is the old one renamed. 0 otherwise.
ALTER TABLE files ADD COLUMN gone_inode INTEGER NOT NULL DEFAULT 0;
CREATE INDEX files_by_gone_inode ON files(gone_inode) WHERE gone_inode <> 0;
-- A pending move entry: the old directory and how many journal entries it stands for (the
-- daemon derives them, or lists them when it cannot apply the move as a rename).
ALTER TABLE remote_pending ADD COLUMN moved_from TEXT NOT NULL DEFAULT '';
ALTER TABLE remote_pending ADD COLUMN covers INTEGER NOT NULL DEFAULT 0;
