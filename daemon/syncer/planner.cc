#include "daemon/syncer/planner.h"

#include <utility>

namespace tessera::daemon::syncer {

using common::Status;

common::Result<Plan> Planner::MakePlan(const std::string& path) {
  Plan plan;
  plan.path = path;
  TESSERA_ASSIGN_OR_RETURN(plan.row, index_.Get(path));
  TESSERA_ASSIGN_OR_RETURN(plan.pending, index_.GetPending(path));
  const PathPlan decided = PlanPath(plan.row, plan.pending);
  if (decided.drop_pending) {
    TESSERA_RETURN_IF_ERROR(index_.RemovePending(path));  // already applied
    plan.pending.reset();
  }
  plan.action = decided.action;
  plan.step = decided.step;
  plan.parent_jid = decided.parent_jid;
  return plan;
}

common::Result<PassPlan> Planner::PlanPass(const std::set<std::string>& paths) {
  PassPlan pass;
  // Planning reads (and may clear) two rows per path: one transaction for all of them.
  TESSERA_RETURN_IF_ERROR(index_.InTransaction([&]() -> Status {
    for (const auto& path : paths) {
      TESSERA_ASSIGN_OR_RETURN(Plan plan, MakePlan(path));
      log_.Debug("sync", path + ": " + std::string(SyncActionName(plan.action)) + " (" +
                             std::string(PathStepName(plan.step)) + ")");
      switch (plan.step) {
        case PathStep::kRecordBase:
          TESSERA_RETURN_IF_ERROR(RecordRemoteAsBase(index_, plan));
          ++pass.recorded;
          break;
        case PathStep::kHold:
          break;
        case PathStep::kUpload:
          pass.uploads.push_back(UploadItem{path, plan.parent_jid,
                                            plan.row ? plan.row->local : std::nullopt,
                                            plan.row ? plan.row->stat : index::LocalStat{}});
          break;
        case PathStep::kWrite:
        case PathStep::kMakeRoom:
        case PathStep::kMoveAside:
          pass.writes.push_back(std::move(plan));
          break;
        case PathStep::kDeleteLocal:
          pass.deletes.push_back(std::move(plan));
          break;
      }
    }
    return Status::Ok();
  }));
  return pass;
}

Status RecordRemoteAsBase(index::Index& index, const Plan& plan) {
  index::FileRow row;
  if (plan.row) row = *plan.row;
  row.path = plan.path;
  if (plan.pending) {
    row.base_jid = plan.pending->jid;
    row.base = plan.pending->version;
  }
  if (row.state != index::SyncState::kError || !plan.pending) row.state = index::SyncState::kSynced;
  row.error.clear();
  return index.InTransaction([&]() -> Status {
    TESSERA_RETURN_IF_ERROR(index.Put(row));
    return plan.pending ? index.RemovePending(plan.path) : Status::Ok();
  });
}

}  // namespace tessera::daemon::syncer
