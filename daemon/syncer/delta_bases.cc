#include "daemon/syncer/delta_bases.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

namespace tessera::daemon::syncer {

using common::wire::BlockRef;

namespace {

// How far from a block to fetch DeltaBases looks for a neighbour held locally.
constexpr size_t kNeighbourLookups = 4;
// How many places of a neighbour block DeltaBases reads, looking for the file's own.
constexpr size_t kPlacesLooked = 8;

}  // namespace

std::vector<std::optional<common::BlockId>> DeltaBases(index::Index& index, const std::string& rel,
                                                       const std::vector<BlockRef>& blocks,
                                                       const std::vector<size_t>& fetch_at) {
  // The old version of the file sits around the blocks we already hold: a neighbour of the
  // block to fetch found in a local file at index n means the block at n +/- distance there is
  // the one it replaced (a one-line edit changes one block between unchanged ones).
  std::unordered_map<std::string, std::vector<BlockRef>> versions;  // path -> its local blocks
  auto locate = [&](size_t j) -> std::pair<const std::vector<BlockRef>*, size_t> {
    // The file's own old version first: another file sharing the neighbour (a copy, common
    // boilerplate) holds some other block next to it.
    auto places = index.FindBlock(blocks[j].id, kPlacesLooked);
    if (!places.ok() || places->empty()) return {nullptr, 0};
    const index::BlockLocation* own = nullptr;
    for (const auto& p : *places) {
      if (p.path == rel && own == nullptr) own = &p;
    }
    const index::BlockLocation& where = own != nullptr ? *own : places->front();
    auto [it, inserted] = versions.try_emplace(where.path);
    if (inserted) {
      auto row = index.Get(where.path);
      if (row.ok() && *row && (*row)->local) it->second = (*row)->local->blocks;
    }
    uint64_t offset = 0;
    for (size_t n = 0; n < it->second.size(); ++n) {
      if (offset == where.offset && it->second[n].id == blocks[j].id) return {&it->second, n};
      offset += it->second[n].size;
    }
    return {nullptr, 0};
  };
  // Neighbours being fetched themselves are not local: no lookups for them (a first download
  // of a file costs no queries here).
  auto fetching = [&](size_t j) { return std::binary_search(fetch_at.begin(), fetch_at.end(), j); };
  std::vector<std::optional<common::BlockId>> bases(fetch_at.size());
  for (size_t f = 0; f < fetch_at.size(); ++f) {
    const size_t at = fetch_at[f];
    for (size_t d = 1; d <= kNeighbourLookups && d <= at && !bases[f]; ++d) {
      if (fetching(at - d)) continue;
      auto [old, n] = locate(at - d);
      if (old != nullptr && n + d < old->size()) bases[f] = (*old)[n + d].id;
    }
    for (size_t d = 1; d <= kNeighbourLookups && at + d < blocks.size() && !bases[f]; ++d) {
      if (fetching(at + d)) continue;
      auto [old, n] = locate(at + d);
      if (old != nullptr && n >= d) bases[f] = (*old)[n - d].id;
    }
  }
  return bases;
}

}  // namespace tessera::daemon::syncer
