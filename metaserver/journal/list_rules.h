// metaserver/journal/list_rules.h
//
// The rules of reading the journal (docs/protocol.md, "list", "history", "entry"), as pure
// functions: page limits, the blocklist deltas a listing may send, and the move fields a plain
// listing leaves out. Journal's reads (journal_reads.cc) apply them over a JournalSnapshot.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/status.h"
#include "metaserver/journal/types.h"

namespace tessera::metaserver::journal {

// The most entries one Tree page holds.
inline constexpr size_t kMaxTreeLimit = 10'000;

// InvalidArgument unless 1 <= limit <= wire::kMaxListLimit (list and history pages).
common::Status CheckListLimit(size_t limit);

// InvalidArgument unless `dir` is "" or a valid relative path, `after_path` likewise, and
// 1 <= limit <= kMaxTreeLimit (Journal::Tree).
common::Status CheckTreeQuery(std::string_view dir, std::string_view after_path, size_t limit);

// What a listing with deltas sends for a file entry with list `target` whose path's previous
// entry is the file `base_jid` with list `base`: the delta against it when that carries fewer
// than half of target's blocks (wire::DeltaPays), else nullopt (the full list is sent).
std::optional<BlocklistDelta> ListingDelta(std::span<const BlockRef> base, uint64_t base_jid,
                                           std::span<const BlockRef> target);

// `entry` as a plain listing, history or entry read shows it: a move entry looks like an
// ordinary directory entry there (moved_from and covers cleared).
void HideMoveFields(Entry& entry);

}  // namespace tessera::metaserver::journal
