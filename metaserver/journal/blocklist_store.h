// metaserver/journal/blocklist_store.h
//
// How the journal stores a file's blocklist compactly (schema/002_blocklist_deltas.sql): each
// file entry holds either its full list or a delta against an earlier entry of the namespace,
// named by JID (blocklist_codec.h), with chains bounded so reads stay fast.
//
// BlocklistResolver turns stored blobs back into full lists over one SQLite connection of one
// namespace, caching recent results (entries never change, so a cached list is never stale
// within a transaction that wrote it). Not thread-safe: it lives for one read or one commit
// batch, on the thread holding the connection; `select_blocklist` must outlive it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/wire/file_meta.h"
#include "metaserver/journal/sqlite.h"

namespace tessera::metaserver::journal {

// A stored chain holds at most this many deltas on top of a full list: the 16th version after a
// full one is stored full again.
inline constexpr int kMaxStoredDeltaChain = 15;
// Reading refuses (Corruption) chains longer than this, whoever wrote them.
inline constexpr int kMaxReadDeltaChain = 64;

// The SQL `select_blocklist` must be prepared from: (nsid, jid) -> kind, blocklist.
inline constexpr const char* kSelectBlocklistSql =
    "SELECT kind, blocklist FROM entries WHERE nsid = ?1 AND jid = ?2";

class BlocklistResolver {
 public:
  struct Resolved {
    std::shared_ptr<const std::vector<common::wire::BlockRef>> blocks;
    int depth = 0;  // deltas between this list and the full list it rests on
  };

  BlocklistResolver(SqliteStmt& select_blocklist, uint64_t nsid)
      : select_(select_blocklist), nsid_(nsid) {}
  BlocklistResolver(const BlocklistResolver&) = delete;
  BlocklistResolver& operator=(const BlocklistResolver&) = delete;

  // The full list of entry `jid`, whose stored blocklist column is `blob`. Corruption when the
  // blob or any base in its chain is bad, missing, not a file, not older, or too deep.
  common::Result<Resolved> FromBlob(uint64_t jid, std::string_view blob);
  // The full list of entry `jid`, read from the table. NotFound when there is no such entry,
  // InvalidArgument when it is not a file; Corruption as above.
  common::Result<Resolved> Of(uint64_t jid);

 private:
  // The stored form of entry `jid`: nullopt when absent; kind column in `kind`.
  common::Result<std::optional<std::string>> ReadBlob(uint64_t jid, int64_t* kind);
  void Remember(uint64_t jid, const Resolved& resolved);

  SqliteStmt& select_;
  const uint64_t nsid_;
  std::map<uint64_t, Resolved> cache_;
  size_t cached_blocks_ = 0;
};

// How to store `blocks` of a new entry whose path's previous version is a file whose list
// resolved to `previous` (nullopt: store it full). Returns the blob for the blocklist column and
// the base JID (0: full).
struct StoredForm {
  std::string blob;
  uint64_t base_jid = 0;
};
StoredForm ChooseStoredForm(const std::vector<common::wire::BlockRef>& blocks,
                            uint64_t previous_jid,
                            const std::optional<BlocklistResolver::Resolved>& previous);

}  // namespace tessera::metaserver::journal
