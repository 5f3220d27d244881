// PosixEnv's PathAt calls (common/env.h): each PathAt becomes a directory descriptor and one
// name in it, for the *at(2) system calls.
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/env.h"
#include "common/posix_files.h"
#include "common/unique_fd.h"

namespace tessera::common {

namespace {

// Where one call acts: `name` in the directory `dirfd`.
struct Target {
  UniqueFd parent;       // set when a parent beneath a root had to be opened
  int dirfd = AT_FDCWD;  // AT_FDCWD for a plain path (then `name` is the whole path)
  std::string name;      // the last component; "." for the root itself
  std::string shown;     // the PathAt for messages
};

Status NotBeneath(const std::string& shown) {
  return NotFound(shown + ": a parent is missing, a symlink or not a directory");
}

// Opens the directory `rel` beneath `root_fd` without following any symlink or leaving it.
Result<UniqueFd> OpenDirBeneath(int root_fd, const std::string& rel, const std::string& shown) {
  open_how how{};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const long fd = ::syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    if (errno == EAGAIN || errno == EINTR) continue;  // a concurrent rename; try again
    if (errno == ENOSYS || errno == EPERM) break;     // an old kernel or a seccomp filter
    if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) return NotBeneath(shown);
    if (errno == EXDEV) return InvalidArgument(shown + ": leaves its root");
    return ErrnoStatus("openat2 " + shown, errno);
  }
  // One component at a time, none followed if it is a symlink (O_NOFOLLOW | O_DIRECTORY fails
  // with ENOTDIR on one). ".." never gets here: CheckRelative refused it.
  UniqueFd dir;
  int at = root_fd;
  size_t pos = 0;
  while (pos <= rel.size()) {
    size_t slash = rel.find('/', pos);
    if (slash == std::string::npos) slash = rel.size();
    const std::string component = rel.substr(pos, slash - pos);
    UniqueFd next(::openat(at, component.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) {
      if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) return NotBeneath(shown);
      return ErrnoStatus("openat " + shown, errno);
    }
    dir = std::move(next);
    at = dir.get();
    pos = slash + 1;
  }
  return dir;
}

Status CheckRelative(std::string_view rel, const std::string& shown) {
  size_t pos = 0;
  while (pos <= rel.size()) {
    size_t slash = rel.find('/', pos);
    if (slash == std::string_view::npos) slash = rel.size();
    const std::string_view component = rel.substr(pos, slash - pos);
    if (component.empty() || component == "." || component == "..") {
      return InvalidArgument(shown + ": not a relative path of plain names");
    }
    pos = slash + 1;
  }
  return Status::Ok();
}

Result<Target> Resolve(const PathAt& p) {
  Target t;
  t.shown = p.ToString();
  if (p.root == nullptr) {
    t.name = p.path.empty() ? "." : p.path;
    return t;
  }
  if (!p.root->valid()) return InvalidArgument(t.shown + ": the root directory is not open");
  t.dirfd = p.root->fd();
  if (p.path.empty()) {
    t.name.assign(1, '.');  // (not = ".": g++ 12 warns wrongly about that assignment)
    return t;
  }
  TESSERA_RETURN_IF_ERROR(CheckRelative(p.path, t.shown));
  const size_t slash = p.path.rfind('/');
  if (slash == std::string::npos) {
    t.name = p.path;
    return t;
  }
  TESSERA_ASSIGN_OR_RETURN(t.parent, OpenDirBeneath(t.dirfd, p.path.substr(0, slash), t.shown));
  t.dirfd = t.parent.get();
  t.name = p.path.substr(slash + 1);
  return t;
}

// The errno of a lookup: absent (or a parent that is not a directory) is NotFound.
Status LookupError(const std::string& what, int err) {
  if (err == ENOENT || err == ENOTDIR) return NotFound(what + ": " + std::strerror(err));
  return ErrnoStatus(what, err);
}

// The errno of a call that creates a name: taken is Conflict, no parent is NotFound.
Status CreateError(const std::string& what, int err) {
  if (err == EEXIST) return Conflict(what + ": exists");
  return LookupError(what, err);
}

}  // namespace

