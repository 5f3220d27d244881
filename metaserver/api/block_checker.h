// metaserver/api/block_checker.h
//
// BlockChecker asks the blockserver which blocks it lacks: POST {blockserver}/v1/blocks/has
// {"ids":[...]} -> {"missing":[...]}, in requests of at most wire::kMaxIdsPerRequest ids.
// It keeps a few HttpClients (each one keep-alive connection) in a pool, so concurrent commits
// do not share a connection. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/block_id.h"
#include "common/http/client.h"
#include "common/result.h"

namespace tessera::metaserver::api {

class BlockChecker {
 public:
  // InvalidArgument when `blockserver_url` is not http://host:port[/prefix]. Does not connect.
  static common::Result<std::unique_ptr<BlockChecker>> Create(
      std::string blockserver_url, common::http::ClientOptions options = DefaultOptions());
  BlockChecker(const BlockChecker&) = delete;
  BlockChecker& operator=(const BlockChecker&) = delete;

  // The ids among `ids` that the blockserver lacks (a subset of `ids`, no duplicates added).
  // Unavailable when the blockserver cannot be reached, times out, answers anything but 200,
  // or answers a body that does not decode.
  common::Result<std::vector<common::BlockId>> Missing(const std::vector<common::BlockId>& ids);

  static common::http::ClientOptions DefaultOptions();

 private:
  BlockChecker(std::string url, common::http::ClientOptions options)
      : url_(std::move(url)), options_(options) {}
  common::Result<std::unique_ptr<common::http::HttpClient>> TakeClient();
  void ReturnClient(std::unique_ptr<common::http::HttpClient> client);
  common::Result<std::vector<common::BlockId>> AskOnce(common::http::HttpClient& client,
                                                       const std::vector<common::BlockId>& ids);

  static constexpr size_t kMaxIdleClients = 4;
  const std::string url_;
  const common::http::ClientOptions options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<common::http::HttpClient>> idle_;  // guarded by mutex_
};

}  // namespace tessera::metaserver::api
