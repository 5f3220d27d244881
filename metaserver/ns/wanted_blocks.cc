#include "metaserver/ns/wanted_blocks.h"

namespace tessera::metaserver::ns {

size_t WantedBlocks::Add(uint64_t nsid, const std::vector<common::BlockId>& ids) {
  common::MutexLock lock(mutex_);
  auto it = wanted_.find(nsid);
  if (it == wanted_.end()) {
    if (wanted_.size() >= kMaxWantedNamespaces) return 0;
    it = wanted_.emplace(nsid, std::set<common::BlockId>{}).first;
  }
  size_t count = 0;
  for (const common::BlockId& id : ids) {
    if (it->second.size() >= kMaxWantedPerNamespace && !it->second.contains(id)) continue;
    it->second.insert(id);
    ++count;
  }
  if (it->second.empty()) wanted_.erase(it);
  return count;
}

std::vector<common::BlockId> WantedBlocks::Some(uint64_t nsid, size_t max) const {
  common::MutexLock lock(mutex_);
  std::vector<common::BlockId> out;
  const auto it = wanted_.find(nsid);
  if (it == wanted_.end()) return out;
  for (const common::BlockId& id : it->second) {
    if (out.size() >= max) break;
    out.push_back(id);
  }
  return out;
}

void WantedBlocks::Remove(uint64_t nsid, const std::vector<common::BlockId>& ids) {
  common::MutexLock lock(mutex_);
  const auto it = wanted_.find(nsid);
  if (it == wanted_.end()) return;
  for (const common::BlockId& id : ids) it->second.erase(id);
  if (it->second.empty()) wanted_.erase(it);
}

}  // namespace tessera::metaserver::ns
