// The download half of SyncEngine: write remote versions locally without ever clobbering a
// local edit, move remote deletes to the trash, and keep both sides of a conflict.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <unordered_map>
#include <unordered_set>

#include "common/unique_fd.h"
#include "daemon/scanner/file_hasher.h"
#include "daemon/syncer/local_fs.h"
#include "daemon/syncer/old_version.h"
#include "daemon/syncer/sync_engine.h"

namespace tessera::daemon::syncer {

using common::Status;
using common::wire::BlockRef;
using common::wire::FileKind;

Status SyncEngine::WriteFile(const std::string& abs, const std::string& rel, const FileVersion& v,
                             uint32_t mode, const index::FileRow* row, struct stat* written) {
  const std::string dir = ParentOf(abs);
  const std::string tmp = TempPathIn(dir);
  common::UniqueFd fd(
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return common::ErrnoStatus("create " + tmp, errno);
  // Removes the temp file on every early return; disarmed after the rename.
  struct TempGuard {
    const std::string& path;
    bool armed = true;
    ~TempGuard() {
      if (armed) ::unlink(path.c_str());
    }
  } guard{tmp};

  uint64_t total = 0;
  for (const auto& b : v.blocks) total += b.size;
  if (total != v.size) {
    return common::Corruption(rel + ": blocks add up to " + std::to_string(total) +
                              " bytes, the journal says " + std::to_string(v.size));
  }
  // An edit's unchanged blocks come from the version being replaced, through one descriptor.
  const OldVersion own = row != nullptr && row->local && row->local->kind == FileKind::kFile
                             ? OldVersion::Open(abs, row->local->blocks)
                             : OldVersion();
  TESSERA_RETURN_IF_ERROR(WriteBlocks(fd.get(), tmp, rel, v.blocks, own));
  if (::fchmod(fd.get(), mode & 07777) != 0) return common::ErrnoStatus("fchmod " + tmp, errno);
  const struct timespec times[2] = {{0, UTIME_OMIT},
                                    {static_cast<time_t>(v.mtime_ns / 1'000'000'000),
                                     static_cast<long>(v.mtime_ns % 1'000'000'000)}};
  if (v.mtime_ns > 0 && ::futimens(fd.get(), times) != 0) {
    return common::ErrnoStatus("futimens " + tmp, errno);
  }
  if (::fsync(fd.get()) != 0) return common::ErrnoStatus("fsync " + tmp, errno);
  if (::fstat(fd.get(), written) != 0) return common::ErrnoStatus("fstat " + tmp, errno);
  fd.reset();
  // Only over what the index says is there: anything else is a local edit we must not clobber.
  TESSERA_RETURN_IF_ERROR(CheckTarget(abs, row));
  if (::rename(tmp.c_str(), abs.c_str()) != 0) return common::ErrnoStatus("rename " + tmp, errno);
  guard.armed = false;
  if (defer_dir_syncs_) {
    dirs_to_sync_.insert(dir);
    return Status::Ok();
  }
  return SyncDirectory(dir);
}

Status SyncEngine::RecordDownloaded(const Plan& plan, const struct stat& st) {
  index::FileRow row;
  if (plan.row) row = *plan.row;
  row.path = plan.path;
  row.base_jid = plan.pending->jid;
  row.base = plan.pending->version;
  row.local = plan.pending->version;
  row.local->mtime_ns = scanner::MtimeNs(st);
  row.stat = index::LocalStat{};
  row.stat.inode = st.st_ino;
  row.stat.mode = static_cast<uint32_t>(st.st_mode & 07777);
  row.stat.mtime_ns = scanner::MtimeNs(st);
  if (row.local->kind == FileKind::kFile) {
    row.stat.size = row.local->size;
    row.stat.hashed_at_ns = row.stat.mtime_ns + 10'000'000'000;  // content known: not in doubt
    row.stat.format = plan.row && !plan.row->stat.format.empty() ? plan.row->stat.format : "binary";
  }
  row.state = index::SyncState::kSynced;
  row.error.clear();
  return index_.InTransaction([&]() -> Status {
    TESSERA_RETURN_IF_ERROR(index_.Put(row));
    return index_.RemovePending(plan.path);
  });
}

Status SyncEngine::Download(const Plan& plan) {
  if (!plan.pending || !plan.pending->version) return Status::Ok();
  const FileVersion& v = *plan.pending->version;
  auto abs = SafePath(plan.path);
  if (!abs) return index_.RemovePending(plan.path);  // refused, logged, never written
  const index::FileRow* row = plan.row ? &*plan.row : nullptr;
  if (const Status s = CheckTarget(*abs, row); !s.ok()) {
    // A local change the index has not seen: record it; the next round reconciles again.
    log_.Info("sync", s.ToString());
    TESSERA_RETURN_IF_ERROR(scanner_.ScanPaths({plan.path}).status());
    return s;
  }
  if (const Status s = MakeParents(config_.root, plan.path); !s.ok()) {
    ++stats_.refused;
    RecordError("cannot create the directories of " + plan.path + ": " + s.ToString());
    return index_.RemovePending(plan.path);
  }
  if (row && row->local && row->local->kind != v.kind) {
    // The kind changed remotely (file <-> dir <-> symlink) and ours is the unchanged old one.
    if (row->local->kind == FileKind::kDir && ::rmdir(abs->c_str()) != 0) {
      const int err = errno;
      if (err == ENOTEMPTY || err == EEXIST) {
        // Something was added inside here that the other side did not know when it replaced
        // the directory: keep both, the directory under a conflicted-copy name.
        log_.Info("sync", plan.path + ": replaced remotely by a " +
                              std::string(common::wire::FileKindName(v.kind)) +
                              " but not empty here");
        return Conflict(plan);
      }
      if (err != ENOENT) {
        return common::ErrnoStatus("rmdir (to make room for a " +
                                       std::string(common::wire::FileKindName(v.kind)) + ") " +
                                       *abs,
                                   err);
      }
    } else if (row->local->kind != FileKind::kDir) {
      TESSERA_RETURN_IF_ERROR(
          MoveToTrash(*abs, config_.state_dir + "/trash", DateString(env_.Now()), plan.path)
              .status());
    }
    TESSERA_RETURN_IF_ERROR(scanner_.ScanPaths({plan.path}).status());
    TESSERA_ASSIGN_OR_RETURN(Plan after, MakePlan(plan.path));
    if (after.action != SyncAction::kDownload || (after.row && after.row->local))
      return Status::Ok();
    return Download(after);
  }
  struct stat st {};
  switch (v.kind) {
    case FileKind::kDir:
      if (::mkdir(abs->c_str(), 0755) != 0 && errno != EEXIST) {
        return common::ErrnoStatus("mkdir " + *abs, errno);
      }
      if (::lstat(abs->c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return common::Conflict("not a directory: " + *abs);
      }
      break;
    case FileKind::kSymlink: {
      const std::string tmp = TempPathIn(ParentOf(*abs));
      if (::symlink(v.symlink_target.c_str(), tmp.c_str()) != 0) {
        return common::ErrnoStatus("symlink " + tmp, errno);
      }
      Status s = CheckTarget(*abs, row);
      if (s.ok() && ::rename(tmp.c_str(), abs->c_str()) != 0) {
        s = common::ErrnoStatus("rename " + tmp, errno);
      }
      if (!s.ok()) {
        ::unlink(tmp.c_str());
        return s;
      }
      if (::lstat(abs->c_str(), &st) != 0) return common::ErrnoStatus("lstat " + *abs, errno);
      break;
    }
    case FileKind::kFile: {
      const uint32_t mode = v.executable ? 0755 : 0644;
      TESSERA_RETURN_IF_ERROR(WriteFile(*abs, plan.path, v, mode, row, &st));
      break;
    }
    case FileKind::kDeleted:
      return Status::Ok();
  }
  ++stats_.downloaded;
  log_.Info("sync", "downloaded " + plan.path + " (jid " + std::to_string(plan.pending->jid) + ")");
  return RecordDownloaded(plan, st);
}

Status SyncEngine::Conflict(const Plan& plan) {
  if (!plan.row || !plan.row->local || !plan.pending) return Status::Ok();
  auto abs = SafePath(plan.path);
  if (!abs) return index_.RemovePending(plan.path);
  if (const Status s = CheckTarget(*abs, &*plan.row); !s.ok()) {
    TESSERA_RETURN_IF_ERROR(scanner_.ScanPaths({plan.path}).status());
    return s;
  }
  const std::string date = DateString(env_.Now());
  std::string copy = ConflictedCopyPath(plan.path, config_.device, date);
  // " 2", " 3" ... before the extension when the name is taken.
  const size_t paren = copy.rfind(')');
  for (int n = 2;; ++n) {
    struct stat st {};
    TESSERA_ASSIGN_OR_RETURN(auto known, index_.Get(copy));
    if (::lstat((config_.root + "/" + copy).c_str(), &st) != 0 && !known) break;
    copy = ConflictedCopyPath(plan.path, config_.device, date);
    copy.insert(paren + 1, " " + std::to_string(n));
  }
  TESSERA_RETURN_IF_ERROR(RenameNoReplace(*abs, config_.root + "/" + copy));
  (void)SyncDirectory(ParentOf(*abs));
  ++stats_.conflicts;
  TESSERA_RETURN_IF_ERROR(index_.AddCounter("conflicts", 1));
  log_.Warn("sync", "conflict on " + plan.path + " (changed here and by " + plan.pending->device +
                        "): the local version is now '" + copy + "'");
  // The copy is a new local file (uploaded next round); the path is now empty locally.
  TESSERA_RETURN_IF_ERROR(scanner_.ScanPaths({plan.path, copy}).status());
  TESSERA_ASSIGN_OR_RETURN(Plan after, MakePlan(plan.path));
  if (after.action == SyncAction::kDownload) return Download(after);
  return Status::Ok();
}

Status SyncEngine::DeleteLocal(const Plan& plan) {
  if (!plan.row || !plan.row->local) return RecordRemoteAsBase(plan);
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
  auto safe = SafePath(plan.path);
  if (!safe) {
    // Nothing can be at a path that is refused here (through a file or a symlink now, e.g. a
    // directory replaced by a file): the remote delete is recorded, so that the row does not
    // go on asking for a delete the journal already has.
    return plan.pending ? record(/*keep_local=*/false) : Status::Ok();
  }
  const std::string abs = *safe;
  if (const Status s = CheckTarget(abs, &*plan.row); !s.ok()) {
    TESSERA_RETURN_IF_ERROR(scanner_.ScanPaths({plan.path}).status());
    return s;  // changed locally: the edit wins next round
  }
  if (plan.row->local->kind == FileKind::kDir) {
    if (::rmdir(abs.c_str()) != 0) {
      if (errno == ENOTEMPTY || errno == EEXIST) {
        // Something local is still inside: keep the directory; it goes up again.
        log_.Info("sync", plan.path + ": deleted remotely but not empty here; kept");
        return record(/*keep_local=*/true);
      }
      if (errno != ENOENT) return common::ErrnoStatus("rmdir " + abs, errno);
    }
  } else {
    TESSERA_ASSIGN_OR_RETURN(auto where, MoveToTrash(abs, config_.state_dir + "/trash",
                                                     DateString(env_.Now()), plan.path));
    log_.Info("sync", "deleted remotely: " + plan.path + " moved to " + where);
  }
  (void)SyncDirectory(ParentOf(abs));
  ++stats_.deleted_local;
  return record(/*keep_local=*/false);
}

}  // namespace tessera::daemon::syncer
