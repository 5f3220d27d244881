#include "daemon/syncer/local_fs.h"

#include <algorithm>
#include <ctime>
#include <memory>

namespace tessera::daemon::syncer {

using common::FileType;
using common::PathAt;
using common::Status;
using common::wire::FileKind;

namespace {

// How many day folders ("DATE", "DATE 2", ...) MoveToTrash tries before giving up.
constexpr int kMaxTrashDayFolders = 100;
constexpr size_t kCopyBytes = 1 << 20;

// The directory `p` is in, as a PathAt of the same kind.
PathAt DirOf(const PathAt& p) {
  const auto slash = p.path.rfind('/');
  if (p.root != nullptr)
    return PathAt(*p.root, slash == std::string::npos ? "" : p.path.substr(0, slash));
  if (slash == std::string::npos) return PathAt(".");
  if (slash == 0) return PathAt("/");
  return PathAt(p.path.substr(0, slash));
}

// Copies the regular file `from` to the new file `to` (created exclusively), fsynced.
Status CopyFile(common::Env& env, const PathAt& from, const PathAt& to) {
  TESSERA_ASSIGN_OR_RETURN(auto in, env.OpenRegularFile(from));
  TESSERA_ASSIGN_OR_RETURN(auto out, env.CreateExclusive(to, 0600));
  std::string buf(kCopyBytes, '\0');
  for (uint64_t offset = 0;;) {
    TESSERA_ASSIGN_OR_RETURN(const std::string_view got, in->Read(offset, buf.size(), buf.data()));
    if (got.empty()) break;
    TESSERA_RETURN_IF_ERROR(out->Append(got));
    offset += got.size();
  }
  TESSERA_RETURN_IF_ERROR(out->Sync());
  return out->Close();
}

}  // namespace

std::string ParentOf(const std::string& rel) {
  const auto slash = rel.rfind('/');
  return slash == std::string::npos ? std::string() : rel.substr(0, slash);
}

std::string DateString(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

Status CheckTarget(common::Env& env, const PathAt& path, const index::FileRow* row) {
  const std::string shown = path.ToString();
  auto st = env.Lstat(path);
  if (!st.ok() && st.status().code() != common::Code::kNotFound) return st.status();
  const bool exists = st.ok();
  const bool want = row && row->local.has_value();
  if (!exists) {
    return want ? common::Conflict("deleted locally since the last scan: " + shown) : Status::Ok();
  }
  if (!want) return common::Conflict("created locally since the last scan: " + shown);
  const FileVersion& local = *row->local;
  switch (local.kind) {
    case FileKind::kFile:
      // ctime when the row has one (0: unknown): an edit that set the mtime back moved it.
      if (st->type == FileType::kFile && st->inode == row->stat.inode && st->size == local.size &&
          st->mtime_ns == row->stat.mtime_ns &&
          (row->stat.ctime_ns == 0 || st->ctime_ns == row->stat.ctime_ns)) {
        return Status::Ok();
      }
      break;
    case FileKind::kDir:
      if (st->type == FileType::kDir) return Status::Ok();
      break;
    case FileKind::kSymlink: {
      if (st->type != FileType::kSymlink) break;
      auto target = env.ReadLink(path);
      if (target.ok() && *target == local.symlink_target) return Status::Ok();
      break;
    }
    case FileKind::kDeleted:
      break;
  }
  return common::Conflict("changed locally since the last scan: " + shown);
}

Status MakeParents(common::Env& env, const common::RootDir& root, const std::string& rel) {
  size_t pos = 0;
  for (;;) {
    const size_t slash = rel.find('/', pos);
    if (slash == std::string::npos) return Status::Ok();
    const PathAt dir(root, rel.substr(0, slash));
    auto st = env.Lstat(dir);
    if (st.ok()) {
      if (st->type != FileType::kDir) {
        return common::InvalidArgument("not a directory (or a symlink) on the way: " +
                                       dir.ToString());
      }
    } else if (st.status().code() == common::Code::kNotFound) {
      const Status made = env.Mkdir(dir, 0755);
      if (!made.ok() && made.code() != common::Code::kConflict) return made;
      // Durable before anything is put inside it (a crash must not take it and its files).
      TESSERA_RETURN_IF_ERROR(env.SyncDirAt(DirOf(dir)));
    } else {
      return st.status();
    }
    pos = slash + 1;
  }
}

common::Result<std::string> MoveToTrash(common::Env& env, const PathAt& from,
                                        const std::string& trash_dir, const std::string& date,
                                        const std::string& rel) {
  TESSERA_ASSIGN_OR_RETURN(const common::RootDir trash, env.OpenRoot(trash_dir));
  // A trashed file may hold the name of a directory on `rel`'s way (a file trashed, then a
  // directory of the same name): then the next day folder "DATE 2", "DATE 3", ... takes it.
  std::string day = date;
  for (int n = 2;; ++n) {
    const Status made = MakeParents(env, trash, day + "/" + rel);
    if (made.ok()) break;
    if (made.code() != common::Code::kInvalidArgument || n > kMaxTrashDayFolders) return made;
    day = date + " " + std::to_string(n);
  }
  const std::string base = day + "/" + rel;
  std::string dest = base;
  for (int n = 2;; ++n) {
    auto st = env.Lstat(PathAt(trash, dest));
    if (!st.ok()) {
      if (st.status().code() != common::Code::kNotFound) return st.status();
      break;
    }
    dest = base + " " + std::to_string(n);
  }
  const PathAt to(trash, dest);
  const Status renamed = env.RenameAt(from, to, common::RenameMode::kNoReplace);
  bool copied = false;
  if (!renamed.ok()) {
    // Another file system (rename(2) says EXDEV): copy, then unlink below.
    TESSERA_ASSIGN_OR_RETURN(const common::FileStat st, env.Lstat(from));
    TESSERA_ASSIGN_OR_RETURN(const common::FileStat trash_st, env.Lstat(PathAt(trash, "")));
    if (st.device == trash_st.device) return renamed;
    if (st.type == FileType::kSymlink) {
      TESSERA_ASSIGN_OR_RETURN(const std::string target, env.ReadLink(from));
      TESSERA_RETURN_IF_ERROR(env.Symlink(target, to));
    } else {
      TESSERA_RETURN_IF_ERROR(CopyFile(env, from, to));
    }
    copied = true;
  }
  // The trashed copy is durable before the original goes, and both before the caller records
  // the delete.
  TESSERA_RETURN_IF_ERROR(env.SyncDirAt(DirOf(to)));
  if (copied) TESSERA_RETURN_IF_ERROR(env.RemoveFileAt(from));
  TESSERA_RETURN_IF_ERROR(env.SyncDirAt(DirOf(from)));
  return trash.path() + "/" + dest;
}

common::Result<std::string> ReadVerifiedBlock(common::Env& env, const PathAt& path, uint64_t offset,
                                              uint32_t size, const common::BlockId& id) {
  TESSERA_ASSIGN_OR_RETURN(const auto file, env.OpenRegularFile(path));
  std::string data(size, '\0');
  size_t done = 0;
  while (done < size) {
    TESSERA_ASSIGN_OR_RETURN(const std::string_view got,
                             file->Read(offset + done, size - done, data.data() + done));
    if (got.empty()) return common::Conflict("shorter than the index says: " + path.ToString());
    // Read() may return a view of its own buffer rather than of the scratch.
    if (got.data() != data.data() + done) std::copy(got.begin(), got.end(), data.data() + done);
    done += got.size();
  }
  if (common::BlockId::Of(data) != id) {
    return common::Conflict("block " + id.ToHex().substr(0, 12) + " changed in " + path.ToString());
  }
  return data;
}

}  // namespace tessera::daemon::syncer
