-- A test schema for tests/common/migrations_test.cc.
CREATE TABLE notes (
  id   INTEGER PRIMARY KEY,
  body TEXT NOT NULL
) STRICT;
