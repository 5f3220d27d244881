// metaserver/journal/journal_store.h
//
// JournalStore: where the journal keeps its entries, and nothing else. It stores and reads
// namespaces, entries (journal types, types.h), each path's latest entry and each namespace's
// head; it knows no commit or move rule. Journal (journal.h) applies the rules over it, so a
// second store (PostgreSQL) implements only this file. The SQLite store is
// journal/sqlite/sqlite_store.h.
//
// Reads run in a JournalSnapshot: one consistent view of one namespace. Writes run in a
// JournalWrite: one transaction on one namespace, holding the store's write lock from
// BeginWrite until it is destroyed (so at most one is open at a time, store-wide); nothing it
// did is visible to anyone, or survives, unless Commit() returned OK.
//
// Thread-safety: JournalStore is thread-safe. A JournalWrite or JournalSnapshot belongs to the
// thread that began it, and must be destroyed before the store. Errors: IOError/Corruption from
// the storage as it reports them; the NotFound/InvalidArgument cases are named per call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "metaserver/journal/types.h"

namespace tessera::metaserver::journal {

// Calls shared by writes and snapshots: reads of the namespace the transaction was begun on.
class JournalReads {
 public:
  virtual ~JournalReads() = default;

  // The namespace's head (its greatest JID, 0 when empty) as this transaction sees it; for a
  // write, as SetHead last set it.
  virtual uint64_t head() const = 0;

  // The latest entry of `path` (possibly a tombstone), or nullopt when the path has none.
  virtual common::Result<std::optional<PathState>> Latest(std::string_view path) = 0;

  // The full blocklist of entry `jid`. NotFound when there is no such entry, InvalidArgument
  // when it is not a file, Corruption when what is stored does not resolve.
  virtual common::Result<ResolvedBlocklist> Blocklist(uint64_t jid) = 0;

  // The live paths strictly under `dir` + "/" (whose latest entry is not a tombstone) with
  // their latest JIDs, in bytewise path order, at most `limit`.
  virtual common::Result<std::vector<LivePath>> LiveUnder(std::string_view dir, size_t limit) = 0;
};

class JournalWrite : public JournalReads {
 public:
  // Not committed: nothing of it was written.
  ~JournalWrite() override = default;

  // Appends entry `jid` of `meta` (blocks stored in `stored`'s form, for files) and makes it
  // its path's latest entry. REQUIRES: jid > every JID of the namespace so far, and for a
  // stored delta, a base that is an older file entry of the namespace (the caller's rules).
  virtual common::Status Append(uint64_t jid, const FileMeta& meta, const StoredForm& stored,
                                const Authorship& by) = 0;

  // Appends entry `jid` for `path` with the content (kind, size, mtime, mode, symlink target,
  // stored blocklist) of entry `source_jid`, with `moved_from`/`covers` (move_rules.h), and
  // makes it the path's latest. REQUIRES as Append; `source_jid` is an entry of the namespace.
  virtual common::Status AppendCopy(uint64_t source_jid, uint64_t jid, std::string_view path,
                                    const Authorship& by, std::string_view moved_from,
                                    uint64_t covers) = 0;

  // Sets the namespace's head. REQUIRES: `head` is the greatest JID appended.
  virtual common::Status SetHead(uint64_t head) = 0;

  // Makes everything appended durable at once. Once it returns OK the transaction is spent;
  // on failure nothing was written.
  virtual common::Status Commit() = 0;
};

class JournalSnapshot : public JournalReads {
 public:
  // Entries with JID > `after`, ascending, at most `limit`, with full blocklists.
  virtual common::Result<std::vector<Entry>> EntriesAfter(uint64_t after, size_t limit) = 0;

  // The entries of `path` with JID > `after`, ascending, at most `limit`, full blocklists.
  virtual common::Result<std::vector<Entry>> PathEntriesAfter(std::string_view path, uint64_t after,
                                                              size_t limit) = 0;

  // Entry `jid` with its full blocklist, or nullopt when there is none.
  virtual common::Result<std::optional<Entry>> EntryAt(uint64_t jid) = 0;

  // The newest entry of `path` with JID <= `at` (possibly a tombstone), full blocklist, or
  // nullopt when there is none.
  virtual common::Result<std::optional<Entry>> PathEntryAt(std::string_view path, uint64_t at) = 0;

  // The newest entry of `path` with JID < `before`: its JID and kind, or nullopt.
  virtual common::Result<std::optional<PathState>> PreviousOfPath(std::string_view path,
                                                                  uint64_t before) = 0;

  // The tree under `dir` as of JID `at`: for every path strictly under `dir` + "/" (every path
  // of the namespace when `dir` is empty), its newest entry with JID <= `at`, unless that is a
  // tombstone; only direct children of `dir` when `children_only`. In bytewise path order,
  // paths after `after_path` only, at most `limit`, full blocklists.
  virtual common::Result<std::vector<Entry>> TreeAt(std::string_view dir, uint64_t at,
                                                    std::string_view after_path, size_t limit,
                                                    bool children_only) = 0;
};

class JournalStore {
 public:
  virtual ~JournalStore() = default;

  // A random string made when the storage was created, constant for its life: a client that
  // sees it change knows its cursors mean nothing here.
  virtual const std::string& epoch() const = 0;

  // The id of namespace `name`, or nullopt when there is none. The caller validated the name.
  virtual common::Result<std::optional<uint64_t>> FindNamespace(std::string_view name) = 0;
  // The id of namespace `name`, created (empty, head 0) when missing. InvalidArgument for a
  // name the storage refuses.
  virtual common::Result<uint64_t> CreateNamespace(std::string_view name) = 0;

  // Begins the write transaction on namespace `nsid`, waiting while another is open.
  // NotFound for an unknown `nsid`.
  virtual common::Result<std::unique_ptr<JournalWrite>> BeginWrite(uint64_t nsid) = 0;
  // Begins a read snapshot of namespace `nsid`; it runs beside writes and other snapshots.
  // NotFound for an unknown `nsid`.
  virtual common::Result<std::unique_ptr<JournalSnapshot>> BeginRead(uint64_t nsid) = 0;
};

}  // namespace tessera::metaserver::journal
