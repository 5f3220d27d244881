// daemon/syncer/puller.h
//
// Puller: lists the journal after the cursor into the index. Pages are asked with blocklist
// deltas and folded moves (list?deltas=1&moves=1); each entry becomes a pending entry in the
// index, and the page and the new cursor are stored in one transaction (Index::StorePage).
// - Journal-reset guard: another epoch, or a head behind the cursor, means this is not the
//   journal the bases came from: the index forgets every base and pending entry (nothing local
//   is deleted) and listing starts again from 0.
// - A blocklist delta is applied to the version it names (an earlier entry of the page, the
//   pending entry or the base); when this daemon does not hold that version, or the result does
//   not validate, the entry is fetched whole. An entry at or below the path's base JID (this
//   daemon's own commit listed back) is dropped without fetching anything.
// - A pending move replaced by a newer entry for its path would take the entries it stands for
//   with it: those are listed first (StoreCoveredEntries).
// - Another desktop with this one's device name: an entry named for it that this daemon did
//   not make (it is not listed back as its own) and that is newer than this state dir's first
//   listing (kept in the index) is reported once a run, in the log and as the status value
//   "warning" (`tessera status`).
// The cursor lives in the index (Index::GetNs); the Puller keeps only that report's flag.
// Not thread-safe: the syncer thread's, like the index and the client it is given.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/client/meta_client.h"
#include "common/log.h"
#include "common/result.h"
#include "common/wire/journal_messages.h"
#include "daemon/index/index.h"
#include "daemon/syncer/sync_types.h"

namespace tessera::daemon::syncer {

class Puller {
 public:
  // Everything passed by reference must outlive the Puller.
  Puller(index::Index& index, common::client::MetaClient& meta, common::Logger& log,
         const SyncConfig& config)
      : index_(index), meta_(meta), log_(log), config_(config) {}

  // Lists every page after the cursor. Unavailable when the metaserver is down (the pages
  // stored so far stay stored); Corruption when an entry fetched whole differs from its listing.
  common::Status Pull();
  // The blocks the last Pull's first page said the blockserver lacks (ListResponse::wanted).
  std::vector<common::BlockId> TakeWanted() { return std::exchange(wanted_, {}); }

 private:
  // Replaces `entry`'s blocklist delta by the full list (see above); false when the entry is
  // already applied and is to be dropped. `page_files`: path -> index in `entries` of its
  // latest entry so far in this page.
  common::Result<bool> ResolveListedDelta(const std::map<std::string, size_t>& page_files,
                                          const std::vector<index::PendingEntry>& entries,
                                          common::wire::JournalEntry& entry);
  // Lists the entries of the pending moves that `entries` (one page) supersede.
  common::Status ListSupersededMoves(const std::vector<index::PendingEntry>& entries);
  // Logs and records (once) that `e` was made by another desktop of this one's name.
  common::Status ReportNameClash(const common::wire::JournalEntry& e);

  index::Index& index_;
  common::client::MetaClient& meta_;
  common::Logger& log_;
  const SyncConfig& config_;
  std::vector<common::BlockId> wanted_;
  uint64_t device_since_ = 0;    // see above; read at each Pull's first page
  bool clash_reported_ = false;  // this run logged the name clash
};

}  // namespace tessera::daemon::syncer
