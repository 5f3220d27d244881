// daemon/remote/meta_client.h
//
// MetaClient: the metaserver API for one namespace as typed calls (commit_batch, list, notify)
// over one HttpClient. Transport failures and 5xx answers are kUnavailable (retry with backoff);
// 4xx answers map to InvalidArgument/NotFound/PermissionDenied with the server's message; a body
// that does not decode is Corruption. Not thread-safe: one client per thread (the syncer and the
// notify thread each own one).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/http/client.h"
#include "common/result.h"
#include "common/wire/journal_messages.h"

namespace tessera::daemon::remote {

// The Status for a completed HTTP exchange that was not a 200.
common::Status HttpError(std::string_view what, const common::http::ClientResponse& response);

class MetaClient {
 public:
  static common::Result<std::unique_ptr<MetaClient>> Create(const std::string& base_url,
                                                            const std::string& ns);

  common::Result<common::wire::CommitBatchResponse> Commit(
      const common::wire::CommitBatchRequest& request);
  common::Result<common::wire::ListResponse> List(uint64_t cursor, size_t limit);
  // Long-poll: returns when head > cursor or after `wait`.
  common::Result<common::wire::NotifyResponse> Notify(uint64_t cursor,
                                                      std::chrono::milliseconds wait);

 private:
  MetaClient(std::unique_ptr<common::http::HttpClient> http, std::string ns_prefix)
      : http_(std::move(http)), prefix_(std::move(ns_prefix)) {}
  std::unique_ptr<common::http::HttpClient> http_;
  const std::string prefix_;  // "/v1/ns/<ns>"
};

}  // namespace tessera::daemon::remote
