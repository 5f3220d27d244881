
-- Tags, and a semicolon in a comment; and a quote '
CREATE TABLE tags (
  note INTEGER NOT NULL REFERENCES notes(id),
  tag  TEXT NOT NULL
) STRICT;
