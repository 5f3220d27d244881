#include "common/http/session.h"

#include <sys/socket.h>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <cerrno>
#include <tuple>

#include "common/http/content_coding.h"

namespace tessera::common::http {

namespace bhttp = boost::beast::http;
using net::ip::tcp;

namespace {

constexpr uint32_t kMaxHeaderBytes = 64 * 1024;
constexpr uint64_t kMaxLingerBytes = 8ull << 20;
constexpr std::chrono::seconds kMaxLinger{5};

auto AsTuple() { return net::as_tuple(net::use_awaitable); }

// An error answer whose name is not one of the Status codes (405, 431, ...).
Response Plain(int status, std::string_view error, std::string message) {
  Response r;
  r.status = status;
  r.body = boost::json::serialize(boost::json::object{
      {"error", boost::json::string_view(error.data(), error.size())}, {"message", message}});
  return r;
}

// Inflates a compressed request body in place (to at most `max_body_bytes`) and drops its
// Content-Encoding, so handlers only ever see plain bodies. On failure, the answer to send.
std::optional<Response> DecodeRequestBody(bhttp::request<bhttp::string_body>& in,
                                          uint64_t max_body_bytes, zstd::Codec& codec) {
  const auto coding = in.find(bhttp::field::content_encoding);
  if (coding == in.end()) return std::nullopt;
  auto body = DecodeBody(coding->value(), std::move(in.body()), max_body_bytes, &codec);
  if (!body.ok()) {
    const Status& s = body.status();
    if (s.code() == Code::kResourceExhausted) {
      return Plain(413, "ResourceExhausted", "request body: " + s.message());
    }
    if (s.code() == Code::kInvalidArgument) {
      return Plain(415, "UnsupportedMediaType", s.message());
    }
    return Plain(400, "InvalidArgument", "request body: " + s.message());
  }
  in.body() = std::move(body).value();
  in.erase(bhttp::field::content_encoding);
  return std::nullopt;
}

// The body limit of the route `header` goes to (RouteMatch::max_body_bytes), within the server's
// `server_limit`; the server's for a target that matches no route or does not parse.
uint64_t BodyLimitOf(const Router& router, const bhttp::request_header<>& header,
                     uint64_t server_limit) {
  auto url = boost::urls::parse_origin_form(header.target());
  if (!url) return server_limit;
  Request probe;
  probe.method = std::string(header.method_string());
  probe.path = url->path();
  const RouteMatch match = router.Match(probe);
  if (match.max_body_bytes == 0) return server_limit;
  return std::min(match.max_body_bytes, server_limit);
}

// Builds the handler's view of a request; InvalidArgument for a malformed target.
Result<Request> ToRequest(bhttp::request<bhttp::string_body>&& in, const std::string& remote) {
  Request out;
  out.method = std::string(in.method_string());
  auto url = boost::urls::parse_origin_form(in.target());
  if (!url) return InvalidArgument("malformed request target");
  out.path = url->path();
  for (const auto& param : url->params()) out.query[param.key] = param.value;
  for (const auto& field : in) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto [it, inserted] = out.headers.emplace(name, std::string(field.value()));
    if (!inserted) it->second += ", " + std::string(field.value());
  }
  out.body = std::move(in.body());
  out.remote = remote;
  return out;
}

bool IsQuietError(const boost::system::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
         ec == net::error::operation_aborted || ec == beast::error::timeout ||
         ec == net::error::connection_reset || ec == net::error::eof ||
         ec == net::error::broken_pipe || ec == net::error::bad_descriptor;
}

}  // namespace

Response Session::BudgetFull() {
  log_.Debug("http", remote_ + ": request bodies in flight at the budget, answered 503");
  Response busy = Plain(503, "Unavailable",
                        "request bodies in flight would exceed the server's " +
                            std::to_string(budget_.max_bytes()) + " bytes; retry later");
  busy.headers.emplace_back("Retry-After", "1");
  return busy;
}

uint64_t SessionRegistry::Add(std::weak_ptr<Session> session) {
  MutexLock lock(mutex_);
  const uint64_t id = next_id_++;
  sessions_.emplace(id, std::move(session));
  return id;
}

