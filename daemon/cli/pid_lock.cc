#include "daemon/cli/pid_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace tessera::daemon::cli {

common::Result<std::unique_ptr<PidLock>> PidLock::Acquire(const std::string& state_dir) {
  const std::string path = state_dir + "/daemon.lock";
  common::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) return common::ErrnoStatus("open " + path, errno);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return common::Conflict("another tessera daemon already uses the state dir " + state_dir);
    }
    return common::ErrnoStatus("flock " + path, errno);
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd.get(), 0) != 0 || ::pwrite(fd.get(), pid.data(), pid.size(), 0) < 0) {
    return common::ErrnoStatus("write " + path, errno);
  }
  return std::unique_ptr<PidLock>(new PidLock(std::move(fd)));
}

bool PidLock::IsLocked(const std::string& state_dir) {
  const std::string path = state_dir + "/daemon.lock";
  common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  if (::flock(fd.get(), LOCK_SH | LOCK_NB) != 0) return errno == EWOULDBLOCK;
  ::flock(fd.get(), LOCK_UN);
  return false;
}

}  // namespace tessera::daemon::cli
