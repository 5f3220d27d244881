// daemon/syncer/covered_entries.h
//
// StoreCoveredEntries: lists the journal entries a subtree move stands for (move_jid + 1 ..
// move_jid + covers: its copies and tombstones, which list?moves=1 folds into the move entry)
// and queues them in the index as ordinary pending entries, each only where it is the newest
// known for its path (Index::StoreListedEntries). The cursor does not move. Used by the Puller
// (a move superseded before it is applied) and the MoveApplier (a move applied path by path).
// Entries with invalid paths are refused (RecordError) and skipped. Unavailable when the
// metaserver is. Thread: the syncer thread.
#pragma once

#include <cstdint>

#include "common/client/meta_client.h"
#include "common/log.h"
#include "common/status.h"
#include "daemon/index/index.h"

namespace tessera::daemon::syncer {

common::Status StoreCoveredEntries(common::client::MetaClient& meta, index::Index& index,
                                   common::Logger& log, uint64_t move_jid, uint64_t covers);

}  // namespace tessera::daemon::syncer
