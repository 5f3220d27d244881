// daemon/syncer/planner.h
//
// Planner: the decide step of a sync pass. For each path it reads what the index holds (the
// row and the pending journal entry), asks the pure decision (PlanPath, over Reconcile) what
// to do, drops a pending entry already applied, records the steps that move nothing (the
// remote version becomes the base) and sorts the rest by who acts on them: writes (downloads,
// room for another kind, conflicts; in path order, parents first), uploads, local deletes.
// Not thread-safe: the syncer thread's.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/result.h"
#include "daemon/index/index.h"
#include "daemon/syncer/sync_types.h"

namespace tessera::daemon::syncer {

struct PassPlan {
  std::vector<Plan> writes;  // kWrite, kMakeRoom, kMoveAside, in path order
  std::vector<UploadItem> uploads;
  std::vector<Plan> deletes;  // kDeleteLocal, in path order
  size_t recorded = 0;        // kRecordBase steps already recorded
};

class Planner {
 public:
  // `index` and `log` must outlive the Planner.
  Planner(index::Index& index, common::Logger& log) : index_(index), log_(log) {}

  // Plans every path of `paths`, in one index transaction. IOError from the index.
  common::Result<PassPlan> PlanPass(const std::set<std::string>& paths);

 private:
  common::Result<Plan> MakePlan(const std::string& path);

  index::Index& index_;
  common::Logger& log_;
};

// Records `plan`'s remote version (its pending entry, if any) as the path's base and removes
// the pending entry; the row is synced (one in error stays so when a pending entry is recorded).
common::Status RecordRemoteAsBase(index::Index& index, const Plan& plan);

}  // namespace tessera::daemon::syncer
