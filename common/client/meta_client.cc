#include "common/client/meta_client.h"

namespace tessera::common::client {

using common::Result;

Result<std::unique_ptr<MetaClient>> MetaClient::Create(const std::string& base_url,
                                                       const std::string& ns) {
  common::http::ClientOptions options;
  options.request_timeout = std::chrono::seconds(120);
  TESSERA_ASSIGN_OR_RETURN(auto http, common::http::HttpClient::Create(base_url, options));
  return std::unique_ptr<MetaClient>(
      new MetaClient(std::move(http), "/v1/ns/" + common::http::UrlEncode(ns)));
}

Result<common::wire::CommitBatchResponse> MetaClient::Commit(
    const common::wire::CommitBatchRequest& request) {
  std::string body = common::wire::Encode(request);
  Record([&](MetaClientStats& st) {
    ++st.commit_requests;
    st.commit_body_bytes += body.size();
  });
  TESSERA_ASSIGN_OR_RETURN(auto r,
                           http_->Post(prefix_ + "/commit_batch", body, "application/json"));
  if (r.status != 200) return HttpError("commit_batch", r);
  auto decoded = common::wire::DecodeCommitBatchResponse(r.body);
  if (!decoded.ok())
    return common::Corruption("commit_batch answer: " + decoded.status().message());
  if (decoded->results.size() != request.items.size()) {
    return common::Corruption("commit_batch answer has " + std::to_string(decoded->results.size()) +
                              " results for " + std::to_string(request.items.size()) + " items");
  }
  return decoded;
}

Result<common::wire::ListResponse> MetaClient::List(uint64_t cursor, size_t limit, bool deltas,
                                                    bool moves) {
  TESSERA_ASSIGN_OR_RETURN(
      auto r, http_->Get(prefix_ + "/list?cursor=" + std::to_string(cursor) +
                         "&limit=" + std::to_string(limit) + (deltas ? "&deltas=1" : "") +
                         (moves ? "&moves=1" : "")));
  Record([&](MetaClientStats& st) {
    ++st.list_requests;
    st.list_body_bytes += r.body.size();
  });
  if (r.status != 200) return HttpError("list", r);
  auto decoded = common::wire::DecodeListResponse(r.body);
  if (!decoded.ok()) return common::Corruption("list answer: " + decoded.status().message());
  return decoded;
}

Result<common::wire::MoveResponse> MetaClient::Move(const common::wire::MoveRequest& request) {
  const std::string body = common::wire::Encode(request);
  Record([&](MetaClientStats& st) {
    ++st.move_requests;
    st.commit_body_bytes += body.size();
  });
  TESSERA_ASSIGN_OR_RETURN(auto r, http_->Post(prefix_ + "/move", body, "application/json"));
  if (r.status != 200) return HttpError("move", r);
  auto decoded = common::wire::DecodeMoveResponse(r.body);
  if (!decoded.ok()) return common::Corruption("move answer: " + decoded.status().message());
  return decoded;
}

Result<uint64_t> MetaClient::ReportMissing(uint64_t jid, const std::vector<common::BlockId>& ids) {
  const std::string body = common::wire::Encode(common::wire::MissingBlocksRequest{jid, ids});
  TESSERA_ASSIGN_OR_RETURN(auto r,
                           http_->Post(prefix_ + "/missing_blocks", body, "application/json"));
  if (r.status != 200) return HttpError("missing_blocks", r);
  auto decoded = common::wire::DecodeMissingBlocksResponse(r.body);
  if (!decoded.ok()) {
    return common::Corruption("missing_blocks answer: " + decoded.status().message());
  }
  return decoded->wanted;
}

Result<common::wire::JournalEntry> MetaClient::Entry(uint64_t jid) {
  TESSERA_ASSIGN_OR_RETURN(auto r, http_->Get(prefix_ + "/entry?jid=" + std::to_string(jid)));
  Record([](MetaClientStats& st) { ++st.entry_requests; });
  if (r.status != 200) return HttpError("entry", r);
  auto decoded = common::wire::DecodeJournalEntry(r.body);
  if (!decoded.ok()) return common::Corruption("entry answer: " + decoded.status().message());
  if (decoded->jid != jid) {
    return common::Corruption("entry answer: jid " + std::to_string(decoded->jid) + " for " +
                              std::to_string(jid));
  }
  return decoded;
}

Result<common::wire::NotifyResponse> MetaClient::Notify(uint64_t cursor,
                                                        std::chrono::milliseconds wait) {
  Record([](MetaClientStats& st) { ++st.notify_requests; });
  TESSERA_ASSIGN_OR_RETURN(auto r, http_->Get(prefix_ + "/notify?cursor=" + std::to_string(cursor) +
                                                  "&timeout_ms=" + std::to_string(wait.count()),
                                              wait + std::chrono::seconds(15)));
  if (r.status != 200) return HttpError("notify", r);
  auto decoded = common::wire::DecodeNotifyResponse(r.body);
  if (!decoded.ok()) return common::Corruption("notify answer: " + decoded.status().message());
  if (decoded->head != cursor) Record([](MetaClientStats& st) { ++st.notify_wakeups; });
  return decoded;
}

}  // namespace tessera::common::client
