#include "daemon/reconcile/path_plan.h"

namespace tessera::daemon {

using common::wire::FileKind;

std::string_view PathStepName(PathStep step) {
  switch (step) {
    case PathStep::kRecordBase:
      return "record_base";
    case PathStep::kUpload:
      return "upload";
    case PathStep::kHold:
      return "hold";
    case PathStep::kWrite:
      return "write";
    case PathStep::kMakeRoom:
      return "make_room";
    case PathStep::kMoveAside:
      return "move_aside";
    case PathStep::kDeleteLocal:
      return "delete_local";
  }
  return "unknown";
}

PathPlan PlanPath(const std::optional<index::FileRow>& row,
                  const std::optional<index::PendingEntry>& pending_in) {
  PathPlan plan;
  const index::PendingEntry* pending = pending_in ? &*pending_in : nullptr;
  if (pending != nullptr && row && pending->jid <= row->base_jid) {
    plan.drop_pending = true;
    pending = nullptr;
  }
  const std::optional<FileVersion> base = row ? row->base : std::nullopt;
  const std::optional<FileVersion> local = row ? row->local : std::nullopt;
  const std::optional<FileVersion>& remote = pending != nullptr ? pending->version : base;
  plan.action = Reconcile(base, local, remote);
  plan.parent_jid = pending != nullptr ? pending->jid : (row ? row->base_jid : 0);
  switch (plan.action) {
    case SyncAction::kNothing:
    case SyncAction::kRecordSynced:
      plan.step = PathStep::kRecordBase;
      break;
    case SyncAction::kUpload:
    case SyncAction::kDeleteRemote:
      plan.step = row && row->state == index::SyncState::kError && pending == nullptr
                      ? PathStep::kHold
                      : PathStep::kUpload;
      break;
    case SyncAction::kDownload:
      // `remote` is set here (a download writes something); an unchanged local version of
      // another kind must go first.
      plan.step =
          local && remote && local->kind != remote->kind ? PathStep::kMakeRoom : PathStep::kWrite;
      break;
    case SyncAction::kConflict:
      plan.step = PathStep::kMoveAside;
      break;
    case SyncAction::kDeleteLocal:
      plan.step = PathStep::kDeleteLocal;
      break;
  }
  return plan;
}

bool LocalDeleteWaits(const index::FileRow& row, bool children_pending) {
  return row.local && row.local->kind == FileKind::kDir && children_pending;
}

}  // namespace tessera::daemon
