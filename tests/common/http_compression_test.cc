#include <doctest/doctest.h>
#include <zstd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <future>
#include <optional>
#include <random>

#include "common/block_id.h"
#include "common/http/client.h"
#include "common/http/content_coding.h"
#include "common/http/server.h"
#include "common/mutex.h"
#include "common/zstd.h"
#include "tests/common/alloc_meter.h"

namespace tessera::common::http {
namespace {

using namespace std::chrono_literals;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

constexpr uint64_t kServerLimit = 1u << 20;

// 14 bytes: a frame of undeclared size holding "hello" whose header asks for a 128 MiB window.
const std::string kWideWindowFrame("\x28\xb5\x2f\xfd\x00\x88\x29\x00\x00hello", 14);

// A JSON body as the daemon sends them: a list of block ids, 64 hex digits of SHA-256 each.
// Only the hex encoding is redundant, so it compresses to a little over half.
std::string CompressibleJson(size_t entries) {
  std::string out = "{\"ids\":[";
  for (size_t i = 0; i < entries; ++i) {
    if (i > 0) out += ",";
    out += "\"" + BlockId::Of(std::to_string(i)).ToHex() + "\"";
  }
  return out + "]}";
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

// A small zstd frame inflating to `n` bytes; `declare_size` false leaves the content size out
// of the frame header, so only inflating finds out how big it is.
std::string Bomb(size_t n, bool declare_size) {
  const std::string plain(n, 'a');
  if (declare_size) return zstd::Compress(plain);
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  REQUIRE(ctx != nullptr);
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_contentSizeFlag, 0);
  std::string out(ZSTD_compressBound(n), '\0');
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  ZSTD_inBuffer in{plain.data(), plain.size(), 0};
  const size_t left = ZSTD_compressStream2(ctx, &ob, &in, ZSTD_e_end);
  ZSTD_freeCCtx(ctx);
  REQUIRE(left == 0);
  out.resize(ob.pos);
  REQUIRE(ZSTD_getFrameContentSize(out.data(), out.size()) == ZSTD_CONTENTSIZE_UNKNOWN);
  return out;
}

struct Seen {
  Mutex mutex;
  // Content-Length of the last /echo request, as sent
  std::string wire_length TESSERA_GUARDED_BY(mutex);
  // whether the handler saw a Content-Encoding header
  bool had_coding TESSERA_GUARDED_BY(mutex) = false;
  size_t body_size TESSERA_GUARDED_BY(mutex) = 0;

  std::string WireLength() {
    MutexLock lock(mutex);
    return wire_length;
  }
};

// One keep-alive connection speaking raw HTTP, so that the test controls and sees every header.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) : stream_(ioc_) {
    beast::error_code ec;
    stream_.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
    REQUIRE_MESSAGE(!ec, ec.message());
  }

  bhttp::response<bhttp::string_body> Send(
      bhttp::verb method, const std::string& target, std::string body,
      const std::vector<std::pair<std::string, std::string>>& headers) {
    bhttp::request<bhttp::string_body> req{method, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) req.set(name, value);
    req.body() = std::move(body);
    req.keep_alive(true);
    req.prepare_payload();
    stream_.expires_after(10s);
    beast::error_code ec;
    bhttp::write(stream_, req, ec);
    REQUIRE_MESSAGE(!ec, ec.message());
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64u << 20);
    bhttp::read(stream_, buffer_, parser, ec);
    REQUIRE_MESSAGE(!ec, ec.message());
    return parser.release();
  }

 private:
  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

