// common/wire/move_messages.h
//
// POST /v1/ns/{ns}/move: one directory (a whole subtree) moved to a new path in ONE journal
// commit that uploads no content (docs/protocol.md, "Subtree moves"), and the two extra fields
// a move entry carries in a listing ("moved_from", "covers"; JournalEntry in file_meta.h).
// Decode validates everything it can without context (paths, device length); a violation is
// InvalidArgument naming the field. Pure functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/block_id.h"
#include "common/result.h"
#include "common/wire/file_meta.h"

namespace tessera::common::wire {

// A move covers at most this many live paths under the old directory; bigger subtrees are
// refused (kInvalid) and the client commits them file by file.
inline constexpr uint64_t kMaxMovePaths = 100'000;

struct MoveRequest {
  std::string device;
  std::string from;            // a live directory
  uint64_t from_jid = 0;       // its latest JID as the client knows it
  std::string to;              // absent, or a tombstone, with nothing live under it
  uint64_t to_parent_jid = 0;  // to's latest JID (a tombstone), or 0 when the client knows none
  // SubtreeDigest of the live paths under from/ as the client knows them. The server moves only
  // when its own digest is the same (else kConflict): a path added, edited or deleted by
  // someone else since the client last listed is never carried along unseen. Empty (an older
  // client) is answered kConflict; otherwise 64 lowercase hex digits.
  std::string subtree;
};

// The digest of a subtree's live paths: SHA-256 over "<path>\0<jid>\n" for each live path under
// from/ (not from itself) with its latest JID, in bytewise path order, as 64 lowercase hex
// digits. Both sides compute it the same way. Not thread-safe; one per move.
class SubtreeDigest {
 public:
  void Add(std::string_view path, uint64_t jid);
  // The digest of what was added; the object is then reset.
  std::string Finish();

 private:
  Sha256Hasher hasher_;
};

enum class MoveOutcome {
  kCommitted,  // jid = the move entry, covers = how many entries follow it
  kConflict,   // from_jid, to_parent_jid or subtree is stale; latest_jid as documented
  kInvalid,    // refused; `error` says why (not a directory, to inside from, too big, ...)
};

struct MoveResponse {
  MoveOutcome outcome = MoveOutcome::kInvalid;
  uint64_t jid = 0;         // kCommitted
  uint64_t covers = 0;      // kCommitted: entries jid+1 .. jid+covers belong to the move
  uint64_t latest_jid = 0;  // kConflict
  std::string error;        // kInvalid
};

std::string Encode(const MoveRequest& m);
std::string Encode(const MoveResponse& m);
// from/to must be valid relative paths (common/path.h), differ, and `to` must not be `from` or
// inside it; device at most 256 bytes.
Result<MoveRequest> DecodeMoveRequest(std::string_view json);
Result<MoveResponse> DecodeMoveResponse(std::string_view json);

namespace internal {
// Used by journal_messages.cc for list entries: writes "moved_from" and "covers" when
// e.covers > 0; reads them back (absent = an ordinary entry), refusing a move entry that is not
// a directory, has an invalid or identical moved_from, or covers more than kMaxMoveCovers.
void MoveFieldsToJson(const JournalEntry& e, boost::json::object& o);
Status MoveFieldsFromJson(const boost::json::object& o, JournalEntry& e);
}  // namespace internal

}  // namespace tessera::common::wire
