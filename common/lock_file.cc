#include "common/lock_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace tessera::common {

Result<std::unique_ptr<LockFile>> LockFile::Acquire(const std::string& dir, const std::string& name,
                                                    const std::string& who) {
  const std::string path = dir + "/" + name;
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd.valid()) return ErrnoStatus("open " + path, errno);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return Conflict("another " + who + " already uses " + dir);
    return ErrnoStatus("flock " + path, errno);
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd.get(), 0) != 0 || ::pwrite(fd.get(), pid.data(), pid.size(), 0) < 0) {
    return ErrnoStatus("write " + path, errno);
  }
  return std::unique_ptr<LockFile>(new LockFile(std::move(fd)));
}

Result<std::unique_ptr<LockFile>> LockFile::AcquireDir(const std::string& dir,
                                                       const std::string& who) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus("open " + dir, errno);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return Conflict("another " + who + " already uses " + dir);
    return ErrnoStatus("flock " + dir, errno);
  }
  return std::unique_ptr<LockFile>(new LockFile(std::move(fd)));
}

bool LockFile::IsLocked(const std::string& dir, const std::string& name) {
  const std::string path = dir + "/" + name;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) return false;
  if (::flock(fd.get(), LOCK_SH | LOCK_NB) != 0) return errno == EWOULDBLOCK;
  ::flock(fd.get(), LOCK_UN);
  return false;
}

}  // namespace tessera::common
