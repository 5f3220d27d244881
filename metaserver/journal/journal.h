// metaserver/journal/journal.h
//
// Journal: the server file journal, the truth about every namespace (DESIGN.md decision 3).
// Every change to a path is a new entry with the next JID of its namespace; nothing is ever
// overwritten, so history and restore read old entries. Stored in one SQLite file (schema in
// journal/schema/*.sql): WAL mode, synchronous=FULL, one transaction per commit batch.
//
// Commit rules (decision 4), applied to each item of a batch in order, in ONE transaction:
//   1. the item must be valid (commit_validation.h)            else kInvalid
//   2. its parent_jid must be the path's latest JID; 0 is also accepted when the path has no
//      entry or its latest entry is a tombstone (recreating a deleted path loses nothing)
//                                                              else kConflict + latest_jid
//   3. a delete (kDeleted) needs something to delete: a delete of a path that is absent or
//      already a tombstone is refused                          -> kInvalid ("nothing to delete")
//   4. every block it references must be in the block store    else kNeedBlocks + the missing ids
//   5. it gets jid = ++head and is written                     -> kCommitted
// Items refused by 1-4 write nothing; the others in the batch still commit. A Status error from
// CommitBatch (I/O, the block store unreachable, ...) means NOTHING in the batch was written.
//
// Thread-safe. Writes go through one connection serialized by a mutex; reads use a small pool of
// separate connections (WAL lets them run beside a write). No journal lock is held while the
// block store is asked.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/block_id.h"
#include "common/env.h"
#include "common/log.h"
#include "common/result.h"
#include "common/wire/journal_messages.h"
#include "common/wire/move_messages.h"

namespace tessera::metaserver::journal {

// Returns which of `ids` the block store lacks (any order; ids not asked about are ignored), or a
// Status (e.g. kUnavailable when the block store is down), which fails the whole batch.
using MissingBlocksFn = std::function<common::Result<std::vector<common::BlockId>>(
    const std::vector<common::BlockId>& ids)>;

struct CommitOutput {
  common::wire::CommitBatchResponse response;  // one result per item, same order
  uint64_t head = 0;                           // the namespace's head after the batch
  size_t committed = 0;                        // items that got a JID
};

class Journal {
 public:
  // Opens or creates the journal database at `db_path` (its directory must exist). IOError when
  // the file cannot be opened, InvalidArgument when it is not a Tessera journal or has a newer
  // schema, Corruption when SQLite says so. `env` (for the clock) and `log` must outlive it.
  static common::Result<std::unique_ptr<Journal>> Open(const std::string& db_path, common::Env& env,
                                                       common::Logger& log);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Random string made when the database was created; constant for its life.
  const std::string& epoch() const;

  // The id of namespace `name`. When missing: creates it if `create`, else NotFound. The caller
  // validates the name (namespace_name.h); a name SQLite's CHECK refuses is InvalidArgument.
  common::Result<uint64_t> NamespaceId(std::string_view name, bool create);

  // Applies `items` by the rules above. InvalidArgument (nothing written) for a bad `device` or
  // more than wire::kMaxCommitItems items; NotFound for an unknown `nsid`. `missing_blocks` is
  // called at most once, without locks held, with the distinct block ids of the valid items; it
  // is not called when there are none.
  common::Result<CommitOutput> CommitBatch(uint64_t nsid, std::string_view device,
                                           const std::vector<common::wire::CommitItem>& items,
                                           const MissingBlocksFn& missing_blocks);

  // Entries with JID > `cursor`, ascending, at most `limit` (1..wire::kMaxListLimit, else
  // InvalidArgument), with has_more, head and epoch from one consistent snapshot. NotFound for
  // an unknown `nsid`. With `deltas`, a file entry whose path's previous entry is a file comes
  // with its blocklist as a delta against that entry (JournalEntry::delta, meta.blocks empty)
  // when that is smaller; otherwise every entry has its full list.
  common::Result<common::wire::ListResponse> List(uint64_t nsid, uint64_t cursor, size_t limit,
                                                  bool deltas = false);

  // Entry `jid` with its full blocklist. NotFound for an unknown `nsid` or JID.
  common::Result<common::wire::JournalEntry> Entry(uint64_t nsid, uint64_t jid);

  // The namespace's latest JID (0 when empty). NotFound for an unknown `nsid`.
  common::Result<uint64_t> Head(uint64_t nsid);

  // Every version of `path` (tombstones included) with JID > `cursor`, ascending, at most
  // `limit`, in ListResponse's shape (cursor/has_more page through the path's history).
  // InvalidArgument for an invalid path or limit; NotFound for an unknown `nsid`.
  common::Result<common::wire::ListResponse> History(uint64_t nsid, std::string_view path,
                                                     uint64_t cursor, size_t limit);

  // Subtree move (journal_move.cc, schema/003_moves.sql, docs/protocol.md): in ONE transaction,
  // `from` (a live directory whose latest JID is from_jid, else kConflict) becomes `to` (absent
  // or a tombstone whose latest JID is to_parent_jid or 0, else kConflict; nothing live under
  // it, not inside `from`, else kInvalid), provided the live paths under from/ with their
  // latest JIDs are exactly those of request.subtree (else kConflict, latest_jid = the head):
  // the move entry, a copy of every live path under from/ as to/..., then tombstones for from
  // and everything live under it. No block store round trip. kInvalid for more than
  // wire::kMaxMovePaths live paths. Status errors (bad
  // device, unknown nsid, I/O) mean nothing was written. `head` is the head afterwards.
  struct MoveOutput {
    common::wire::MoveResponse response;
    uint64_t head = 0;
  };
  common::Result<MoveOutput> Move(uint64_t nsid, const common::wire::MoveRequest& request);

  // List (above) with moves folded: a move entry (covers K > 0) is returned with its
  // moved_from/covers and the K entries after it are skipped (cursor jumps past them). Entries
  // of a covered range after `cursor` that do not start with their move entry are returned as
  // ordinary entries. `deltas` as for List.
  common::Result<common::wire::ListResponse> ListMoves(uint64_t nsid, uint64_t cursor, size_t limit,
                                                       bool deltas = false);

  struct Impl;  // journal_impl.h; public only so the .cc files can share it

 private:
  explicit Journal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::metaserver::journal
