-- Deletes held by the mass-delete guard (daemon/syncer/delete_guard.h): `incoming` 0 for a
-- delete made here and not sent, 1 for a journal delete not applied here. A held path is left
-- out of the dirty (resp. pending) paths the syncer plans, until `tessera resume` confirms it
-- (confirmed = 1: it goes through) or restores it (the row goes).
CREATE TABLE held_deletes (
  path       TEXT PRIMARY KEY,
  incoming   INTEGER NOT NULL CHECK (incoming IN (0, 1)),
  confirmed  INTEGER NOT NULL DEFAULT 0 CHECK (confirmed IN (0, 1))
) STRICT;
