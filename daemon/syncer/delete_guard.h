// daemon/syncer/delete_guard.h
//
// DeleteGuard: holds a mass delete until the user says yes. Between the planner and the
// actions of a pass, it weighs the deletes waiting in the index in each direction — made here
// and not sent (outgoing), listed from the journal and not applied here (incoming) — against
// the folder's files as last synced (Index::CountDeletes). When one direction deletes more
// than SyncConfig::mass_delete_files files and more than mass_delete_percent percent of them,
// its deletes in the pass are held: recorded in the index (Index::HoldDeletes), taken out of the
// plan and left out of the next passes, until `tessera resume --confirm-deletes` confirms them
// (they then go through) or `tessera resume --restore` undoes them (Index::RestoreHeldDeletes).
// A delete held while it was part of a mass delete that is one no longer (files came back) is
// let through again. A delete confirmed once is never held again.
// Not thread-safe: the syncer thread's, like the Index.
#pragma once

#include <cstdint>

#include "common/log.h"
#include "common/result.h"
#include "daemon/index/index.h"
#include "daemon/syncer/planner.h"
#include "daemon/syncer/sync_types.h"

namespace tessera::daemon::syncer {

// Whether `deletes` of a folder of `files` files is a mass delete under `config`'s limits.
bool IsMassDelete(uint64_t deletes, uint64_t files, const SyncConfig& config);

class DeleteGuard {
 public:
  // `index`, `log` and `config` must outlive the guard.
  DeleteGuard(index::Index& index, common::Logger& log, const SyncConfig& config)
      : index_(index), log_(log), config_(config) {}

  // Takes the held deletes out of `plan` (its uploads of deletes, its local deletes). Sets
  // `released` to how many deletes held before go through again (in the next pass).
  // IOError from the index.
  common::Status Filter(PassPlan& plan, uint64_t& released);

 private:
  index::Index& index_;
  common::Logger& log_;
  const SyncConfig& config_;
  uint64_t warned_outgoing_ = 0;  // the held counts last logged
  uint64_t warned_incoming_ = 0;
  // Whether held deletes may exist (true until the first look): a pass without deletes then
  // still weighs them, to let them through once they are no mass delete.
  bool held_known_ = true;
};

}  // namespace tessera::daemon::syncer
