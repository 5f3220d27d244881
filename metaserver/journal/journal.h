// metaserver/journal/journal.h
//
// Journal: the server file journal, the truth about every namespace (DESIGN.md decision 3).
// Every change to a path is a new entry with the next JID of its namespace; nothing is ever
// overwritten, so history and restore read old entries. Journal applies the journal's rules
// (commit_rules.h, move_rules.h, list_rules.h: pure functions) over a JournalStore
// (journal_store.h), which only stores: the SQLite store today, PostgreSQL later.
//
// A commit batch runs in two phases: the stateless checks and ONE question to the block store,
// with no lock held; then one write transaction that checks every parent and writes. A Status
// error from CommitBatch or Move (I/O, the block store unreachable, ...) means NOTHING of it was
// written; refused items (kInvalid, kConflict, kNeedBlocks) write nothing and the others in the
// batch still commit.
//
// Thread-safe: any number of threads may call any method at once (writes are serialized by the
// store's write transaction, reads run on snapshots beside them). The store, env (for the
// clock) and logger must outlive the journal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/block_id.h"
#include "common/env.h"
#include "common/log.h"
#include "common/mutex.h"
#include "common/result.h"
#include "common/wire/journal_messages.h"
#include "common/wire/move_messages.h"
#include "metaserver/journal/journal_store.h"
#include "metaserver/journal/types.h"

namespace tessera::metaserver::journal {

// Returns which of `ids` the block store lacks (any order; ids not asked about are ignored), or
// a Status (e.g. kUnavailable when the block store is down), which fails the whole batch.
using MissingBlocksFn = std::function<common::Result<std::vector<common::BlockId>>(
    const std::vector<common::BlockId>& ids)>;

struct CommitOutput {
  common::wire::CommitBatchResponse response;  // one result per item, same order
  uint64_t head = 0;                           // the namespace's head after the batch
  size_t committed = 0;                        // items that got a JID
};

struct MoveOutput {
  common::wire::MoveResponse response;
  uint64_t head = 0;  // the namespace's head afterwards
};

class Journal {
 public:
  Journal(JournalStore& store, common::Env& env, common::Logger& log);
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // The store's epoch: constant for the life of the storage.
  const std::string& epoch() const { return store_.epoch(); }

  // The id of namespace `name`, or nullopt when there is none. The caller validated the name
  // (ns/namespace_name.h).
  common::Result<std::optional<uint64_t>> FindNamespace(std::string_view name);
  // The id of namespace `name`. When missing: creates it if `create`, else NotFound. A name the
  // store refuses is InvalidArgument.
  common::Result<uint64_t> NamespaceId(std::string_view name, bool create);

  // Applies `items` by the commit rules (commit_rules.h). InvalidArgument (nothing written) for
  // a bad `device` or more than wire::kMaxCommitItems items; NotFound for an unknown `nsid`.
  // `missing_blocks` is called at most once, without locks held, with the distinct block ids
  // of the valid items; it is not called when there are none.
  common::Result<CommitOutput> CommitBatch(uint64_t nsid, std::string_view device,
                                           const std::vector<common::wire::CommitItem>& items,
                                           const MissingBlocksFn& missing_blocks);

  // Subtree move by the move rules (move_rules.h), in ONE transaction, without a block store
  // round trip. Status errors (bad device, unknown nsid, I/O) mean nothing was written.
  common::Result<MoveOutput> Move(uint64_t nsid, const common::wire::MoveRequest& request);

  // The namespace's latest JID (0 when empty). NotFound for an unknown `nsid`.
  common::Result<uint64_t> Head(uint64_t nsid);

  // Entries with JID > `cursor`, ascending, at most `limit` (CheckListLimit, else
  // InvalidArgument), with has_more, head and epoch from one consistent snapshot. NotFound for
  // an unknown `nsid`. A move entry looks like an ordinary directory entry (HideMoveFields).
  // With `deltas`, a file entry whose path's previous entry is a file comes with its list as a
  // delta against that entry (Entry::delta, meta.blocks empty) when that is smaller
  // (ListingDelta); otherwise every entry has its full list.
  common::Result<Page> List(uint64_t nsid, uint64_t cursor, size_t limit, bool deltas = false);

  // List with moves folded: a move entry (covers K > 0) is returned with its moved_from/covers
  // and the K entries after it are skipped (cursor jumps past them). Entries of a covered range
  // after `cursor` that do not start with their move entry are returned as ordinary entries.
  // `deltas` as for List. One snapshot for the whole answer.
  common::Result<Page> ListMoves(uint64_t nsid, uint64_t cursor, size_t limit, bool deltas = false);

  // Entry `jid` with its full blocklist. NotFound for an unknown `nsid` or JID.
  common::Result<Entry> EntryAt(uint64_t nsid, uint64_t jid);

  // Every version of `path` (tombstones included) with JID > `cursor`, ascending, at most
  // `limit`, as a Page (cursor/has_more page through the path's history). InvalidArgument for
  // an invalid path or limit; NotFound for an unknown `nsid`.
  common::Result<Page> History(uint64_t nsid, std::string_view path, uint64_t cursor, size_t limit);

  // The newest entry of `path` at or before JID `at_jid` (0: the head), full blocklist: the
  // version a reader of the path sees then. NotFound when the path has none or it is a
  // tombstone (or for an unknown `nsid`); InvalidArgument for an invalid path or an `at_jid`
  // past the head.
  common::Result<Entry> PathAt(uint64_t nsid, std::string_view path, uint64_t at_jid);

  // The live entries under directory `dir` ("" for the whole namespace) as of JID `at_jid`
  // (0: the head), in bytewise path order after `after_path`, at most `limit`
  // (1..kMaxTreeLimit); only the direct children of `dir` when `children_only`. Move fields
  // hidden. InvalidArgument for an invalid `dir` or `after_path`, a bad limit or an `at_jid`
  // past the head; NotFound for an unknown `nsid`.
  common::Result<TreePage> Tree(uint64_t nsid, std::string_view dir, uint64_t at_jid,
                                std::string_view after_path, size_t limit, bool children_only);

 private:
  int64_t NowMs() const;

  JournalStore& store_;
  common::Env& env_;
  common::Logger& log_;

  common::Mutex ns_mutex_;
  std::map<std::string, uint64_t, std::less<>> nsids_ TESSERA_GUARDED_BY(ns_mutex_);
};

}  // namespace tessera::metaserver::journal
