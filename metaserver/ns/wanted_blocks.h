// metaserver/ns/wanted_blocks.h
//
// WantedBlocks: per namespace, the blocks the journal references that the blockserver was found
// to lack (a desktop could not download them, and the metaserver checked). They are handed to
// every desktop with its list pages, so that one holding a valid copy stores it again (the
// blockserver verifies it against its id), and dropped once the blockserver has them.
// Kept in memory only: after a restart the next desktop that fails to download reports again.
// Bounded: at most kMaxWantedPerNamespace ids a namespace and kMaxWantedNamespaces namespaces;
// beyond that a report is ignored (and made again by its desktop on its next attempt).
// Thread-safe: any number of threads call at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "common/block_id.h"
#include "common/mutex.h"

namespace tessera::metaserver::ns {

inline constexpr size_t kMaxWantedPerNamespace = 4'096;
inline constexpr size_t kMaxWantedNamespaces = 1'024;

class WantedBlocks {
 public:
  // Adds `ids` to namespace `nsid`'s wanted blocks (within the bounds); returns how many of
  // them are wanted now.
  size_t Add(uint64_t nsid, const std::vector<common::BlockId>& ids);
  // Up to `max` of the namespace's wanted blocks, in id order.
  std::vector<common::BlockId> Some(uint64_t nsid, size_t max) const;
  // Drops `ids` from the namespace's wanted blocks (the blockserver has them again).
  void Remove(uint64_t nsid, const std::vector<common::BlockId>& ids);

 private:
  mutable common::Mutex mutex_;
  std::map<uint64_t, std::set<common::BlockId>> wanted_ TESSERA_GUARDED_BY(mutex_);
};

}  // namespace tessera::metaserver::ns
