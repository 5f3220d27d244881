-- metaserver/journal/schema/003_moves.sql: subtree moves (issue 4).
SELECT 1;
