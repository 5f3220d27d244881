#include "common/temp_name.h"

#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>

namespace tessera::common {

std::string TempFileName() {
  // getrandom(2): one system call, where a std::random_device costs an open per name.
  uint32_t r[2] = {0, 0};
  ssize_t n = -1;
  do {
    n = ::getrandom(r, sizeof r, 0);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof r)) {
    // Never seen in practice; the exclusive create that follows catches a collision.
    r[0] = static_cast<uint32_t>(::getpid());
    r[1] = static_cast<uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08x%08x", r[0], r[1]);
  return std::string(kTempPrefix) + buf;
}

std::string TempPathIn(std::string_view dir) {
  if (dir.empty()) return TempFileName();
  std::string out(dir);
  if (out.back() != '/') out += '/';
  return out + TempFileName();
}

bool IsTempName(std::string_view name) { return name.starts_with(kTempPrefix); }

}  // namespace tessera::common
