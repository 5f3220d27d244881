#include "common/http/client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <optional>

#include "common/http/content_coding.h"

namespace tessera::common::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using net::ip::tcp;

namespace {

constexpr uint32_t kMaxResponseHeaderBytes = 64 * 1024;

// Errors that mean "the server closed the idle keep-alive connection before our request".
bool IsStaleConnection(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::connection_aborted || ec == bhttp::error::partial_message;
}

}  // namespace

struct HttpClient::Impl {
  std::string host;
  std::string port;
  std::string host_header;
  std::string prefix;  // base URL path without the trailing '/'
  ClientOptions options;
  std::vector<std::pair<std::string, std::string>> headers;

  net::io_context ioc{1};
  std::optional<beast::tcp_stream> stream;  // engaged while connected
  beast::flat_buffer buffer;
  uint64_t exchanges_on_connection = 0;
  zstd::Codec codec;  // body compression contexts, kept between requests

  // Runs the async operation started by `start` to completion on the private io_context.
  template <typename Start>
  error_code Run(Start&& start) {
    error_code result = net::error::would_block;
    start([&result](error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  void Disconnect() {
    if (stream) {
      error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream->socket().close(ignored);
      stream.reset();
    }
    buffer.clear();
    exchanges_on_connection = 0;
  }

  Status Connect() {
    Disconnect();
    tcp::resolver resolver(ioc);
    error_code ec;
    const auto endpoints = resolver.resolve(host, port, ec);
    if (ec) return Unavailable("resolve " + host + ": " + ec.message());
    stream.emplace(ioc);
    stream->expires_after(options.connect_timeout);
    ec = Run([&](auto handler) { stream->async_connect(endpoints, handler); });
    if (ec) {
      stream.reset();
      if (ec == beast::error::timeout) return Unavailable("connect " + host_header + ": timeout");
      return Unavailable("connect " + host_header + ": " + ec.message());
    }
    stream->socket().set_option(tcp::no_delay(true), ec);
    return Status::Ok();
  }

  // One request/response on the current connection. `stale` is set when the failure looks
  // like the server having closed an idle connection before seeing anything of ours.
  Result<ClientResponse> Exchange(const bhttp::request<bhttp::string_body>& request,
                                  std::chrono::milliseconds timeout, bool* stale) {
    *stale = false;
    stream->expires_after(timeout);  // one deadline for the write and the read
    error_code ec = Run([&](auto handler) { bhttp::async_write(*stream, request, handler); });
    if (ec) {
      *stale = IsStaleConnection(ec);
      Disconnect();
      return Unavailable(Describe("send", ec));
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.header_limit(kMaxResponseHeaderBytes);
    parser.body_limit(options.max_body_bytes);
    ec = Run([&](auto handler) { bhttp::async_read(*stream, buffer, parser, handler); });
    if (ec) {
      *stale = IsStaleConnection(ec) && !parser.got_some();
      Disconnect();
      if (ec == bhttp::error::body_limit) {
        return ResourceExhausted("response body over " + std::to_string(options.max_body_bytes) +
                                 " bytes");
      }
      return Unavailable(Describe("receive", ec));
    }
    ++exchanges_on_connection;
    auto response = parser.release();
    ClientResponse out;
    out.status = static_cast<int>(response.result_int());
    out.content_type = std::string(response[bhttp::field::content_type]);
    if (!response.keep_alive()) Disconnect();
    auto body = DecodeBody(response[bhttp::field::content_encoding], std::move(response.body()),
                           options.max_body_bytes, &codec);
    if (!body.ok()) {
      const Status& s = body.status();
      if (s.code() == Code::kResourceExhausted) {
        return ResourceExhausted("response from " + host_header + ": " + s.message());
      }
      return Corruption("response from " + host_header + ": " + s.message());
    }
    out.body = std::move(body).value();
    return out;
  }

  std::string Describe(std::string_view what, const error_code& ec) const {
    if (ec == beast::error::timeout) return std::string(what) + " " + host_header + ": timeout";
    return std::string(what) + " " + host_header + ": " + ec.message();
  }

  Result<ClientResponse> Call(bhttp::verb method, std::string_view target, std::string_view body,
                              std::string_view content_type, std::chrono::milliseconds timeout) {
    if (target.empty() || target.front() != '/') {
      return InvalidArgument("request target must start with '/'");
    }
    bhttp::request<bhttp::string_body> request{method, prefix + std::string(target), 11};
    // Only the headers that change what the server does: each byte here goes with every
    // request (no User-Agent).
    request.set(bhttp::field::host, host_header);
    request.set(bhttp::field::accept_encoding, kZstdCoding);
    for (const auto& [name, value] : headers) request.set(name, value);
    if (method == bhttp::verb::post) {
      request.set(bhttp::field::content_type, content_type);
      std::optional<std::string> packed;
      if (options.compress_requests) packed = MaybeCompress(body, options.zstd_level, &codec);
      if (packed) {
        request.set(bhttp::field::content_encoding, kZstdCoding);
        request.body() = std::move(*packed);
      } else {
        request.body() = std::string(body);
      }
    }
    request.keep_alive(true);
    request.prepare_payload();
    if (timeout.count() <= 0) timeout = options.request_timeout;

    // A reused connection may have been closed by the server while idle; then reconnect and
    // try once more. A fresh connection that fails is a real failure.
    for (int attempt = 0;; ++attempt) {
      const bool reused = stream.has_value() && exchanges_on_connection > 0;
      if (!stream) TESSERA_RETURN_IF_ERROR(Connect());
      bool stale = false;
      auto result = Exchange(request, timeout, &stale);
      if (result.ok() || !stale || !reused || attempt > 0) return result;
    }
  }
};

Result<std::unique_ptr<HttpClient>> HttpClient::Create(std::string_view base_url,
                                                       ClientOptions options) {
  auto url = boost::urls::parse_uri(base_url);
  if (!url) return InvalidArgument("bad base URL \"" + std::string(base_url) + "\"");
  if (url->scheme() != "http") return InvalidArgument("base URL must be http://host:port");
  if (url->has_userinfo() || url->has_query() || url->has_fragment() || url->host().empty()) {
    return InvalidArgument("base URL must be http://host:port[/prefix]");
  }
  auto impl = std::make_unique<Impl>();
  impl->host = url->host_address();  // "::1" for "[::1]"
  impl->port = url->has_port() ? std::string(url->port()) : "80";
  impl->host_header = std::string(url->encoded_host_and_port());
  impl->prefix = std::string(url->encoded_path());
  while (!impl->prefix.empty() && impl->prefix.back() == '/') impl->prefix.pop_back();
  impl->options = options;
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() { impl_->Disconnect(); }

Result<ClientResponse> HttpClient::Get(std::string_view target, std::chrono::milliseconds timeout) {
  return impl_->Call(bhttp::verb::get, target, {}, {}, timeout);
}

Result<ClientResponse> HttpClient::Post(std::string_view target, std::string_view body,
                                        std::string_view content_type,
                                        std::chrono::milliseconds timeout) {
  return impl_->Call(bhttp::verb::post, target, body, content_type, timeout);
}

void HttpClient::SetHeader(std::string name, std::string value) {
  for (auto& [n, v] : impl_->headers) {
    if (n == name) {
      v = std::move(value);
      return;
    }
  }
  impl_->headers.emplace_back(std::move(name), std::move(value));
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' ||
        b == '.' || b == '_' || b == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0xf]);
    }
  }
  return out;
}

}  // namespace tessera::common::http
