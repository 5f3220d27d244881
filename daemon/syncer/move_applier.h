// daemon/syncer/move_applier.h
//
// MoveApplier: subtree moves (docs/sync.md, "Renamed directories"; wire in docs/protocol.md),
// at the start of every pass, before the per-path work. What is decided is decided by the pure
// rules of daemon/reconcile/move_rules.h over the rows gathered here; anything unusual falls
// back to the per-path flow, which is always correct.
// - Sending: a directory renamed here shows in the index as a vanished directory (its rows
//   absent, the old inode kept in gone_inode) and a new local directory with that inode. When
//   the new subtree holds the old one's paths (mostly the same content), one POST move replaces
//   the per-path deletes and adds; the rows are then re-keyed to the JIDs the server assigned by
//   its fixed rule (MoveJids).
// - Receiving: a listed move entry (list?moves=1) is applied as one rename (Env::RenameAt beneath
//   the sync root's RootDir) when the old directory here is exactly what the index says; both
//   parents are fsynced before the rows are written (a failed fsync fails the step: the next
//   pass looks again); the same rule gives every row its JID. Otherwise its entries are listed
//   and queued one by one (StoreCoveredEntries), as without moves.
// Memory: the rows of a moved subtree are read a page at a time, twice (to check, then to
// re-key), never all at once: a renamed directory may hold the whole tree.
// Owns its counts. Not thread-safe: the syncer thread's.
#pragma once

#include <cstdint>
#include <string>

#include "common/client/meta_client.h"
#include "common/env.h"
#include "common/log.h"
#include "common/result.h"
#include "daemon/index/index.h"
#include "daemon/syncer/next_pass.h"
#include "daemon/syncer/sync_types.h"

namespace tessera::daemon::syncer {

class MoveApplier {
 public:
  // Everything passed by reference must outlive the MoveApplier. `root` is the sync root's
  // directory, (re)opened by the engine before each pass.
  MoveApplier(common::Env& env, const common::RootDir& root, index::Index& index,
              common::client::MetaClient& meta, common::Logger& log, const SyncConfig& config)
      : env_(env), root_(root), index_(index), meta_(meta), log_(log), config_(config) {}

  // Applies (or expands) pending remote moves, then sends local directory renames as one move
  // each. A move the server refuses as stale marks a pull (NextPass). Unavailable when the
  // metaserver is down.
  common::Status ProcessMoves(NextPass& next);

  // Moves applied here as one rename (counted as downloads), paths refused as unsafe.
  const RoundStats& stats() const { return stats_; }

 private:
  common::Status ApplyRemoteMove(const index::PendingEntry& move);
  // Lists the entries a pending move stands for and queues them as ordinary pending entries.
  common::Status ExpandMove(uint64_t move_jid, uint64_t covers, const std::string& to);
  // True when `to` (a new local directory) was committed as a move of a vanished one.
  common::Result<bool> TrySendMove(const std::string& to, NextPass& next);

  common::Env& env_;
  const common::RootDir& root_;
  index::Index& index_;
  common::client::MetaClient& meta_;
  common::Logger& log_;
  const SyncConfig& config_;
  RoundStats stats_;
};

}  // namespace tessera::daemon::syncer
