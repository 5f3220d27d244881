#include "daemon/syncer/local_remover.h"

#include <string>

#include "daemon/reconcile/reconcile.h"
#include "daemon/syncer/local_fs.h"
#include "daemon/syncer/planner.h"
#include "daemon/syncer/safe_target.h"

namespace tessera::daemon::syncer {

using common::PathAt;
using common::Status;
using common::wire::FileKind;

Status LocalRemover::MoveAside(const Plan& plan, NextPass& next) {
  if (!plan.row || !plan.row->local || !plan.pending) return Status::Ok();
  auto target = SafeTarget(env_, root_, config_, log_, index_, plan.path, stats_.refused);
  if (!target) return index_.RemovePending(plan.path);
  if (const Status s = CheckTarget(env_, *target, &*plan.row); !s.ok()) {
    next.Rescan(plan.path);
    return s;
  }
  const std::string date = DateString(env_.Now());
  std::string copy = ConflictedCopyPath(plan.path, config_.device, date);
  // " 2", " 3" ... before the extension when the name is taken.
  const size_t paren = copy.rfind(')');
  for (int n = 2;; ++n) {
    TESSERA_ASSIGN_OR_RETURN(auto known, index_.Get(copy));
    auto st = env_.Lstat(PathAt(root_, copy));
    if (!st.ok() && st.status().code() != common::Code::kNotFound) return st.status();
    if (!st.ok() && !known) break;
    copy = ConflictedCopyPath(plan.path, config_.device, date);
    copy.insert(paren + 1, " " + std::to_string(n));
  }
  TESSERA_RETURN_IF_ERROR(
      env_.RenameAt(*target, PathAt(root_, copy), common::RenameMode::kNoReplace));
  // Both names are looked at next pass, whatever happens below.
  next.Rescan(plan.path);
  next.Rescan(copy);
  // The copy sits beside the path: one directory holds both names. Durable before anything is
  // recorded (a crash must not leave the index counting a rename the disk lost).
  TESSERA_RETURN_IF_ERROR(env_.SyncDirAt(PathAt(root_, ParentOf(plan.path))));
  ++stats_.conflicts;
  TESSERA_RETURN_IF_ERROR(index_.AddCounter("conflicts", 1));
  log_.Warn("sync", "conflict on " + plan.path + " (changed here and by " + plan.pending->device +
                        "): the local version is now '" + copy + "'");
  // The copy is a new local file (uploaded next pass); the path is now empty here, so the next
  // pass downloads the remote version.
  return Status::Ok();
}

Status LocalRemover::MakeRoom(const Plan& plan, NextPass& next) {
  if (!plan.row || !plan.row->local || !plan.pending || !plan.pending->version) {
    return Status::Ok();
  }
  const FileVersion& v = *plan.pending->version;
  auto target = SafeTarget(env_, root_, config_, log_, index_, plan.path, stats_.refused);
  if (!target) return index_.RemovePending(plan.path);  // refused, logged, never written
  if (const Status s = CheckTarget(env_, *target, &*plan.row); !s.ok()) {
    log_.Info("sync", s.ToString());
    next.Rescan(plan.path);
    return s;
  }
  // The kind changed remotely (file <-> dir <-> symlink) and ours is the unchanged old one.
  if (plan.row->local->kind == FileKind::kDir) {
    const Status removed = env_.Rmdir(*target);
    if (removed.code() == common::Code::kConflict) {
      // Something was added inside here that the other side did not know when it replaced
      // the directory: keep both, the directory under a conflicted-copy name.
      log_.Info("sync", plan.path + ": replaced remotely by a " +
                            std::string(common::wire::FileKindName(v.kind)) +
                            " but not empty here");
      return MoveAside(plan, next);
    }
    if (!removed.ok() && removed.code() != common::Code::kNotFound) {
      return removed.WithContext("to make room for a " +
                                 std::string(common::wire::FileKindName(v.kind)));
    }
    next.Rescan(plan.path);
    TESSERA_RETURN_IF_ERROR(env_.SyncDirAt(PathAt(root_, ParentOf(plan.path))));
  } else {
    next.Rescan(plan.path);
    TESSERA_RETURN_IF_ERROR(
        MoveToTrash(env_, *target, config_.state_dir + "/trash", DateString(env_.Now()), plan.path)
            .status());
  }
  return Status::Ok();  // then absent here: the next pass writes the remote version
}

Status LocalRemover::DeleteLocal(const Plan& plan, NextPass& next) {
  if (!plan.row || !plan.row->local) return RecordRemoteAsBase(index_, plan);
  // Records the remote delete as the base, the path gone here (`keep_local`: a directory that
  // stays, dirty, because something is still inside).
  auto record = [&](bool keep_local) -> Status {
    index::FileRow row = *plan.row;
    if (!keep_local) {
      row.local.reset();
      row.stat = index::LocalStat{};
    }
    row.base_jid = plan.pending ? plan.pending->jid : row.base_jid;
    row.base.reset();
    row.state = keep_local ? index::SyncState::kDirty : index::SyncState::kSynced;
    return index_.InTransaction([&]() -> Status {
      TESSERA_RETURN_IF_ERROR(index_.Put(row));
      return plan.pending ? index_.RemovePending(plan.path) : Status::Ok();
    });
  };
  auto safe = SafeTarget(env_, root_, config_, log_, index_, plan.path, stats_.refused);
  if (!safe) {
    // Nothing can be at a path that is refused here (through a file or a symlink now, e.g. a
    // directory replaced by a file): the remote delete is recorded, so that the row does not
    // go on asking for a delete the journal already has.
    return plan.pending ? record(/*keep_local=*/false) : Status::Ok();
  }
  const PathAt target = *safe;
  if (const Status s = CheckTarget(env_, target, &*plan.row); !s.ok()) {
    next.Rescan(plan.path);
    return s;  // changed locally: the edit wins next pass
  }
  if (plan.row->local->kind == FileKind::kDir) {
    const Status removed = env_.Rmdir(target);
    if (removed.code() == common::Code::kConflict) {
      // Something local is still inside: keep the directory; it goes up again.
      log_.Info("sync", plan.path + ": deleted remotely but not empty here; kept");
      return record(/*keep_local=*/true);
    }
    if (!removed.ok() && removed.code() != common::Code::kNotFound) return removed;
    // Durable before the delete is recorded (else a crash could bring it back unrecorded).
    TESSERA_RETURN_IF_ERROR(env_.SyncDirAt(PathAt(root_, ParentOf(plan.path))));
  } else {
    // Durable in the trash (its folder and the path's directory fsynced) once it returns.
    TESSERA_ASSIGN_OR_RETURN(auto where, MoveToTrash(env_, target, config_.state_dir + "/trash",
                                                     DateString(env_.Now()), plan.path));
    log_.Info("sync", "deleted remotely: " + plan.path + " moved to " + where);
  }
  ++stats_.deleted_local;
  return record(/*keep_local=*/false);
}

}  // namespace tessera::daemon::syncer