void SessionRegistry::Remove(uint64_t id) {
  MutexLock lock(mutex_);
  sessions_.erase(id);
  if (sessions_.empty()) empty_.NotifyAll();
}

std::vector<std::shared_ptr<Session>> SessionRegistry::Live() {
  MutexLock lock(mutex_);
  std::vector<std::shared_ptr<Session>> out;
  for (auto& [id, weak] : sessions_) {
    if (auto s = weak.lock()) out.push_back(std::move(s));
  }
  return out;
}

bool SessionRegistry::WaitEmpty(std::chrono::steady_clock::time_point deadline) {
  MutexLock lock(mutex_);
  return empty_.WaitUntil(mutex_, deadline,
                          [&]() TESSERA_REQUIRES(mutex_) { return sessions_.empty(); });
}

Session::Session(tcp::socket socket, const Router& router, WorkerPool& workers,
                 const ServerOptions& options, Logger& log, SessionRegistry& registry,
                 const std::atomic<bool>& stopping, BodyBudget& budget)
    : stream_(std::move(socket)),
      router_(router),
      workers_(workers),
      options_(options),
      log_(log),
      registry_(registry),
      stopping_(stopping),
      budget_(budget) {
  boost::system::error_code ec;
  const auto endpoint = stream_.socket().remote_endpoint(ec);
  if (!ec) remote_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  stream_.socket().set_option(tcp::no_delay(true), ec);
}

Session::~Session() {
  if (slot_) slot_->Close();
  if (registry_id_ != 0) registry_.Remove(registry_id_);
}

void Session::Start() {
  registry_id_ = registry_.Add(weak_from_this());
  net::co_spawn(stream_.get_executor(), Run(), [self = shared_from_this()](std::exception_ptr e) {
    if (e) self->log_.Error("http", "session coroutine threw (a bug)");
  });
}

void Session::Shutdown() {
  // A sync handler is never cut short: its worker answers (or the pool answers 503 for a
  // request still queued), and Stop() waits for that.
  if (hold_timer_ != nullptr && !holding_sync_) hold_timer_->cancel();
  if (reading_) {
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }
}

void Session::CloseSlot() {
  if (slot_) slot_->Close();
}

