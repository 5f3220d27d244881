#include "metaserver/api/block_checker.h"

#include <algorithm>
#include <unordered_set>

#include "common/wire/block_messages.h"

namespace tessera::metaserver::api {

using common::BlockId;
using common::Result;

common::http::ClientOptions BlockChecker::DefaultOptions() {
  common::http::ClientOptions options;
  options.connect_timeout = std::chrono::milliseconds(2'000);
  options.request_timeout = std::chrono::milliseconds(15'000);
  options.max_body_bytes = 16ull << 20;  // 100k ids as hex JSON is ~7 MB
  return options;
}

Result<std::unique_ptr<BlockChecker>> BlockChecker::Create(std::string blockserver_url,
                                                           common::http::ClientOptions options) {
  // Validate the URL now so a typo fails at startup, not at the first commit.
  TESSERA_ASSIGN_OR_RETURN(auto client, common::http::HttpClient::Create(blockserver_url, options));
  std::unique_ptr<BlockChecker> checker(new BlockChecker(std::move(blockserver_url), options));
  checker->ReturnClient(std::move(client));
  return checker;
}

Result<std::unique_ptr<common::http::HttpClient>> BlockChecker::TakeClient() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      auto client = std::move(idle_.back());
      idle_.pop_back();
      return client;
    }
  }
  return common::http::HttpClient::Create(url_, options_);
}

void BlockChecker::ReturnClient(std::unique_ptr<common::http::HttpClient> client) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_.size() < kMaxIdleClients) idle_.push_back(std::move(client));
}

Result<std::vector<BlockId>> BlockChecker::AskOnce(common::http::HttpClient& client,
                                                   const std::vector<BlockId>& ids) {
  const std::string body = common::wire::EncodeIdList({ids}, "ids");
  auto response = client.Post("/v1/blocks/has", body, "application/json");
  if (!response.ok()) {
    return common::Unavailable("blockserver " + url_ + ": " + response.status().message());
  }
  if (response->status != 200) {
    return common::Unavailable("blockserver " + url_ + " answered HTTP " +
                               std::to_string(response->status) + " to /v1/blocks/has");
  }
  auto missing = common::wire::DecodeIdList(response->body, "missing");
  if (!missing.ok()) {
    return common::Unavailable("blockserver " + url_ +
                               " sent a bad /v1/blocks/has answer: " + missing.status().message());
  }
  return std::move(missing->ids);
}

Result<std::vector<BlockId>> BlockChecker::Missing(const std::vector<BlockId>& ids) {
  std::vector<BlockId> missing;
  if (ids.empty()) return missing;
  TESSERA_ASSIGN_OR_RETURN(auto client, TakeClient());
  const std::unordered_set<BlockId> asked(ids.begin(), ids.end());
  std::unordered_set<BlockId> added;
  for (size_t start = 0; start < ids.size(); start += common::wire::kMaxIdsPerRequest) {
    const size_t end = std::min(ids.size(), start + common::wire::kMaxIdsPerRequest);
    const std::vector<BlockId> chunk(ids.begin() + static_cast<ptrdiff_t>(start),
                                     ids.begin() + static_cast<ptrdiff_t>(end));
    // A failed client is dropped (not returned to the pool): its connection may be broken.
    TESSERA_ASSIGN_OR_RETURN(const std::vector<BlockId> lacking, AskOnce(*client, chunk));
    for (const BlockId& id : lacking) {
      // Trust the blockserver only about what it was asked.
      if (asked.contains(id) && added.insert(id).second) missing.push_back(id);
    }
  }
  ReturnClient(std::move(client));
  return missing;
}

}  // namespace tessera::metaserver::api
