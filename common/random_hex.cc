#include "common/random_hex.h"

#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <vector>

namespace tessera::common {

std::string RandomHex(size_t bytes) {
  // getrandom(2): one system call, where a std::random_device costs an open per call.
  std::vector<unsigned char> r(bytes);
  size_t got = 0;
  while (got < bytes) {
    const ssize_t n = ::getrandom(r.data() + got, bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  if (got < bytes) {
    uint64_t seed =
        static_cast<uint64_t>(::getpid()) * 0x9E3779B97F4A7C15ull ^
        static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    for (size_t i = got; i < bytes; ++i) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      r[i] = static_cast<unsigned char>(seed >> 56);
    }
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(bytes * 2, '0');
  for (size_t i = 0; i < bytes; ++i) {
    out[2 * i] = kHex[r[i] >> 4];
    out[2 * i + 1] = kHex[r[i] & 15];
  }
  return out;
}

}  // namespace tessera::common