struct Fixture {
  explicit Fixture(ServerOptions options = {}) : log(LogLevel::kWarn) {
    router.AddSync("POST", "/echo", [this](const Request& r) {
      {
        MutexLock lock(seen.mutex);
        auto it = r.headers.find("content-length");
        seen.wire_length = it == r.headers.end() ? "" : it->second;
        seen.had_coding = r.headers.count("content-encoding") > 0;
        seen.body_size = r.body.size();
      }
      Response res;
      res.content_type = "application/octet-stream";
      res.body = r.body;
      return res;
    });
    router.AddSync("GET", "/big", [this](const Request&) {
      Response res;
      res.body = big_answer;
      return res;
    });
    // Answers with whatever pre-encoded body and Content-Encoding the test put in `raw_answer`.
    router.AddSync("GET", "/raw", [this](const Request&) {
      Response res;
      res.content_type = "application/octet-stream";
      res.body = raw_answer;
      res.headers.emplace_back("Content-Encoding", raw_coding);
      return res;
    });
    router.Add("GET", "/later", [this](Request, Responder r) {
      MutexLock lock(parked_mutex);
      parked = std::move(r);
      parked_cv.NotifyAll();
    });
    options.max_body_bytes = kServerLimit;
    auto s = HttpServer::Start(options, router, log);
    REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    server = std::move(*s);
  }
  ~Fixture() {
    server->Stop();
    parked.reset();
  }

  std::unique_ptr<HttpClient> Client(ClientOptions options = {}) {
    auto c = HttpClient::Create(server->url(), options);
    REQUIRE(c.ok());
    return std::move(*c);
  }

  // Waits up to 10 s for /later's responder.
  std::optional<Responder> TakeParked() {
    MutexLock lock(parked_mutex);
    if (!parked_cv.WaitFor(parked_mutex, 10s,
                           [&]() TESSERA_REQUIRES(parked_mutex) { return parked.has_value(); })) {
      return std::nullopt;
    }
    return std::exchange(parked, std::nullopt);
  }

  Logger log;
  Router router;
  Seen seen;
  std::string big_answer = CompressibleJson(2000);
  std::string raw_answer;
  std::string raw_coding;
  Mutex parked_mutex;
  CondVar parked_cv;
  std::optional<Responder> parked TESSERA_GUARDED_BY(parked_mutex);
  std::unique_ptr<HttpServer> server;
};

const std::vector<std::pair<std::string, std::string>> kAcceptZstd = {{"Accept-Encoding", "zstd"}};

TEST_CASE("http compression: Accept-Encoding lists zstd only with a non-zero weight") {
  CHECK(AcceptsZstd("zstd"));
  CHECK(AcceptsZstd("ZSTD"));
  CHECK(AcceptsZstd("gzip, br, zstd"));
  CHECK(AcceptsZstd("gzip;q=1.0, zstd;q=0.5"));
  CHECK(AcceptsZstd(" zstd ; q=1"));
  CHECK_FALSE(AcceptsZstd(""));
  CHECK_FALSE(AcceptsZstd("gzip, deflate"));
  CHECK_FALSE(AcceptsZstd("zstdx"));
  CHECK_FALSE(AcceptsZstd("zstd;q=0"));
  CHECK_FALSE(AcceptsZstd("zstd; q=0.000"));
}

TEST_CASE("http compression: bodies under 256 bytes or that do not shrink are left alone") {
  CHECK_FALSE(MaybeCompress(std::string(255, 'a'), 3).has_value());
  CHECK(MaybeCompress(std::string(256, 'a'), 3).has_value());
  CHECK_FALSE(MaybeCompress(RandomBytes(4096, 7), 3).has_value());
  const auto packed = MaybeCompress(CompressibleJson(100), 3);
  REQUIRE(packed.has_value());
  auto back = DecodeBody("zstd", *packed, 1u << 20);
  REQUIRE(back.ok());
  CHECK(*back == CompressibleJson(100));
  CHECK(DecodeBody("identity", "x", 1).value() == "x");
  CHECK(DecodeBody("gzip", "x", 1).status().code() == Code::kInvalidArgument);
}

