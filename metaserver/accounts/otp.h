// metaserver/accounts/otp.h
//
// One-time passwords: HOTP (RFC 4226) over HMAC-SHA-1 and TOTP (RFC 6238), the codes
// authenticator apps show. A TOTP code is the HOTP code of the time step
// floor(unix_seconds / period). Verification accepts the current step and `window` steps
// either side (clocks drift) and says which step matched, so that a caller can refuse a code
// whose step is not newer than the last one it accepted (a replay; see account_store.h).
// Times are whole seconds since the Unix epoch (sys_seconds: RFC 6238's test times reach past
// what a nanosecond system_clock::time_point holds). Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::metaserver::accounts {

struct TotpParams {
  int digits = 6;                   // 6..8 (RFC 4226 section 5.3)
  std::chrono::seconds period{30};  // X in RFC 6238
  int window = 1;                   // steps accepted before and after the current one
};

// The `digits`-digit HOTP code (zero-padded) of `key` at `counter`.
// REQUIRES: 1 <= digits <= 9.
std::string HotpCode(std::string_view key, uint64_t counter, int digits = 6);

// The TOTP time step of `time` (0 before the epoch).
uint64_t TotpStep(std::chrono::sys_seconds time, const TotpParams& params = {});

// The TOTP code of `key` at `time`.
std::string TotpCode(std::string_view key, std::chrono::sys_seconds time,
                     const TotpParams& params = {});

// The step whose code `code` is, among TotpStep(time) - window .. + window (the earliest
// match when two steps share a code), or nullopt when none. Codes are compared in constant
// time; a code of the wrong length or with a non-digit never matches.
std::optional<uint64_t> VerifyTotp(std::string_view key, std::string_view code,
                                   std::chrono::sys_seconds time, const TotpParams& params = {});

}  // namespace tessera::metaserver::accounts
