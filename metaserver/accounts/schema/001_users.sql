-- metaserver/accounts/schema/001_users.sql: the metaserver's accounts, version 1.
-- accounts.db lives beside journal.db in the data directory; admin commands open it while
-- the server runs (WAL mode and a busy timeout let them share it).

-- One row per user. Names are checked by the server before they get here
-- (metaserver/accounts/user_name.h); the constraints repeat what SQL can say.
CREATE TABLE users (
  name           TEXT PRIMARY KEY CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 64),
  -- the encoded Argon2id string, parameters included: $argon2id$v=19$m=...,t=...,p=...$salt$hash
  password_hash  TEXT NOT NULL CHECK (substr(password_hash, 1, 10) = '$argon2id$'),
  -- the raw TOTP key (RFC 6238, HMAC-SHA-1); shown once, base32, when the user is added
  totp_secret    BLOB NOT NULL CHECK (length(totp_secret) BETWEEN 16 AND 64),
  -- the newest TOTP time step a code was accepted for; a code for this step or an older one
  -- is a replay and refused. NULL: no code accepted yet.
  totp_last_step INTEGER CHECK (totp_last_step >= 0),
  -- when the user was added, Unix seconds
  created_at     INTEGER NOT NULL
) STRICT;
