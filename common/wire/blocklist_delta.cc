#include "common/wire/blocklist_delta.h"

#include <algorithm>
#include <string>

#include "common/wire/journal_messages.h"

namespace tessera::common::wire {

BlockId BlocklistDigest(std::span<const BlockRef> blocks) {
  Sha256Hasher hasher;
  std::string buf;
  buf.reserve(4096);
  for (const BlockRef& b : blocks) {
    buf.append(b.id.bytes());
    for (int shift = 0; shift < 32; shift += 8) buf.push_back(static_cast<char>(b.size >> shift));
    if (buf.size() >= 4000) {
      hasher.Update(buf);
      buf.clear();
    }
  }
  hasher.Update(buf);
  return hasher.Finish();
}

BlocklistDelta ComputeBlocklistDelta(std::span<const BlockRef> base,
                                     std::span<const BlockRef> target) {
  BlocklistDelta delta;
  delta.digest = BlocklistDigest(target);
  const size_t common = std::min(base.size(), target.size());
  size_t prefix = 0;
  while (prefix < common && base[prefix] == target[prefix]) ++prefix;
  size_t suffix = 0;
  while (suffix < common - prefix &&
         base[base.size() - 1 - suffix] == target[target.size() - 1 - suffix]) {
    ++suffix;
  }
  delta.keep_prefix = prefix;
  delta.keep_suffix = suffix;
  delta.blocks.assign(target.begin() + static_cast<std::ptrdiff_t>(prefix),
                      target.end() - static_cast<std::ptrdiff_t>(suffix));
  return delta;
}

Result<std::vector<BlockRef>> ApplyBlocklistDelta(std::span<const BlockRef> base,
                                                  const BlocklistDelta& delta) {
  // Every comparison is made without adding untrusted numbers, so nothing can overflow.
  if (delta.keep_prefix > base.size() || delta.keep_suffix > base.size() - delta.keep_prefix) {
    return InvalidArgument("blocklist delta keeps " + std::to_string(delta.keep_prefix) + " + " +
                           std::to_string(delta.keep_suffix) + " blocks of a base of " +
                           std::to_string(base.size()));
  }
  const size_t kept = static_cast<size_t>(delta.keep_prefix + delta.keep_suffix);
  if (delta.blocks.size() > kMaxBlocksPerFile || kept > kMaxBlocksPerFile - delta.blocks.size()) {
    return InvalidArgument("blocklist delta gives more than " + std::to_string(kMaxBlocksPerFile) +
                           " blocks");
  }
  std::vector<BlockRef> out;
  out.reserve(kept + delta.blocks.size());
  const auto prefix = static_cast<std::ptrdiff_t>(delta.keep_prefix);
  const auto suffix = static_cast<std::ptrdiff_t>(delta.keep_suffix);
  out.insert(out.end(), base.begin(), base.begin() + prefix);
  out.insert(out.end(), delta.blocks.begin(), delta.blocks.end());
  out.insert(out.end(), base.end() - suffix, base.end());
  if (delta.digest && BlocklistDigest(out) != *delta.digest) {
    return InvalidArgument("blocklist delta does not give the list its digest names (wrong base?)");
  }
  return out;
}

bool DeltaPays(const BlocklistDelta& delta, size_t full_blocks) {
  return delta.blocks.size() * 2 < full_blocks;
}

}  // namespace tessera::common::wire
