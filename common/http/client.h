// common/http/client.h
//
// HttpClient: a blocking HTTP/1.1 client for one base URL ("http://host:port"), keeping one
// keep-alive connection and reconnecting when it drops. Every call has a deadline; a response
// body larger than max_body_bytes is refused. Not thread-safe: one client per thread.
// Transport failures (refused, reset, timeout) return kUnavailable; the HTTP status of a
// completed exchange is in the Response, not the Status.
// Compression is transparent (docs/protocol.md, "Compression"): every request says
// `Accept-Encoding: zstd`; request bodies of at least 256 bytes go out as
// `Content-Encoding: zstd` when that is smaller; a zstd response body is inflated (capped at
// max_body_bytes) before the caller sees it, so ClientResponse::body is always plain.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace tessera::common::http {

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds request_timeout{60'000};
  // Limit of a response body, after inflating it when it came compressed.
  uint64_t max_body_bytes = 256ull << 20;
  // Send request bodies zstd-compressed (when >= 256 bytes and smaller) at this level.
  bool compress_requests = true;
  int zstd_level = 3;
};

struct ClientResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

class HttpClient {
 public:
  // InvalidArgument if `base_url` is not http://host:port[/prefix]. Does not connect yet.
  static Result<std::unique_ptr<HttpClient>> Create(std::string_view base_url,
                                                    ClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `target` is the path and query ("/v1/ns/x/list?cursor=3"). `timeout` overrides
  // request_timeout when non-zero (long-poll calls pass a longer one).
  // Besides kUnavailable: ResourceExhausted for a response body over max_body_bytes (sent or
  // inflated), Corruption for a compressed response that does not inflate or an unknown
  // response Content-Encoding.
  Result<ClientResponse> Get(std::string_view target,
                             std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
  Result<ClientResponse> Post(std::string_view target, std::string_view body,
                              std::string_view content_type,
                              std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
  // Extra header sent with every request (e.g. Authorization).
  void SetHeader(std::string name, std::string value);

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes `s` for use in a query value.
std::string UrlEncode(std::string_view s);

}  // namespace tessera::common::http
