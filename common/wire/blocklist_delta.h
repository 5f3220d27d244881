// common/wire/blocklist_delta.h
//
// Blocklist deltas (wire::BlocklistDelta, file_meta.h): a file's new blocklist said as "keep
// the first P and the last S blocks of the base, put these blocks between them". A one-line edit
// of a big text file changes a block or two, so its commit carries two block refs instead of
// thousands. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "common/result.h"
#include "common/wire/file_meta.h"

namespace tessera::common::wire {

// SHA-256 over the list: each block's 32 id bytes and its size as 4 little-endian bytes.
BlockId BlocklistDigest(std::span<const BlockRef> blocks);

// The delta turning `base` into `target`: the longest common prefix, then the longest common
// suffix of what remains (they never overlap), the blocks in between, and target's digest.
// base_jid is left 0 for the caller to set. Blocks compare by id and size.
BlocklistDelta ComputeBlocklistDelta(std::span<const BlockRef> base,
                                     std::span<const BlockRef> target);

// `base` with `delta` applied. InvalidArgument (never a crash, whatever the delta holds) when
// keep_prefix + keep_suffix exceeds base.size(), the result would hold more than
// kMaxBlocksPerFile blocks, or the delta has a digest the result does not match. delta.base_jid is
// not looked at: matching it is the caller's job.
Result<std::vector<BlockRef>> ApplyBlocklistDelta(std::span<const BlockRef> base,
                                                  const BlocklistDelta& delta);

// Whether sending `delta` is worth it against sending the `full_blocks` refs of the whole list:
// it must carry fewer than half of them.
bool DeltaPays(const BlocklistDelta& delta, size_t full_blocks);

}  // namespace tessera::common::wire
