
DROP TABLE block_locations;
CREATE TABLE block_locations (
  id      BLOB NOT NULL,
  path    TEXT NOT NULL,
  offset  INTEGER NOT NULL,
  size    INTEGER NOT NULL
) STRICT;
CREATE INDEX block_locations_by_prefix ON block_locations(substr(id, 1, 8));
