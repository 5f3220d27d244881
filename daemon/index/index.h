// daemon/index/index.h
//
// Index: the daemon's local SQLite database in the state dir (schema in schema.cc) — the
// crash-safe record of what is on disk, what was last synced, what the journal said and what is
// left to do. Every step the syncer takes is recorded here, so a restart resumes where it
// stopped. Not thread-safe: owned by the syncer thread (or by `tessera status`, read-only).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/block_id.h"
#include "common/result.h"
#include "daemon/reconcile/file_version.h"

namespace tessera::daemon::index {

enum class SyncState { kSynced, kDirty, kError };

// What lstat + hashing saw for the local version (meaningful when FileRow::local is set).
struct LocalStat {
  uint64_t inode = 0;
  uint32_t mode = 0;  // full st_mode permission bits
  int64_t mtime_ns = 0;
  uint64_t size = 0;
  int64_t hashed_at_ns = 0;  // wall-clock time of the hash; 0 for dirs/symlinks
  std::string format;        // "text" | "binary" | "" (not a file)
  // st_ctim and st_nlink as seen; 0 when unknown (rows written before schema 5): the scanner
  // then looks at the file again once (daemon/scanner/scanner.h).
  int64_t ctime_ns = 0;
  uint64_t nlink = 0;
  bool operator==(const LocalStat&) const = default;
};

struct FileRow {
  std::string path;
  uint64_t base_jid = 0;             // JID of the base; 0 = never synced
  std::optional<FileVersion> base;   // nullopt: no base, or a tombstone when base_jid > 0
  std::optional<FileVersion> local;  // nullopt: absent on disk
  LocalStat stat;
  SyncState state = SyncState::kSynced;
  std::string error;  // kError: why the server refused it
  // Read-only (Put maintains it): the inode the local version had when it vanished, while it
  // stays absent; 0 when present or never seen. Finds a renamed directory
  // (daemon/syncer/move_applier.cc).
  uint64_t gone_inode = 0;
};

// A journal entry listed but not applied yet.
struct PendingEntry {
  std::string path;
  uint64_t jid = 0;
  std::optional<FileVersion> version;  // nullopt: tombstone
  uint32_t mode = 0644;
  std::string device;
  // A subtree move (JournalEntry::moved_from/covers): `path` is the new directory, the journal
  // entries jid+1 .. jid+covers are its copies and tombstones, not listed. 0 / empty otherwise.
  std::string moved_from;
  uint64_t covers = 0;
};

struct BlockLocation {
  std::string path;
  uint64_t offset = 0;
  uint32_t size = 0;
};

struct NsState {
  uint64_t cursor = 0;
  std::string epoch;
};

struct StatusSnapshot {
  bool connected = false;
  uint64_t cursor = 0;
  uint64_t upload_pending_files = 0;
  uint64_t upload_pending_bytes = 0;
  uint64_t download_pending_files = 0;
  uint64_t download_pending_bytes = 0;
  uint64_t conflicts = 0;  // conflicted copies made here (events, not errors)
  // Paths that cannot sync now: errors = refused + skipped + failing.
  uint64_t errors = 0;
  uint64_t refused = 0;        // paths the server refused, or refused here as unsafe
  uint64_t skipped = 0;        // names the last full scan could not sync (skipped_names)
  uint64_t failing = 0;        // paths whose step failed in the last pass (a full disk, I/O)
  uint64_t held_outgoing = 0;  // deletes made here, held by the mass-delete guard
  uint64_t held_incoming = 0;  // deletes from the journal, held likewise
  std::string paused;          // "" or why the folder is not synced now (RootGuard)
  std::string warning;         // "" or what the user should know (another desktop of this name)
  std::string last_error;
  std::string skipped_names;  // "" or what the last full scan could not sync (Scanner)
  std::string root;
  std::string ns;
};

// What the mass-delete guard weighs (daemon/syncer/delete_guard.h). Files and symlinks are
// counted, not directories.
struct DeleteCounts {
  uint64_t files = 0;          // with a live base: the folder's files as last synced
  uint64_t outgoing = 0;       // deleted here (dirty, absent, live base), not yet confirmed
  uint64_t incoming = 0;       // a journal delete pending for a file present here, not confirmed
  uint64_t held_outgoing = 0;  // of `outgoing`, held (unconfirmed)
  uint64_t held_incoming = 0;  // of `incoming`, held (unconfirmed)
};

// Blocklists are stored compactly: 36 bytes a block (32-byte id, little-endian u32 size).
std::string EncodeBlocks(const std::vector<common::wire::BlockRef>& blocks);
common::Result<std::vector<common::wire::BlockRef>> DecodeBlocks(std::string_view blob);

class Index {
 public:
  // Opens or creates the index at `db_path` and migrates it.
  static common::Result<std::unique_ptr<Index>> Open(const std::string& db_path);
  // Opens an existing index read-only (for `tessera status`; works while a daemon writes).
  // Unavailable while a starting daemon has created the file but not yet its schema.
  static common::Result<std::unique_ptr<Index>> OpenReadOnly(const std::string& db_path);
  ~Index();
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  // Records which root and namespace this index belongs to on first use; InvalidArgument when
  // it already belongs to a different one (a state dir serves one folder).
  common::Status BindIdentity(const std::string& root, const std::string& ns);

