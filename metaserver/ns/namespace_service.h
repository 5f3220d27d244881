// metaserver/ns/namespace_service.h
//
// NamespaceService: what every way into the metaserver does with a namespace, independent of
// transport. The JSON API (metaserver/api/) is one adapter over it; the web page and WebDAV are
// to be two more beside it, each decoding its requests, calling these methods, and encoding
// the answers. Each call takes a RequestContext (request_context.h): the namespace's name is
// validated (namespace_name.h) and resolved there ONCE (where authorization will be checked),
// then the journal (journal/journal.h) applies its rules.
//
// Namespaces come into being with their first commit (or move). Until then a list answers an
// empty listing (head 0, the journal's epoch), a tree an empty tree, and a notify waits
// without creating anything: the commit that creates the namespace wakes it. Entry, history
// and file reads of an unknown namespace are NotFound.
//
// Errors: InvalidArgument for bad input (the name, a limit, a path), NotFound, Unavailable when
// the block store cannot be asked or too many long-polls wait (retry later),
// ResourceExhausted over a size bound, Corruption/IOError from the journal as it reports them.
// Thread-safe: any number of threads may call at once. The journal, notifier, block access and
// logger must outlive the service.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"
#include "common/result.h"
#include "common/wire/journal_messages.h"
#include "common/wire/move_messages.h"
#include "metaserver/journal/journal.h"
#include "metaserver/ns/block_access.h"
#include "metaserver/ns/notifier.h"
#include "metaserver/ns/request_context.h"
#include "metaserver/ns/wanted_blocks.h"

namespace tessera::metaserver::ns {

struct NamespaceServiceOptions {
  // The largest file ReadFile returns and WriteFile takes, in bytes (both hold it in memory).
  uint64_t max_file_bytes = 64ull << 20;
};

struct ListRequest {
  uint64_t cursor = 0;
  size_t limit = 1'000;  // 1..wire::kMaxListLimit
  bool deltas = false;   // blocklists as deltas where smaller (Journal::List)
  bool moves = false;    // each subtree move as its one entry (Journal::ListMoves)
};

struct TreeRequest {
  std::string dir;         // "" for the whole namespace
  uint64_t at_jid = 0;     // 0: the head
  std::string after_path;  // page on from the last path returned ("" to start)
  size_t limit = 1'000;    // 1..journal::kMaxTreeLimit
  bool children_only = false;
};

struct NotifyAnswer {
  uint64_t head = 0;
  std::string epoch;
};
using NotifyDoneFn = std::function<void(const NotifyAnswer& answer)>;

struct FileContent {
  journal::Entry entry;  // the version read, full blocklist
  std::string data;      // its bytes, every block verified against its id
};

struct WriteFileRequest {
  std::string device;       // who writes (as a commit's device)
  std::string path;         // a valid relative path
  uint64_t parent_jid = 0;  // the commit rules' parent: the path's latest JID, 0 when new
  std::string data;
  uint32_t mode = 0644;
  int64_t mtime_ns = 0;
};

class NamespaceService {
 public:
  NamespaceService(journal::Journal& journal, Notifier& notifier, BlockAccess& blocks,
                   common::Logger& log, NamespaceServiceOptions options = {});
  NamespaceService(const NamespaceService&) = delete;
  NamespaceService& operator=(const NamespaceService&) = delete;

  const std::string& epoch() const { return journal_.epoch(); }

  // commit_batch: the journal's commit rules over `items` (Journal::CommitBatch), the block
  // store asked once through BlockAccess; waiters of the namespace are woken when something
  // committed. Creates the namespace.
  common::Result<common::wire::CommitBatchResponse> Commit(
      const RequestContext& ctx, std::string_view device,
      const std::vector<common::wire::CommitItem>& items);

  // A subtree move (Journal::Move); wakes waiters when committed. Creates the namespace.
  common::Result<common::wire::MoveResponse> Move(const RequestContext& ctx,
                                                  const common::wire::MoveRequest& request);