TEST_CASE(
    "http compression: a compressible request body crosses the wire compressed and "
    "reaches the handler plain") {
  Fixture f;
  auto client = f.Client();
  const std::string body = CompressibleJson(2000);
  auto r = client->Post("/echo", body, "application/json");
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->status == 200);
  CHECK(r->body == body);
  MutexLock lock(f.seen.mutex);
  CHECK(f.seen.body_size == body.size());
  CHECK_FALSE(f.seen.had_coding);
  const uint64_t wire = std::stoull(f.seen.wire_length);
  CHECK(wire * 3 < body.size() * 2);  // hex ids: at most 2/3 of the bytes cross
  MESSAGE("JSON body " << body.size() << " bytes crossed as " << wire);
}

TEST_CASE("http compression: incompressible and short request bodies are sent plain") {
  Fixture f;
  SUBCASE("incompressible") {
    const std::string body = RandomBytes(200'000, 42);
    auto r = f.Client()->Post("/echo", body, "application/octet-stream");
    REQUIRE(r.ok());
    CHECK(r->body == body);
    CHECK(f.seen.WireLength() == std::to_string(body.size()));
  }
  SUBCASE("short") {
    const std::string body(255, 'x');
    auto r = f.Client()->Post("/echo", body, "text/plain");
    REQUIRE(r.ok());
    CHECK(r->body == body);
    CHECK(f.seen.WireLength() == "255");
  }
  SUBCASE("compression turned off in the client") {
    ClientOptions options;
    options.compress_requests = false;
    const std::string body = CompressibleJson(500);
    auto r = f.Client(options)->Post("/echo", body, "application/json");
    REQUIRE(r.ok());
    CHECK(r->body == body);
    CHECK(f.seen.WireLength() == std::to_string(body.size()));
  }
}

TEST_CASE("http compression: answers are compressed only for clients that accept zstd") {
  Fixture f;
  RawConnection conn(f.server->port());
  auto with = conn.Send(bhttp::verb::get, "/big", "", kAcceptZstd);
  CHECK(with.result_int() == 200);
  CHECK(with[bhttp::field::content_encoding] == "zstd");
  CHECK(with.body().size() * 3 < f.big_answer.size() * 2);
  auto inflated = zstd::Decompress(with.body(), 1u << 20);
  REQUIRE(inflated.ok());
  CHECK(*inflated == f.big_answer);

  auto without = conn.Send(bhttp::verb::get, "/big", "", {});
  CHECK(without.result_int() == 200);
  CHECK(without.find(bhttp::field::content_encoding) == without.end());
  CHECK(without.body() == f.big_answer);

  auto refused = conn.Send(bhttp::verb::get, "/big", "", {{"Accept-Encoding", "gzip, zstd;q=0"}});
  CHECK(refused.find(bhttp::field::content_encoding) == refused.end());
  CHECK(refused.body() == f.big_answer);

  // The HttpClient accepts zstd and hands back the plain body.
  auto r = f.Client()->Get("/big");
  REQUIRE(r.ok());
  CHECK(r->body == f.big_answer);
}

TEST_CASE("http compression: a server with compression off answers plain") {
  ServerOptions options;
  options.compress_responses = false;
  Fixture f(options);
  RawConnection conn(f.server->port());
  auto res = conn.Send(bhttp::verb::get, "/big", "", kAcceptZstd);
  CHECK(res.find(bhttp::field::content_encoding) == res.end());
  CHECK(res.body() == f.big_answer);
}

TEST_CASE("http compression: incompressible answers go out plain even to zstd clients") {
  Fixture f;
  const std::string body = RandomBytes(100'000, 9);
  RawConnection conn(f.server->port());
  auto res = conn.Send(bhttp::verb::post, "/echo", body, kAcceptZstd);
  CHECK(res.result_int() == 200);
  CHECK(res.find(bhttp::field::content_encoding) == res.end());
  CHECK(res.body() == body);
}

TEST_CASE("http compression: a held long-poll answer is compressed too") {
  Fixture f;
  auto pending = std::async(std::launch::async, [&] {
    RawConnection conn(f.server->port());
    return conn.Send(bhttp::verb::get, "/later", "", kAcceptZstd);
  });
  auto responder = f.TakeParked();
  REQUIRE(responder.has_value());
  Response answer;
  answer.body = f.big_answer;
  responder->Send(std::move(answer));
  REQUIRE(pending.wait_for(10s) == std::future_status::ready);
  auto res = pending.get();
  CHECK(res.result_int() == 200);
  CHECK(res[bhttp::field::content_encoding] == "zstd");
  auto inflated = zstd::Decompress(res.body(), 1u << 20);
  REQUIRE(inflated.ok());
  CHECK(*inflated == f.big_answer);
}

TEST_CASE("http compression: the server refuses zstd bombs, bad frames and unknown codings") {
  Fixture f;
  RawConnection conn(f.server->port());
  SUBCASE("a bomb declaring its size is 413") {
    const std::string bomb = Bomb(kServerLimit + 1, true);
    REQUIRE(bomb.size() < 1000);
    auto res = conn.Send(bhttp::verb::post, "/echo", bomb, {{"Content-Encoding", "zstd"}});
    CHECK(res.result_int() == 413);
    CHECK(res.body().find("ResourceExhausted") != std::string::npos);
  }
  SUBCASE("a bomb hiding its size is 413") {
    const std::string bomb = Bomb(8 * kServerLimit, false);
    REQUIRE(bomb.size() < 2000);
    auto res = conn.Send(bhttp::verb::post, "/echo", bomb, {{"Content-Encoding", "zstd"}});
    CHECK(res.result_int() == 413);
  }
  SUBCASE("refusing a bomb costs the server nothing like its limit") {
    const std::string bomb = Bomb(64 * kServerLimit, false);
    std::optional<testing::AllocMeter> meter(std::in_place);
    auto res = conn.Send(bhttp::verb::post, "/echo", bomb, {{"Content-Encoding", "zstd"}});
    const int64_t peak = meter->peak_bytes();
    meter.reset();
    CHECK(res.result_int() == 413);
    // Before, the body grew to 1 MiB and then doubled: 3 MiB held at once to refuse 1 MiB.
    if (testing::AllocMeter::counting()) CHECK(peak < static_cast<int64_t>(kServerLimit / 2));
    MESSAGE("server and client together held " << peak << " bytes at the peak");
  }
  SUBCASE("a frame of undeclared size asking for a 128 MiB window is 413") {
    auto res =
        conn.Send(bhttp::verb::post, "/echo", kWideWindowFrame, {{"Content-Encoding", "zstd"}});
    CHECK(res.result_int() == 413);
    CHECK(res.body().find("window") != std::string::npos);
  }
  SUBCASE("a body inflating to exactly the limit is accepted") {
    const std::string frame = Bomb(kServerLimit, false);
    auto res = conn.Send(bhttp::verb::post, "/echo", frame, {{"Content-Encoding", "zstd"}});
    CHECK(res.result_int() == 200);
    CHECK(res.body().size() == kServerLimit);
  }
  SUBCASE("a corrupt frame is 400") {
    std::string frame = zstd::Compress(CompressibleJson(200));
    frame.resize(frame.size() / 2);  // truncated
    auto res = conn.Send(bhttp::verb::post, "/echo", frame, {{"Content-Encoding", "zstd"}});
    CHECK(res.result_int() == 400);
    auto garbage =
        conn.Send(bhttp::verb::post, "/echo", "not zstd at all", {{"Content-Encoding", "zstd"}});
    CHECK(garbage.result_int() == 400);
  }
  SUBCASE("gzip is 415") {
    auto res = conn.Send(bhttp::verb::post, "/echo", "abc", {{"Content-Encoding", "gzip"}});
    CHECK(res.result_int() == 415);
    CHECK(res.body().find("gzip") != std::string::npos);
  }
  // Each refusal read the whole body, so the connection still serves the next request.
  auto next = conn.Send(bhttp::verb::post, "/echo", "after", {});
  CHECK(next.result_int() == 200);
  CHECK(next.body() == "after");
}

TEST_CASE("http compression: the client refuses zstd bombs and bad frames in answers") {
  Fixture f;
  ClientOptions options;
  options.max_body_bytes = 64 * 1024;
  auto client = f.Client(options);
  SUBCASE("bomb declaring its size") {
    f.raw_answer = Bomb(options.max_body_bytes + 1, true);
    f.raw_coding = "zstd";
    auto r = client->Get("/raw");
    CHECK(r.status().code() == Code::kResourceExhausted);
  }
  SUBCASE("bomb hiding its size") {
    f.raw_answer = Bomb(16 * options.max_body_bytes, false);
    f.raw_coding = "zstd";
    auto r = client->Get("/raw");
    CHECK(r.status().code() == Code::kResourceExhausted);
  }
  SUBCASE("a frame of undeclared size asking for a 128 MiB window") {
    f.raw_answer = kWideWindowFrame;
    f.raw_coding = "zstd";
    auto r = client->Get("/raw");
    CHECK(r.status().code() == Code::kResourceExhausted);
    CHECK(r.status().message().find("window") != std::string::npos);
  }
  SUBCASE("corrupt frame") {
    f.raw_answer = "definitely not a zstd frame";
    f.raw_coding = "zstd";
    auto r = client->Get("/raw");
    CHECK(r.status().code() == Code::kCorruption);
  }
  SUBCASE("unknown coding") {
    f.raw_answer = "whatever";
    f.raw_coding = "br";
    auto r = client->Get("/raw");
    CHECK(r.status().code() == Code::kCorruption);
    CHECK(r.status().message().find("br") != std::string::npos);
  }
  SUBCASE("a good frame is inflated") {
    f.raw_answer = zstd::Compress("hello, compressed world");
    f.raw_coding = "zstd";
    auto r = client->Get("/raw");
    REQUIRE(r.ok());
    CHECK(r->body == "hello, compressed world");
  }
  // The client keeps working afterwards.
  f.raw_coding = "identity";
  f.raw_answer = "plain";
  auto r = client->Get("/raw");
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->body == "plain");
}

TEST_CASE("http compression: a client inflates an answer within its limit, however hostile") {
  // The daemon's case: a small zstd answer that inflates far past the client's limit.
  constexpr uint64_t kLimit = 8u << 20;
  Fixture f;
  ClientOptions options;
  options.max_body_bytes = kLimit;
  auto client = f.Client(options);
  f.raw_coding = "zstd";
  SUBCASE("a bomb is refused holding nothing like the limit") {
    f.raw_answer = Bomb(8 * kLimit, false);
    REQUIRE(f.raw_answer.size() < 64 * 1024);
    std::optional<testing::AllocMeter> meter(std::in_place);
    auto r = client->Get("/raw");
    const int64_t peak = meter->peak_bytes();
    meter.reset();
    CHECK(r.status().code() == Code::kResourceExhausted);
    CHECK(r.status().message().find(std::to_string(kLimit)) != std::string::npos);
    // Before: 16 MiB of capacity plus the 8 MiB being copied into it.
    if (testing::AllocMeter::counting()) CHECK(peak < (1 << 20));
    MESSAGE("refusing a 64 MiB answer held " << peak << " bytes at the peak");
  }
  SUBCASE("an answer of exactly the limit costs the limit, once") {
    f.raw_answer = Bomb(kLimit, false);
    std::optional<testing::AllocMeter> meter(std::in_place);
    auto r = client->Get("/raw");
    const int64_t peak = meter->peak_bytes();
    meter.reset();
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    CHECK(r->body.size() == kLimit);
    CHECK(r->body.capacity() <= kLimit + 64);
    if (testing::AllocMeter::counting()) CHECK(peak <= static_cast<int64_t>(kLimit + (1 << 20)));
    MESSAGE("an answer of " << kLimit << " bytes held " << peak << " bytes at the peak");
  }
}

}  // namespace
}  // namespace tessera::common::http

