// common/auth/key_ring.h
//
// KeyRing: the token-verifying keys a server holds now, replaced whole when they change (the
// metaserver rotates its keys; the blockserver refreshes the set it fetched). Readers take a
// snapshot that stays valid however often the ring is replaced. Thread-safe.
#pragma once

#include <memory>
#include <vector>

#include "common/auth/signing_key.h"
#include "common/mutex.h"

namespace tessera::common::auth {

class KeyRing {
 public:
  using Keys = std::shared_ptr<const std::vector<VerifyKey>>;

  KeyRing() : keys_(std::make_shared<const std::vector<VerifyKey>>()) {}

  Keys Get() const {
    MutexLock lock(mutex_);
    return keys_;
  }
  void Set(std::vector<VerifyKey> keys) {
    auto next = std::make_shared<const std::vector<VerifyKey>>(std::move(keys));
    MutexLock lock(mutex_);
    keys_ = std::move(next);
  }

 private:
  mutable Mutex mutex_;
  Keys keys_ TESSERA_GUARDED_BY(mutex_);
};

}  // namespace tessera::common::auth