Result<RootDir> PosixEnv::OpenRoot(const std::string& dir) {
  UniqueFd fd(::open(dir.empty() ? "." : dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return LookupError("open root " + dir, errno);
  std::string path = dir;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return RootDir(std::move(path), std::move(fd));
}

Result<FileStat> PosixEnv::Lstat(const PathAt& path) {
  TESSERA_ASSIGN_OR_RETURN(const Target t, Resolve(path));
  struct stat st {};
  if (::fstatat(t.dirfd, t.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return LookupError("lstat " + t.shown, errno);
  }
  return posix::StatFrom(st);
}

Result<std::vector<DirEntry>> PosixEnv::ListDirEntries(const PathAt& dir) {
  TESSERA_ASSIGN_OR_RETURN(const Target t, Resolve(dir));
  const int fd = ::openat(t.dirfd, t.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP) return NotFound("opendir " + t.shown + ": a symlink");
    return LookupError("opendir " + t.shown, errno);
  }
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    const int err = errno;
    ::close(fd);
    return ErrnoStatus("fdopendir " + t.shown, err);
  }
  std::vector<DirEntry> out;
  errno = 0;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    DirEntry entry{std::string(name), FileType::kOther};
    switch (e->d_type) {
      case DT_REG:
        entry.type = FileType::kFile;
        break;
      case DT_DIR:
        entry.type = FileType::kDir;
        break;
      case DT_LNK:
        entry.type = FileType::kSymlink;
        break;
      case DT_UNKNOWN: {
        struct stat st {};
        if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
          errno = 0;
          continue;  // gone since readdir saw it
        }
        entry.type = posix::TypeOf(st.st_mode);
        break;
      }
      default:
        break;
    }
    out.push_back(std::move(entry));
    errno = 0;
  }
  const int err = errno;
  ::closedir(d);
  if (err != 0) return ErrnoStatus("readdir " + t.shown, err);
  return out;
}

