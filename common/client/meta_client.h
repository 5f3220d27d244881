// common/client/meta_client.h
//
// MetaClient: the metaserver API for one namespace (docs/protocol.md) as typed calls
// (commit_batch, list, entry, move, notify) over one HttpClient. Transport failures and 5xx
// answers are kUnavailable (retry with backoff); other answers than 200 map as HttpError
// (http_error.h) with the server's message; a body that does not decode is Corruption. Not
// thread-safe, except stats(): one client per thread (the daemon's syncer and notify thread
// each own one).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/client/http_error.h"
#include "common/http/client.h"
#include "common/mutex.h"
#include "common/result.h"
#include "common/wire/journal_messages.h"
#include "common/wire/move_messages.h"

namespace tessera::common::client {

// What a MetaClient sent and received: JSON body bytes as encoded (before any transfer
// compression), for tests, logs and benchmarks.
struct MetaClientStats {
  uint64_t commit_requests = 0;
  uint64_t commit_body_bytes = 0;  // request bodies
  uint64_t list_requests = 0;
  uint64_t list_body_bytes = 0;  // response bodies
  uint64_t entry_requests = 0;
  uint64_t move_requests = 0;
  uint64_t notify_requests = 0;
  uint64_t notify_wakeups = 0;  // notify answers whose head is not the cursor asked from
};

class MetaClient {
 public:
  static common::Result<std::unique_ptr<MetaClient>> Create(const std::string& base_url,
                                                            const std::string& ns);

  common::Result<common::wire::CommitBatchResponse> Commit(
      const common::wire::CommitBatchRequest& request);
  // `deltas`: ask for file blocklists as deltas against the path's previous entry where smaller
  // (JournalEntry::delta); the caller must then resolve them (or fetch them with Entry).
  // `moves`: fold each subtree move into its one move entry (JournalEntry::covers > 0; the
  // covered entries are not sent and the cursor jumps past them; docs/protocol.md).
  common::Result<common::wire::ListResponse> List(uint64_t cursor, size_t limit,
                                                  bool deltas = false, bool moves = false);
  // POST move: one directory moved as one commit. The outcome is in the answer.
  common::Result<common::wire::MoveResponse> Move(const common::wire::MoveRequest& request);
  // GET entry?jid=N: one journal entry with its full blocklist. NotFound when there is none.
  common::Result<common::wire::JournalEntry> Entry(uint64_t jid);
  // POST missing_blocks: the blockserver had no valid copy of `ids` (at most
  // wire::kMaxWantedIds) of entry `jid`; returns how many the metaserver now asks desktops to
  // store again.
  common::Result<uint64_t> ReportMissing(uint64_t jid, const std::vector<common::BlockId>& ids);
  // Long-poll: returns when head > cursor or after `wait`.
  common::Result<common::wire::NotifyResponse> Notify(uint64_t cursor,
                                                      std::chrono::milliseconds wait);

  // A copy of the counts so far; safe to call from any thread while requests run.
  MetaClientStats stats() const {
    MutexLock lock(stats_mutex_);
    return stats_;
  }

 private:
  MetaClient(std::unique_ptr<common::http::HttpClient> http, std::string ns_prefix)
      : http_(std::move(http)), prefix_(std::move(ns_prefix)) {}
  std::unique_ptr<common::http::HttpClient> http_;
  const std::string prefix_;  // "/v1/ns/<ns>"
  // Updates the counts under their lock.
  template <class F>
  void Record(F update) {
    MutexLock lock(stats_mutex_);
    update(stats_);
  }
  mutable Mutex stats_mutex_;
  MetaClientStats stats_ TESSERA_GUARDED_BY(stats_mutex_);
};

}  // namespace tessera::common::client
