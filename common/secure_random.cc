#include "common/secure_random.h"

#include <openssl/err.h>
#include <openssl/rand.h>

#include <climits>

namespace tessera::common {

Result<std::string> SecureRandomBytes(size_t bytes) {
  if (bytes > static_cast<size_t>(INT_MAX)) return InvalidArgument("SecureRandomBytes: too many");
  std::string out(bytes, '\0');
  if (bytes == 0) return out;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(bytes)) != 1) {
    return Unavailable("RAND_bytes: " + std::to_string(ERR_get_error()));
  }
  return out;
}

}  // namespace tessera::common
