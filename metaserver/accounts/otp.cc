#include "metaserver/accounts/otp.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cassert>

namespace tessera::metaserver::accounts {

std::string HotpCode(std::string_view key, uint64_t counter, int digits) {
  assert(digits >= 1 && digits <= 9);
  unsigned char message[8];
  for (int i = 7; i >= 0; --i) {  // the counter, big-endian (RFC 4226 section 5.2)
    message[i] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), message, sizeof message, mac,
       &mac_len);
  // Dynamic truncation (section 5.3): 31 bits at the offset the last nibble names.
  const int offset = mac[mac_len - 1] & 0x0f;
  const uint32_t binary = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) |
                          (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                          (static_cast<uint32_t>(mac[offset + 2]) << 8) |
                          static_cast<uint32_t>(mac[offset + 3]);
  uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::string code = std::to_string(binary % modulus);
  code.insert(0, static_cast<size_t>(digits) - code.size(), '0');
  return code;
}

uint64_t TotpStep(std::chrono::sys_seconds time, const TotpParams& params) {
  const auto seconds = time.time_since_epoch().count();
  if (seconds < 0) return 0;
  return static_cast<uint64_t>(seconds) / static_cast<uint64_t>(params.period.count());
}

std::string TotpCode(std::string_view key, std::chrono::sys_seconds time,
                     const TotpParams& params) {
  return HotpCode(key, TotpStep(time, params), params.digits);
}

std::optional<uint64_t> VerifyTotp(std::string_view key, std::string_view code,
                                   std::chrono::sys_seconds time, const TotpParams& params) {
  if (code.size() != static_cast<size_t>(params.digits)) return std::nullopt;
  for (const char c : code) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  const uint64_t now = TotpStep(time, params);
  const uint64_t window = static_cast<uint64_t>(params.window);
  const uint64_t first = now >= window ? now - window : 0;
  std::optional<uint64_t> matched;
  // Every step in the window is computed and compared, matched or not: the time taken does
  // not say which step (or whether any) matched.
  for (uint64_t step = first; step <= now + window; ++step) {
    const std::string expected = HotpCode(key, step, params.digits);
    if (CRYPTO_memcmp(expected.data(), code.data(), code.size()) == 0 && !matched) matched = step;
  }
  return matched;
}

}  // namespace tessera::metaserver::accounts