net::awaitable<void> Session::Run() {
  auto self = shared_from_this();
  while (!stopping_.load()) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(kMaxHeaderBytes);
    parser.body_limit(options_.max_body_bytes);
    stream_.expires_after(options_.read_timeout);
    reading_ = true;
    auto [ec, n] = co_await bhttp::async_read_header(stream_, buffer_, parser, AsTuple());
    // The route's limit holds for the body as sent, and for it inflated (below).
    uint64_t body_limit = options_.max_body_bytes;
    if (!ec) {
      body_limit = BodyLimitOf(router_, parser.get().base(), options_.max_body_bytes);
      parser.body_limit(body_limit);
      // Beast checks a Content-Length against the limit while parsing the header, before the
      // route's limit was known; the chunked body's length is checked as it is read.
      if (const auto length = parser.content_length(); length && *length > body_limit) {
        ec = bhttp::error::body_limit;
      } else if (!parser.is_done()) {
        std::tie(ec, n) = co_await bhttp::async_read(stream_, buffer_, parser, AsTuple());
      }
    }
    reading_ = false;
    if (ec == bhttp::error::body_limit) {
      co_await RefuseAndLinger(
          Plain(413, "ResourceExhausted",
                "request body over " + std::to_string(body_limit) + " bytes, the limit of " +
                    std::string(parser.get().method_string()) + " " +
                    std::string(parser.get().target())),
          parser.get().version());
      co_return;
    }
    if (ec == bhttp::error::header_limit) {
      co_await RefuseAndLinger(Plain(431, "ResourceExhausted", "request headers too large"),
                               parser.get().version());
      co_return;
    }
    if (ec) {
      if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category() &&
          !IsQuietError(ec)) {
        co_await RefuseAndLinger(Plain(400, "InvalidArgument", "bad request: " + ec.message()), 11);
      } else if (!IsQuietError(ec)) {
        log_.Debug("http", remote_ + ": read: " + ec.message());
      }
      co_return;
    }
    auto raw = parser.release();
    const unsigned version = raw.version();
    bool keep_alive = raw.keep_alive();
    const bool accept_zstd =
        options_.compress_responses && AcceptsZstd(raw[bhttp::field::accept_encoding]);
    // Inflating stops at the route's limit, or sooner at what is left of the server's budget
    // (then the answer is 503, not 413). Inflation runs on the I/O threads, so the budget is
    // overshot by at most one body limit per I/O thread.
    uint64_t inflate_limit = body_limit;
    bool budget_bound = false;
    if (const uint64_t used = budget_.in_use(); used != 0) {
      const uint64_t room = used < budget_.max_bytes() ? budget_.max_bytes() - used : 0;
      if (room < inflate_limit) {
        inflate_limit = room;
        budget_bound = true;
      }
    }
    std::optional<Response> response = DecodeRequestBody(raw, inflate_limit, codec_);
    if (response && response->status == 413 && budget_bound) response = BudgetFull();
    // Held until the answer is written: the body's bytes count against the server's budget.
    std::optional<BodyBudget::Lease> lease;
    if (!response) {
      lease = budget_.TryTake(raw.body().size());
      if (!lease) response = BudgetFull();
    }
    auto request = ToRequest(std::move(raw), remote_);
    if (response) {
      // The body was read whole, so the connection stays usable.
    } else if (!request.ok()) {
      response = Plain(400, "InvalidArgument", request.status().message());
    } else {
      const std::string what = request->method + " " + request->path;
      response = co_await Dispatch(std::move(*request));
      if (!response) co_return;  // the peer left while its request was held
      if (log_.Enabled(LogLevel::kDebug)) {
        log_.Debug("http", remote_ + " " + what + " -> " + std::to_string(response->status));
      }
    }
    keep_alive = keep_alive && !stopping_.load();
    if (!co_await Write(std::move(*response), version, keep_alive, accept_zstd)) co_return;
    if (!keep_alive) {
      boost::system::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
  }
}

net::awaitable<std::optional<Response>> Session::Dispatch(Request request) {
  const RouteMatch match = router_.Match(request);
  if (!match.found()) {
    if (match.path_matched) co_return Plain(405, "MethodNotAllowed", "method not allowed");
    co_return Plain(404, "NotFound", "no such endpoint: " + request.path);
  }

  const bool sync = match.sync_handler != nullptr;
  // A sync handler has no deadline; the timer only waits for its answer.
  auto timer = std::make_shared<net::steady_timer>(
      stream_.get_executor(), sync ? net::steady_timer::time_point::max()
                                   : net::steady_timer::clock_type::now() + options_.max_hold);
  slot_ = std::make_shared<ResponseSlot>();
  slot_->SetWaker(
      [timer, ex = stream_.get_executor()] { net::post(ex, [timer] { timer->cancel(); }); });
  Responder responder(std::make_shared<Responder::State>(slot_));
  if (sync) {
    StartSync(*match.sync_handler, std::move(request), std::move(responder));
  } else {
    StartAsync(*match.handler, std::move(request), std::move(responder));
  }

  std::optional<Response> response = slot_->Take();
  if (!response) {
    // Held: wait for the answer, the deadline, the peer leaving, or shutdown. A sync request
    // waits for its worker alone, as if it ran here: a client that half-closed after sending
    // still gets its answer.
    hold_timer_ = timer.get();
    holding_sync_ = sync;
    peer_gone_ = false;
    if (!sync) WatchPeer(timer);
    for (;;) {
      auto [ec] = co_await timer->async_wait(AsTuple());
      response = slot_->Take();
      if (response) break;
      if (sync) continue;  // woken for nothing; the worker answers in the end
      if (peer_gone_) {
        slot_->Close();
        break;
      }
      if (!ec || stopping_.load()) {
        response = slot_->Close();  // an answer may have raced in
        if (!response) {
          response =
              ErrorResponse(Unavailable(!ec ? "request held too long" : "server is stopping"));
        }
        break;
      }
    }
    hold_timer_ = nullptr;
    holding_sync_ = false;
    if (!sync) {
      boost::system::error_code ignored;
      stream_.socket().cancel(ignored);  // ends WatchPeer's wait
    }
  }
  slot_->Close();
  slot_.reset();
  co_return response;
}

