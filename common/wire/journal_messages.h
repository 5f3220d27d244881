// common/wire/journal_messages.h
//
// Metaserver request and response bodies (JSON; layout in docs/protocol.md), with Encode and
// Decode. Decode validates everything it can without context: types, ranges, path syntax
// (common/path.h), hex block ids, list lengths against the limits below; a violation is
// InvalidArgument naming the field. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/wire/file_meta.h"

namespace tessera::common::wire {

inline constexpr size_t kMaxCommitItems = 10'000;
inline constexpr size_t kMaxBlocksPerFile = 1'000'000;
inline constexpr size_t kMaxListLimit = 10'000;
// The most entries one subtree move covers: 2 * kMaxMovePaths + 1 (move_messages.h).
inline constexpr uint64_t kMaxMoveCovers = 200'001;
// The most block ids a list page asks desktops to store again, and one report names.
inline constexpr size_t kMaxWantedIds = 256;

// POST /v1/ns/{ns}/commit_batch
struct CommitItem {
  // The JID of the path's latest journal entry this change is based on; 0 when the client
  // believes the path has no entry yet. The server refuses the item when this is not the
  // path's latest JID (kConflict), and never applies it over a newer version.
  uint64_t parent_jid = 0;
  FileMeta meta;  // kDeleted for a delete
  // A file's blocklist as a change to its parent's (then meta.blocks is empty and meta.size the
  // full size). The server accepts it only when delta->base_jid == parent_jid == the path's
  // latest JID and that entry is a file; otherwise the item is kInvalid (send the full list).
  std::optional<BlocklistDelta> delta = std::nullopt;
};
struct CommitBatchRequest {
  std::string device;
  std::vector<CommitItem> items;
};

enum class CommitOutcome {
  kCommitted,   // jid assigned
  kNeedBlocks,  // upload `need_blocks` and commit again; nothing was written
  kConflict,    // parent is stale; `latest_jid` is the path's latest entry
  kInvalid,     // refused; `error` says why
};
struct CommitResult {
  std::string path;
  CommitOutcome outcome = CommitOutcome::kInvalid;
  uint64_t jid = 0;                  // kCommitted
  std::vector<BlockId> need_blocks;  // kNeedBlocks
  uint64_t latest_jid = 0;           // kConflict
  std::string error;                 // kInvalid
};
struct CommitBatchResponse {
  std::vector<CommitResult> results;  // one per item, same order
  // The namespace's head before and after the batch, and the journal's epoch. The batch's
  // committed items got exactly the JIDs head_before + 1 .. head (in item order), so a client
  // whose cursor was head_before may move it to head without listing its own entries. 0/0/""
  // from a server that does not say (then nothing may be assumed).
  uint64_t head_before = 0;
  uint64_t head = 0;
  std::string epoch;
};

// GET /v1/ns/{ns}/list?cursor=N&limit=M
struct ListResponse {
  std::vector<JournalEntry> entries;  // JID > cursor, ascending, at most `limit`
  uint64_t cursor = 0;                // pass back to continue (the last JID returned)
  bool has_more = false;
  uint64_t head = 0;  // the namespace's latest JID
  std::string epoch;  // changes when the journal is reset/recreated
  // Blocks the journal references that the blockserver lacks (reported by a desktop that
  // could not download them): a desktop holding a valid copy stores it again. At most
  // kMaxWantedIds; absent from the JSON when empty.
  std::vector<BlockId> wanted;
};

// POST /v1/ns/{ns}/missing_blocks: a desktop could not download entry `jid`: the blockserver
// has no valid copy of `ids` (at most kMaxWantedIds). The metaserver checks each against the
// entry's blocklist and the blockserver, and lists the ones still missing as `wanted`.
struct MissingBlocksRequest {
  uint64_t jid = 0;
  std::vector<BlockId> ids;
};
struct MissingBlocksResponse {
  uint64_t wanted = 0;  // how many of `ids` were confirmed missing and are now wanted
};

// GET /v1/ns/{ns}/notify?cursor=N&timeout_ms=T  (long-poll: answers when head > cursor or
// at the timeout)
struct NotifyResponse {
  uint64_t head = 0;
  std::string epoch;
};

std::string Encode(const CommitBatchRequest& m);
std::string Encode(const CommitBatchResponse& m);
std::string Encode(const ListResponse& m);
std::string Encode(const NotifyResponse& m);
std::string Encode(const MissingBlocksRequest& m);
std::string Encode(const MissingBlocksResponse& m);
// GET /v1/ns/{ns}/entry?jid=N: one journal entry, always with its full blocklist.
std::string Encode(const JournalEntry& m);

Result<CommitBatchRequest> DecodeCommitBatchRequest(std::string_view json);
Result<CommitBatchResponse> DecodeCommitBatchResponse(std::string_view json);
Result<ListResponse> DecodeListResponse(std::string_view json);
Result<NotifyResponse> DecodeNotifyResponse(std::string_view json);
Result<MissingBlocksRequest> DecodeMissingBlocksRequest(std::string_view json);
Result<MissingBlocksResponse> DecodeMissingBlocksResponse(std::string_view json);
Result<JournalEntry> DecodeJournalEntry(std::string_view json);

}  // namespace tessera::common::wire
