// daemon/syncer/delta_bases.h
//
// DeltaBases: for each block of a new version of `rel` to fetch, the block it probably
// replaces in a local file holding its neighbours (`rel` itself when it holds them: its old
// version; else any file), to name as the base of a delta the blockserver may answer instead of
// the block. Reads the index only. Thread: the syncer thread (the index's).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/block_id.h"
#include "common/wire/file_meta.h"
#include "daemon/index/index.h"

namespace tessera::daemon::syncer {

// `blocks`: the new version's blocklist; `fetch_at`: the indexes (ascending) of the blocks to
// fetch. One base (or nullopt) per entry of `fetch_at`.
std::vector<std::optional<common::BlockId>> DeltaBases(
    index::Index& index, const std::string& rel, const std::vector<common::wire::BlockRef>& blocks,
    const std::vector<size_t>& fetch_at);

}  // namespace tessera::daemon::syncer
