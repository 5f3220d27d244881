#include "common/chunker/block_list_diff.h"

#include <algorithm>
#include <unordered_set>

namespace tessera::common::chunker {

bool SameBlockLists(std::span<const wire::BlockRef> a, std::span<const wire::BlockRef> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

BlockListDiff CompareBlockLists(std::span<const wire::BlockRef> a,
                                std::span<const wire::BlockRef> b) {
  BlockListDiff diff;
  const size_t common = std::min(a.size(), b.size());
  while (diff.prefix < common && a[diff.prefix] == b[diff.prefix]) ++diff.prefix;
  while (diff.suffix < common - diff.prefix &&
         a[a.size() - 1 - diff.suffix] == b[b.size() - 1 - diff.suffix]) {
    ++diff.suffix;
  }
  diff.equal = a.size() == b.size() && diff.prefix == a.size();

  std::unordered_set<BlockId> old_ids;
  old_ids.reserve(a.size());
  for (const auto& ref : a) old_ids.insert(ref.id);
  for (size_t i = 0; i < b.size(); ++i) {
    if (!old_ids.contains(b[i].id)) diff.new_in_b.push_back(i);
  }
  return diff;
}

}  // namespace tessera::common::chunker