  // Runs `body` in one transaction: all its writes land, or none.
  // Calls may nest: an inner call is a savepoint inside the outer transaction.
  common::Status InTransaction(const std::function<common::Status()>& body);

  common::Result<std::optional<FileRow>> Get(const std::string& path);
  // Inserts or replaces the row (and its block locations). A row with no base JID, no base and
  // no local version is deleted instead.
  common::Status Put(const FileRow& row);
  common::Status Remove(const std::string& path);
  // Paths (sorted) whose local version is present. Loads them all: tests and small trees only;
  // the scanner pages with LocalPathsPage.
  common::Result<std::vector<std::string>> LocalPaths();
  // One page of the paths (sorted) whose local version is present: `dir` itself or under "dir/"
  // (`dir` empty: the whole tree), sorting after `after` ("": from the first), at most `limit`.
  // Called again with `after` = the last path returned, it walks the set in bounded memory, and
  // rows written between calls do not make it skip or repeat a path.
  common::Result<std::vector<std::string>> LocalPathsPage(const std::string& dir,
                                                          const std::string& after, size_t limit);
  // One page of the paths (sorted) of every row under "dir/" (not `dir` itself), sorting after
  // `after`, at most `limit`; paged like LocalPathsPage.
  common::Result<std::vector<std::string>> PathsUnderPage(const std::string& dir,
                                                          const std::string& after, size_t limit);
  // One page of the paths (sorted) under "dir/" (not `dir` itself) whose base is live (the
  // server held them when last synced: not absent, not a tombstone), at most `limit`.
  common::Result<std::vector<std::string>> LiveBasesUnder(const std::string& dir, size_t limit);
  // Paths in state 'dirty', at most `limit`.
  common::Result<std::vector<std::string>> DirtyPaths(size_t limit);

  // Journal position.
  common::Result<NsState> GetNs(const std::string& ns);
  // Stores one listed page: entries newer than the path's base JID and its pending entry go to
  // remote_pending (replacing the older pending entry), and the cursor/epoch advance —
  // atomically.
  common::Status StorePage(const std::string& ns, const std::vector<PendingEntry>& entries,
                           uint64_t cursor, const std::string& epoch);
  // The journal was reset or replaced: forget every base and pending entry, mark every local
  // file dirty (nothing local is deleted), set cursor 0 and the new epoch.
  common::Status ResetJournal(const std::string& ns, const std::string& epoch);
  common::Result<std::optional<PendingEntry>> GetPending(const std::string& path);
  common::Status RemovePending(const std::string& path);
  common::Result<std::vector<std::string>> PendingPaths(size_t limit);
  // Whether a remote entry for a path under "dir/" is still waiting to be applied.
  common::Result<bool> HasPendingUnder(const std::string& dir);