void Session::StartAsync(const Handler& handler, Request request, Responder responder) {
  try {
    if (std::optional<Response> refused = router_.RunFilters(request)) {
      responder.Send(std::move(*refused));
      return;
    }
    handler(std::move(request), std::move(responder));
  } catch (const std::exception& e) {
    log_.Error("http", std::string("handler threw (a bug): ") + e.what());
  } catch (...) {
    log_.Error("http", "handler threw (a bug)");
  }
}

void Session::StartSync(const SyncHandler& handler, Request request, Responder responder) {
  // The task owns the request and the responder; the router, the handler and the log outlive
  // the pool's threads (HttpServer::Stop joins them first). The answer goes out once the
  // worker is free again, so that the client's next request finds it free.
  workers_.Submit(
      [router = &router_, handler = &handler, log = &log_, request = std::move(request),
       responder = std::move(responder)](const Status& admitted) mutable -> WorkerPool::Then {
        if (!admitted.ok()) {
          Response busy = ErrorResponse(admitted);
          busy.headers.emplace_back("Retry-After", "1");
          responder.Send(std::move(busy));
          return nullptr;
        }
        std::optional<Response> answer;
        try {
          answer = router->RunFilters(request);
          if (!answer) answer = (*handler)(request);
        } catch (const std::exception& e) {
          log->Error("http", std::string("handler threw (a bug): ") + e.what());
        } catch (...) {
          log->Error("http", "handler threw (a bug)");
        }
        // Without an answer, the responder's last copy going away answers 500.
        return [responder = std::move(responder), answer = std::move(answer)]() mutable {
          if (answer) responder.Send(std::move(*answer));
        };
      });
}

void Session::WatchPeer(std::shared_ptr<net::steady_timer> timer) {
  stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this(),
                                                       timer](const boost::system::error_code& ec) {
    if (ec || self->hold_timer_ != timer.get()) return;
    char byte;
    const ssize_t n =
        ::recv(self->stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) return;  // a pipelined request: read after this answer
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      self->WatchPeer(timer);
      return;
    }
    self->peer_gone_ = true;
    timer->cancel();
  });
}

net::awaitable<bool> Session::Write(Response response, unsigned version, bool keep_alive,
                                    bool accept_zstd) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(response.status), version};
  // No Server header: only what the client acts on goes with every answer.
  res.set(bhttp::field::content_type, response.content_type);
  for (auto& [name, value] : response.headers) res.set(name, value);
  std::optional<std::string> packed;
  if (accept_zstd && res.find(bhttp::field::content_encoding) == res.end()) {
    packed = MaybeCompress(response.body, options_.zstd_level, &codec_);
  }
  if (packed) {
    res.set(bhttp::field::content_encoding, kZstdCoding);
    res.body() = std::move(*packed);
  } else {
    res.body() = std::move(response.body);
  }
  res.keep_alive(keep_alive);
  res.prepare_payload();
  stream_.expires_after(options_.read_timeout);
  auto [ec, n] = co_await bhttp::async_write(stream_, res, AsTuple());
  if (ec) {
    if (!IsQuietError(ec)) log_.Debug("http", remote_ + ": write: " + ec.message());
    co_return false;
  }
  co_return true;
}

net::awaitable<void> Session::RefuseAndLinger(Response response, unsigned version) {
  if (!co_await Write(std::move(response), version == 0 ? 11 : version, false, false)) co_return;
  reading_ = true;  // Shutdown() may close us while we drain
  boost::system::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.expires_after(std::min<std::chrono::milliseconds>(
      options_.read_timeout, std::chrono::duration_cast<std::chrono::milliseconds>(kMaxLinger)));
  std::array<char, 64 * 1024> sink;
  uint64_t drained = 0;
  while (drained < kMaxLingerBytes && !stopping_.load()) {
    auto [rec, n] = co_await stream_.async_read_some(net::buffer(sink), AsTuple());
    if (rec) break;
    drained += n;
  }
}

}  // namespace tessera::common::http