  // A page of the journal after request.cursor (Journal::List or ListMoves).
  common::Result<journal::Page> List(const RequestContext& ctx, const ListRequest& request);

  // Long-poll: `done` runs exactly once (on this thread or another, without locks held) with
  // the namespace's head and the epoch -- at once when the head is past `cursor` (or `cursor`
  // is past the head: a client of another epoch), else when a commit moves it or at
  // `deadline`, unless `cancelled` says the client left first. Errors (and then no call):
  // InvalidArgument for the name, Unavailable when too many wait.
  common::Status Notify(const RequestContext& ctx, uint64_t cursor,
                        Notifier::Clock::time_point deadline, NotifyDoneFn done,
                        CancelledFn cancelled = {});

  // Every version of `path` after `cursor` (Journal::History).
  common::Result<journal::Page> History(const RequestContext& ctx, std::string_view path,
                                        uint64_t cursor, size_t limit);

  // Entry `jid` with its full blocklist (Journal::EntryAt).
  common::Result<journal::Entry> EntryAt(const RequestContext& ctx, uint64_t jid);

  // The live entries under a directory as of a JID (Journal::Tree).
  common::Result<journal::TreePage> Tree(const RequestContext& ctx, const TreeRequest& request);

  // The content of `path` as of JID `at_jid` (0: the head; Journal::PathAt): its blocks
  // fetched through BlockAccess and each verified. NotFound when the path is absent or deleted
  // then; InvalidArgument when it is not a file; ResourceExhausted over max_file_bytes;
  // Corruption when the block store lacks a block of it or sends wrong bytes.
  common::Result<FileContent> ReadFile(const RequestContext& ctx, std::string_view path,
                                       uint64_t at_jid = 0);

  // Writes `request.data` as a new version of `request.path`: chunked as the daemon chunks
  // (common/chunker/hashify.h), the blocks the store lacks stored, then committed on
  // request.parent_jid. The commit's outcome is the answer (kConflict when the parent is
  // stale). InvalidArgument for bad metadata, ResourceExhausted over max_file_bytes.
  common::Result<common::wire::CommitResult> WriteFile(const RequestContext& ctx,
                                                       const WriteFileRequest& request);

  // A desktop could not download entry `jid`: the block store had no valid copy of `ids`.
  // Each id that is in the entry's blocklist and that the block store lacks becomes wanted
  // (wanted_blocks.h); returns how many did. Ids not in the entry are ignored (a report can
  // make wanted only blocks the journal references). NotFound for an unknown namespace or
  // entry; InvalidArgument over wire::kMaxWantedIds ids; Unavailable when the block store
  // cannot be asked.
  common::Result<size_t> ReportMissing(const RequestContext& ctx, uint64_t jid,
                                       const std::vector<common::BlockId>& ids);

  // Up to wire::kMaxWantedIds of the namespace's wanted blocks that the block store still
  // lacks (those it has again are dropped). Empty for an unknown namespace, and when the block
  // store cannot be asked (the list answer does not depend on it).
  std::vector<common::BlockId> Wanted(const RequestContext& ctx);

 private:
  // Validates ctx.ns and finds its id; when it does not exist: creates it if `create`, else
  // nullopt. The one place a request meets a namespace.
  common::Result<std::optional<uint64_t>> Resolve(const RequestContext& ctx, bool create);
  common::Result<common::wire::CommitBatchResponse> CommitResolved(
      const RequestContext& ctx, uint64_t nsid, std::string_view device,
      const std::vector<common::wire::CommitItem>& items);

  journal::Journal& journal_;
  Notifier& notifier_;
  BlockAccess& blocks_;
  common::Logger& log_;
  const NamespaceServiceOptions options_;
  WantedBlocks wanted_;
};

}  // namespace tessera::metaserver::ns
