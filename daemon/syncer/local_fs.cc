#include "daemon/syncer/local_fs.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include "common/unique_fd.h"
#include "daemon/scanner/file_hasher.h"
#include "daemon/scanner/scanner.h"

namespace tessera::daemon::syncer {

using common::Status;
using common::wire::FileKind;

std::string ParentOf(const std::string& abs) {
  const auto slash = abs.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return abs.substr(0, slash);
}

std::string DateString(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::string TempPathIn(const std::string& dir) {
  // getrandom(2): one syscall, where a std::random_device costs an open per name.
  uint32_t r[2] = {0, 0};
  if (::getrandom(r, sizeof r, 0) != static_cast<ssize_t>(sizeof r)) {
    r[0] = static_cast<uint32_t>(::getpid());
    r[1] = static_cast<uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08x%08x", r[0], r[1]);
  return dir + "/" + std::string(scanner::kTempPrefix) + buf;
}

Status CheckTarget(const std::string& abs, const index::FileRow* row) {
  struct stat st {};
  const bool exists = ::lstat(abs.c_str(), &st) == 0;
  if (!exists && errno != ENOENT && errno != ENOTDIR)
    return common::ErrnoStatus("lstat " + abs, errno);
  const bool want = row && row->local.has_value();
  if (!exists) {
    return want ? common::Conflict("deleted locally since the last scan: " + abs) : Status::Ok();
  }
  if (!want) return common::Conflict("created locally since the last scan: " + abs);
  const FileVersion& local = *row->local;
  switch (local.kind) {
    case FileKind::kFile:
      if (S_ISREG(st.st_mode) && st.st_ino == row->stat.inode &&
          static_cast<uint64_t>(st.st_size) == local.size &&
          scanner::MtimeNs(st) == row->stat.mtime_ns) {
        return Status::Ok();
      }
      break;
    case FileKind::kDir:
      if (S_ISDIR(st.st_mode)) return Status::Ok();
      break;
    case FileKind::kSymlink: {
      if (!S_ISLNK(st.st_mode)) break;
      std::string target(4096, '\0');
      const ssize_t n = ::readlink(abs.c_str(), target.data(), target.size());
      if (n >= 0 &&
          std::string_view(target.data(), static_cast<size_t>(n)) == local.symlink_target) {
        return Status::Ok();
      }
      break;
    }
    case FileKind::kDeleted:
      break;
  }
  return common::Conflict("changed locally since the last scan: " + abs);
}

Status MakeParents(const std::string& root, const std::string& rel) {
  size_t pos = 0;
  for (;;) {
    const size_t slash = rel.find('/', pos);
    if (slash == std::string::npos) return Status::Ok();
    const std::string dir = root + "/" + rel.substr(0, slash);
    struct stat st {};
    if (::lstat(dir.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return common::InvalidArgument("not a directory (or a symlink) on the way: " + dir);
      }
    } else if (errno == ENOENT) {
      if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
        return common::ErrnoStatus("mkdir " + dir, errno);
      }
    } else {
      return common::ErrnoStatus("lstat " + dir, errno);
    }
    pos = slash + 1;
  }
}

Status RenameNoReplace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
    return Status::Ok();
  }
  if (errno == EEXIST) return common::Conflict("exists: " + to);
  return common::ErrnoStatus("rename " + from + " -> " + to, errno);
}

namespace {

// How many day folders ("DATE", "DATE 2", ...) MoveToTrash tries before giving up.
constexpr int kMaxTrashDayFolders = 100;

Status CopyFile(const std::string& from, const std::string& to) {
  common::UniqueFd in(::open(from.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in.valid()) return common::ErrnoStatus("open " + from, errno);
  common::UniqueFd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!out.valid()) return common::ErrnoStatus("open " + to, errno);
  std::string buf(1 << 20, '\0');
  for (;;) {
    const ssize_t n = ::read(in.get(), buf.data(), buf.size());
    if (n < 0) return common::ErrnoStatus("read " + from, errno);
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(out.get(), buf.data() + done, static_cast<size_t>(n - done));
      if (w < 0) return common::ErrnoStatus("write " + to, errno);
      done += w;
    }
  }
  if (::fsync(out.get()) != 0) return common::ErrnoStatus("fsync " + to, errno);
  return Status::Ok();
}

}  // namespace

common::Result<std::string> MoveToTrash(const std::string& abs, const std::string& trash_dir,
                                        const std::string& date, const std::string& rel) {
  // A trashed file may hold the name of a directory on `rel`'s way (a file trashed, then a
  // directory of the same name): then the next day folder "DATE 2", "DATE 3", ... takes it.
  std::string day = date;
  for (int n = 2;; ++n) {
    const Status made = MakeParents(trash_dir, day + "/" + rel);
    if (made.ok()) break;
    if (made.code() != common::Code::kInvalidArgument || n > kMaxTrashDayFolders) return made;
    day = date + " " + std::to_string(n);
  }
  const std::string base = trash_dir + "/" + day + "/" + rel;
  std::string dest = base;
  for (int n = 2;; ++n) {
    struct stat st {};
    if (::lstat(dest.c_str(), &st) != 0) break;
    dest = base + " " + std::to_string(n);
  }
  if (::rename(abs.c_str(), dest.c_str()) == 0) return dest;
  if (errno != EXDEV) return common::ErrnoStatus("rename " + abs + " -> " + dest, errno);
  struct stat st {};
  if (::lstat(abs.c_str(), &st) != 0) return common::ErrnoStatus("lstat " + abs, errno);
  if (S_ISLNK(st.st_mode)) {
    std::string target(4096, '\0');
    const ssize_t n = ::readlink(abs.c_str(), target.data(), target.size());
    if (n < 0) return common::ErrnoStatus("readlink " + abs, errno);
    target.resize(static_cast<size_t>(n));
    if (::symlink(target.c_str(), dest.c_str()) != 0)
      return common::ErrnoStatus("symlink " + dest, errno);
  } else {
    TESSERA_RETURN_IF_ERROR(CopyFile(abs, dest));
  }
  if (::unlink(abs.c_str()) != 0) return common::ErrnoStatus("unlink " + abs, errno);
  return dest;
}

common::Result<std::string> ReadVerifiedBlock(const std::string& abs, uint64_t offset,
                                              uint32_t size, const common::BlockId& id) {
  common::UniqueFd fd(::open(abs.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT || errno == ELOOP) return common::NotFound("open " + abs);
    return common::ErrnoStatus("open " + abs, errno);
  }
  std::string data(size, '\0');
  size_t done = 0;
  while (done < size) {
    const ssize_t n =
        ::pread(fd.get(), data.data() + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) return common::ErrnoStatus("pread " + abs, errno);
    if (n == 0) return common::Conflict("shorter than the index says: " + abs);
    done += static_cast<size_t>(n);
  }
  if (common::BlockId::Of(data) != id) {
    return common::Conflict("block " + id.ToHex().substr(0, 12) + " changed in " + abs);
  }
  return data;
}

Status SyncDirectory(const std::string& dir) {
  common::UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return common::ErrnoStatus("open " + dir, errno);
  if (::fsync(fd.get()) != 0) return common::ErrnoStatus("fsync " + dir, errno);
  return Status::Ok();
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return common::ErrnoStatus("write " + path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

}  // namespace tessera::daemon::syncer