Result<std::string> PosixEnv::ReadLink(const PathAt& path) {
  TESSERA_ASSIGN_OR_RETURN(const Target t, Resolve(path));
  std::string target(256, '\0');
  for (;;) {
    const ssize_t n = ::readlinkat(t.dirfd, t.name.c_str(), target.data(), target.size());
    if (n < 0) {
      if (errno == EINVAL) return InvalidArgument("readlink " + t.shown + ": not a symlink");
      return LookupError("readlink " + t.shown, errno);
    }
    if (static_cast<size_t>(n) < target.size()) {
      target.resize(static_cast<size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);  // possibly cut short: read again with more room
  }
}

Result<std::unique_ptr<RandomAccessFile>> PosixEnv::OpenRegularFile(const PathAt& path) {
  TESSERA_ASSIGN_OR_RETURN(const Target t, Resolve(path));
  // O_NONBLOCK: opening a fifo must not wait for a writer (it is refused right after).
  UniqueFd fd(::openat(t.dirfd, t.name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ELOOP) return NotFound("open " + t.shown + ": a symlink");
    return LookupError("open " + t.shown, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("fstat " + t.shown, errno);
  if (!S_ISREG(st.st_mode)) return InvalidArgument("open " + t.shown + ": not a regular file");
  return posix::MakeRandomAccessFile(t.shown, std::move(fd), static_cast<uint64_t>(st.st_size));
}

Result<std::unique_ptr<WritableFile>> PosixEnv::CreateExclusive(const PathAt& path, uint32_t mode) {
  TESSERA_ASSIGN_OR_RETURN(const Target t, Resolve(path));
  UniqueFd fd(::openat(t.dirfd, t.name.c_str(),
                       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                       static_cast<mode_t>(mode & 07777)));
  if (!fd.valid()) return CreateError("create " + t.shown, errno);
  return posix::MakeWritableFile(t.shown, std::move(fd), 0, /*full_sync=*/true);
}

Status PosixEnv::Mkdir(const PathAt& dir, uint32_t mode) {
  TESSERA_ASSIGN_OR_RETURN(const Target t, Resolve(dir));
  if (::mkdirat(t.dirfd, t.name.c_str(), static_cast<mode_t>(mode & 07777)) != 0) {
    return CreateError("mkdir " + t.shown, errno);
  }
  return Status::Ok();
}

Status PosixEnv::Rmdir(const PathAt& dir) {
  TESSERA_ASSIGN_OR_RETURN(const Target t, Resolve(dir));
  if (::unlinkat(t.dirfd, t.name.c_str(), AT_REMOVEDIR) != 0) {
    if (errno == ENOTEMPTY || errno == EEXIST) return Conflict("rmdir " + t.shown + ": not empty");
    return LookupError("rmdir " + t.shown, errno);
  }
  return Status::Ok();
}

Status PosixEnv::RemoveFileAt(const PathAt& path) {
  TESSERA_ASSIGN_OR_RETURN(const Target t, Resolve(path));
  if (::unlinkat(t.dirfd, t.name.c_str(), 0) != 0) {
    if (errno == EISDIR) return InvalidArgument("unlink " + t.shown + ": a directory");
    return LookupError("unlink " + t.shown, errno);
  }
  return Status::Ok();
}

Status PosixEnv::Symlink(const std::string& target, const PathAt& link) {
  TESSERA_ASSIGN_OR_RETURN(const Target t, Resolve(link));
  if (::symlinkat(target.c_str(), t.dirfd, t.name.c_str()) != 0) {
    return CreateError("symlink " + t.shown, errno);
  }
  return Status::Ok();
}

Status PosixEnv::Chmod(const PathAt& path, uint32_t mode) {
  TESSERA_ASSIGN_OR_RETURN(const Target t, Resolve(path));
  const auto bits = static_cast<mode_t>(mode & 07777);
  if (::fchmodat(t.dirfd, t.name.c_str(), bits, AT_SYMLINK_NOFOLLOW) == 0) return Status::Ok();
  if (errno != EOPNOTSUPP && errno != ENOTSUP) return LookupError("chmod " + t.shown, errno);
  // glibc refuses a symlink this way, and without /proc anything at all: tell them apart.
  struct stat st {};
  if (::fstatat(t.dirfd, t.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return LookupError("chmod " + t.shown, errno);
  }
  if (S_ISLNK(st.st_mode)) return InvalidArgument("chmod " + t.shown + ": a symlink");
  if (::fchmodat(t.dirfd, t.name.c_str(), bits, 0) != 0) {
    return LookupError("chmod " + t.shown, errno);
  }
  return Status::Ok();
}

Status PosixEnv::SetMtime(const PathAt& path, int64_t mtime_ns) {
  TESSERA_ASSIGN_OR_RETURN(const Target t, Resolve(path));
  const timespec times[2] = {{0, UTIME_OMIT}, posix::TimespecOf(mtime_ns)};
  if (::utimensat(t.dirfd, t.name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    return LookupError("utimensat " + t.shown, errno);
  }
  return Status::Ok();
}

Status PosixEnv::RenameAt(const PathAt& from, const PathAt& to, RenameMode mode) {
  TESSERA_ASSIGN_OR_RETURN(const Target f, Resolve(from));
  TESSERA_ASSIGN_OR_RETURN(const Target t, Resolve(to));
  const unsigned flags = mode == RenameMode::kNoReplace ? RENAME_NOREPLACE : 0;
  if (::renameat2(f.dirfd, f.name.c_str(), t.dirfd, t.name.c_str(), flags) != 0) {
    const std::string what = "rename " + f.shown + " -> " + t.shown;
    if (errno == EEXIST || errno == ENOTEMPTY) return Conflict(what + ": the target exists");
    return LookupError(what, errno);
  }
  return Status::Ok();
}

Status PosixEnv::SyncDirAt(const PathAt& dir) {
  TESSERA_ASSIGN_OR_RETURN(const Target t, Resolve(dir));
  // A plain path may follow a final symlink (a sync root that is a link): nothing is written
  // through it. Beneath a root nothing is followed, as everywhere else.
  const int nofollow = dir.root != nullptr ? O_NOFOLLOW : 0;
  UniqueFd fd(::openat(t.dirfd, t.name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | nofollow));
  if (!fd.valid()) return LookupError("open dir " + t.shown, errno);
  if (::fsync(fd.get()) != 0) return ErrnoStatus("fsync dir " + t.shown, errno);
  return Status::Ok();
}

}  // namespace tessera::common