  // Subtree moves (daemon/syncer/move_applier.cc):
  // Pending move entries (covers > 0), oldest first, at most `limit`.
  common::Result<std::vector<std::string>> PendingMovePaths(size_t limit);
  // Turns the pending move at `path` into an ordinary directory entry (its covered entries are
  // then listed and stored with StoreListedEntries).
  common::Status ClearPendingMove(const std::string& path);
  // Stores entries listed again for a move (no cursor change): each only when newer than the
  // path's base JID and than its pending entry, so nothing newer is ever replaced.
  common::Status StoreListedEntries(const std::vector<PendingEntry>& entries);
  // Dirty rows whose local version is a directory and that have no live base (new locally),
  // sorted, at most `limit`: the candidates for the new name of a renamed directory.
  common::Result<std::vector<std::string>> NewLocalDirs(size_t limit);
  // Rows whose local version vanished while their base is a directory, that had `inode`.
  common::Result<std::vector<std::string>> VanishedDirs(uint64_t inode);

  // Hard links (daemon/scanner/scanner.h): the paths, sorted, at most `limit`, of present
  // files recorded with `inode` and more than one link (through an index of those rows only),
  // or with `any_links` of every present file recorded with `inode` (a full table scan: for a
  // link count that just changed, when the other names may still be recorded with one link).
  common::Result<std::vector<std::string>> LinkedPaths(uint64_t inode, bool any_links,
                                                       size_t limit);

  // Up to `limit` local places holding block `id`.
  common::Result<std::vector<BlockLocation>> FindBlock(const common::BlockId& id, size_t limit);

  // The mass-delete guard's held deletes (index_held.cc; daemon/syncer/delete_guard.h). A held,
  // unconfirmed path is left out of DirtyPaths (outgoing) while it is absent here, or out of
  // PendingPaths (incoming) while its pending entry is a delete.
  common::Result<DeleteCounts> CountDeletes();
  // Holds these paths' deletes (of one direction); already held ones are left as they are.
  common::Status HoldDeletes(const std::vector<std::string>& paths, bool incoming);
  // Whether `path`'s delete (of that direction) was held and then confirmed.
  common::Result<bool> DeleteConfirmed(const std::string& path, bool incoming);
  // Forgets the held rows whose path is no longer a delete of their direction (the file came
  // back, the delete went out or was applied, or another entry replaced it).
  common::Status PruneHeld();
  // Lets every unconfirmed held delete of that direction go through the guard again (the
  // delete is no mass delete any more); returns how many.
  common::Result<uint64_t> ReleaseHeld(bool incoming);
  // Held deletes not confirmed yet, both directions.
  common::Result<uint64_t> HeldCount();
  // `tessera resume --confirm-deletes`: every held delete is confirmed; returns how many.
  common::Result<uint64_t> ConfirmHeldDeletes();
  // `tessera resume --restore`: every held delete is undone instead; returns how many. A file
  // deleted here becomes a pending entry of its base (downloaded again, as a new desktop would);
  // a file present here whose journal delete is pending gets that delete as its base and is
  // dirty (uploaded again, as new).
  common::Result<uint64_t> RestoreHeldDeletes();

  // Identity values of the state dir (the meta table, beside root and namespace).
  common::Result<std::optional<std::string>> GetMeta(const std::string& key);
  common::Status SetMeta(const std::string& key, const std::string& value);

  // Status values.
  // Removes `key`; whether it was there (a request `tessera resume` left for the daemon).
  common::Result<bool> TakeValue(const std::string& key);
  common::Status AddCounter(const std::string& key, int64_t delta);
  common::Status SetValue(const std::string& key, const std::string& value);
  // Sets `key` to "" if it holds `value` (an error whose condition ended, say).
  common::Status ClearValueIf(const std::string& key, const std::string& value);
  common::Result<StatusSnapshot> Snapshot(const std::string& ns);

 private:
  struct Impl;
  explicit Index(std::unique_ptr<Impl> impl);
  // Rewrites `path`'s block_locations rows from one blocklist blob to another.
  common::Status UpdateLocations(std::string_view path, std::string_view old_blocks,
                                 std::string_view new_blocks);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::daemon::index