namespace tessera::common::http {
namespace {

// A server with a route limited to 1 KiB, an unlimited echo, and a route that holds its request
// (and so its body's share of the budget) until the test releases it.
struct LimitFixture {
  explicit LimitFixture(uint64_t in_flight_bytes) : log(LogLevel::kWarn) {
    auto echo = [](const Request& r) {
      Response res;
      res.body = std::to_string(r.body.size());
      return res;
    };
    router.AddSync("POST", "/small/{x}", echo);
    router.SetBodyLimit("POST", "/small/{x}", 1024);
    router.AddSync("POST", "/echo", echo);
    router.AddSync("POST", "/hold", [this](const Request& r) {
      held.set_value();
      release_future.wait();
      Response res;
      res.body = std::to_string(r.body.size());
      return res;
    });
    ServerOptions options;
    options.max_body_bytes = kServerLimit;
    options.max_body_bytes_in_flight = in_flight_bytes;
    auto s = HttpServer::Start(options, router, log);
    REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    server = std::move(*s);
  }
  ~LimitFixture() { server->Stop(); }

  Logger log;
  Router router;
  std::promise<void> held;
  std::promise<void> release;
  std::shared_future<void> release_future = release.get_future().share();
  std::unique_ptr<HttpServer> server;
};

TEST_CASE("http: a route's body limit holds as sent and while inflating") {
  LimitFixture f(64u << 20);
  RawConnection raw(f.server->port());
  CHECK(raw.Send(bhttp::verb::post, "/small/a", std::string(1024, 'x'), {}).body() == "1024");
  auto plain = raw.Send(bhttp::verb::post, "/small/a", std::string(1025, 'x'), {});
  CHECK(plain.result_int() == 413);
  CHECK(plain.body().find("1024 bytes") != std::string::npos);
  for (const bool declared : {true, false}) {
    CAPTURE(declared);
    RawConnection conn(f.server->port());
    auto bomb = conn.Send(bhttp::verb::post, "/small/b", Bomb(4096, declared),
                          {{"Content-Encoding", "zstd"}});
    CHECK(bomb.result_int() == 413);
    CHECK(bomb.body().find("1024") != std::string::npos);
    // The connection stays usable, and other routes keep the server's limit.
    CHECK(
        conn.Send(bhttp::verb::post, "/echo", Bomb(4096, declared), {{"Content-Encoding", "zstd"}})
            .body() == "4096");
  }
}

TEST_CASE("http: bodies beyond the in-flight budget are answered 503 with Retry-After") {
  LimitFixture f(100'000);
  auto first = std::async(std::launch::async, [&f] {
    auto client = HttpClient::Create(f.server->url());
    REQUIRE(client.ok());
    return (*client)->Post("/hold", std::string(80'000, 'a'), "application/octet-stream");
  });
  REQUIRE(f.held.get_future().wait_for(10s) == std::future_status::ready);
  {
    RawConnection raw(f.server->port());
    auto busy = raw.Send(bhttp::verb::post, "/echo", std::string(80'000, 'b'), {});
    CHECK(busy.result_int() == 503);
    CHECK(busy[bhttp::field::retry_after] == "1");
    // Compressed, it is refused while inflating, at what is left of the budget.
    auto packed = raw.Send(bhttp::verb::post, "/echo", zstd::Compress(std::string(80'000, 'c')),
                           {{"Content-Encoding", "zstd"}});
    CHECK(packed.result_int() == 503);
    CHECK(packed[bhttp::field::retry_after] == "1");
    // What fits beside the held one still goes through.
    CHECK(raw.Send(bhttp::verb::post, "/echo", std::string(10'000, 'd'), {}).body() == "10000");
  }
  f.release.set_value();
  auto answer = first.get();
  REQUIRE(answer.ok());
  CHECK(answer->body == "80000");
  // Given back: a body alone is admitted even above the budget.
  RawConnection raw(f.server->port());
  CHECK(raw.Send(bhttp::verb::post, "/echo", std::string(150'000, 'e'), {}).body() == "150000");
}

}  // namespace
}  // namespace tessera::common::http
