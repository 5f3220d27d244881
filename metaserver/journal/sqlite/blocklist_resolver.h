// metaserver/journal/sqlite/blocklist_resolver.h
//
// How the SQLite store keeps a file's blocklist compactly (schema/002_blocklist_deltas.sql):
// each file entry's `blocklist` column holds either its full list or a delta against an
// earlier entry of the namespace, named by JID (journal/blocklist_codec.h). Which form a new
// entry gets is the commit rules' choice (ChooseStoredForm, journal/commit_rules.h), which
// keep chains at most kMaxStoredDeltaChain deep.
//
// BlocklistResolver turns stored blobs back into full lists over one SQLite connection of one
// namespace, caching recent results (entries never change, so a cached list is never stale
// within a transaction that wrote it). Not thread-safe: it lives for one read snapshot or one
// write transaction, on the thread holding the connection; `select_blocklist` must outlive it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "metaserver/journal/sqlite/sqlite_names.h"
#include "metaserver/journal/types.h"

namespace tessera::metaserver::journal::sqlite {

// Reading refuses (Corruption) chains longer than this, whoever wrote them.
inline constexpr int kMaxReadDeltaChain = 64;

// The SQL `select_blocklist` must be prepared from: (nsid, jid) -> kind, blocklist.
inline constexpr const char* kSelectBlocklistSql =
    "SELECT kind, blocklist FROM entries WHERE nsid = ?1 AND jid = ?2";

// The blob for the blocklist column of a new file entry with list `blocks` stored in form
// `stored` (a delta names its base inside the blob).
std::string EncodeStoredBlocklist(const std::vector<BlockRef>& blocks, const StoredForm& stored);

class BlocklistResolver {
 public:
  BlocklistResolver(SqliteStmt& select_blocklist, uint64_t nsid)
      : select_(select_blocklist), nsid_(nsid) {}
  BlocklistResolver(const BlocklistResolver&) = delete;
  BlocklistResolver& operator=(const BlocklistResolver&) = delete;

  // The full list of entry `jid`, whose stored blocklist column is `blob`. Corruption when the
  // blob or any base in its chain is bad, missing, not a file, not older, or too deep.
  common::Result<ResolvedBlocklist> FromBlob(uint64_t jid, std::string_view blob);
  // The full list of entry `jid`, read from the table. NotFound when there is no such entry,
  // InvalidArgument when it is not a file; Corruption as above.
  common::Result<ResolvedBlocklist> Of(uint64_t jid);

 private:
  // The stored form of entry `jid`: nullopt when absent; kind column in `kind`.
  common::Result<std::optional<std::string>> ReadBlob(uint64_t jid, int64_t* kind);
  void Remember(uint64_t jid, const ResolvedBlocklist& resolved);

  SqliteStmt& select_;
  const uint64_t nsid_;
  std::map<uint64_t, ResolvedBlocklist> cache_;
  size_t cached_blocks_ = 0;
};

}  // namespace tessera::metaserver::journal::sqlite
