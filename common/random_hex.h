// common/random_hex.h
//
// Random identifiers from the kernel's generator (getrandom(2)): temp file names, folder
// markers. Not for keys or tokens an attacker must not guess (use the crypto library for
// those). Thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <string>

namespace tessera::common {

// 2 * `bytes` lowercase hex digits. Should getrandom fail (never seen), falls back to the pid
// and the clock: unique enough for names created exclusively.
std::string RandomHex(size_t bytes);

}  // namespace tessera::common
