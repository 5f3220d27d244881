// common/chunker/block_list_diff.h
//
// Compares two block lists (the seed's `compare_sets`), and says what changed from `a` (the old
// version) to `b` (the new one): which blocks of `b` are new, and the one contiguous range to
// replace, for commit deltas (DESIGN decision 4). Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "common/wire/file_meta.h"

namespace tessera::common::chunker {

struct BlockListDiff {
  bool equal = false;  // same blocks in the same order
  // Indexes into `b` of blocks whose id appears nowhere in `a` (ascending). These are the only
  // blocks the new version may need to upload or fetch.
  std::vector<size_t> new_in_b;
  // `b` == a[0, prefix) + b[prefix, b.size() - suffix) + a[a.size() - suffix, a.size()):
  // the longest common prefix, then the longest common suffix of what remains (they never
  // overlap). A one-line edit gives a replaced range of a block or two.
  size_t prefix = 0;
  size_t suffix = 0;
};

// Blocks compare by id and size.
BlockListDiff CompareBlockLists(std::span<const wire::BlockRef> a,
                                std::span<const wire::BlockRef> b);

// Whether the two lists are identical (CompareBlockLists(a, b).equal, without the work).
bool SameBlockLists(std::span<const wire::BlockRef> a, std::span<const wire::BlockRef> b);

}  // namespace tessera::common::chunker
