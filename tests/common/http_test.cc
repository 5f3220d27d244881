#include <doctest/doctest.h>

#include <chrono>
#include <deque>
#include <future>
#include <thread>

#include "common/http/client.h"
#include "common/http/server.h"
#include "common/mutex.h"

namespace tessera::common::http {
namespace {

using namespace std::chrono_literals;

// Responders kept by handlers that answer later, handed to the test thread.
class Parked {
 public:
  void Put(Responder r) {
    MutexLock lock(mutex_);
    parked_.push_back(std::move(r));
    cv_.NotifyAll();
  }
  // The next parked responder, waiting up to 10 s for one to arrive.
  std::optional<Responder> Take() {
    MutexLock lock(mutex_);
    if (!cv_.WaitFor(mutex_, 10s, [&]() TESSERA_REQUIRES(mutex_) { return !parked_.empty(); })) {
      return std::nullopt;
    }
    Responder r = std::move(parked_.front());
    parked_.pop_front();
    return r;
  }
  void Clear() {
    MutexLock lock(mutex_);
    parked_.clear();
  }

 private:
  Mutex mutex_;
  CondVar cv_;
  std::deque<Responder> parked_ TESSERA_GUARDED_BY(mutex_);
};

struct Fixture {
  explicit Fixture(ServerOptions options = {}) : log(LogLevel::kWarn) {
    router.AddSync("GET", "/v1/ns/{ns}/list", [](const Request& r) {
      Response res;
      res.content_type = "text/plain";
      res.body = r.params.at("ns") + "|" + (r.query.count("cursor") ? r.query.at("cursor") : "") +
                 "|" + (r.query.count("q") ? r.query.at("q") : "");
      return res;
    });
    router.AddSync("POST", "/echo", [](const Request& r) {
      Response res;
      res.content_type = r.headers.count("content-type") ? r.headers.at("content-type") : "";
      res.body = r.body;
      res.headers.emplace_back(
          "X-Auth", r.headers.count("authorization") ? r.headers.at("authorization") : "");
      return res;
    });
    router.AddSync("GET", "/remote", [](const Request& r) {
      Response res;
      res.body = r.remote;
      return res;
    });
    router.Add("GET", "/later", [this](Request, Responder r) { parked.Put(std::move(r)); });
    router.Add("GET", "/drop", [](Request, Responder) {});
    router.AddSync("GET", "/error",
                   [](const Request&) { return ErrorResponse(Conflict("stale parent")); });
    auto s = HttpServer::Start(options, router, log);
    REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    server = std::move(*s);
  }
  ~Fixture() {
    server->Stop();
    parked.Clear();
  }

  std::unique_ptr<HttpClient> Client(ClientOptions options = {}) {
    auto c = HttpClient::Create(server->url(), options);
    REQUIRE(c.ok());
    return std::move(*c);
  }

  Logger log;
  Router router;
  Parked parked;
  std::unique_ptr<HttpServer> server;
};

TEST_CASE("http: routes fill params and decoded query values") {
  Fixture f;
  CHECK(f.server->url() == "http://127.0.0.1:" + std::to_string(f.server->port()));
  CHECK(f.server->port() != 0);
  auto client = f.Client();
  auto r = client->Get("/v1/ns/team%20a/list?cursor=3&q=" + UrlEncode("a b&c=d/é"));
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->status == 200);
  CHECK(r->content_type == "text/plain");
  CHECK(r->body == "team a|3|a b&c=d/é");

  client->SetHeader("Authorization", "Bearer t");
  auto echo = client->Post("/echo", std::string("bin\0ary", 7), "application/octet-stream");
  REQUIRE(echo.ok());
  CHECK(echo->status == 200);
  CHECK(echo->body == std::string("bin\0ary", 7));
  CHECK(echo->content_type == "application/octet-stream");
}

TEST_CASE("http: unknown paths are 404, known paths under another method 405") {
  Fixture f;
  auto client = f.Client();
  CHECK(client->Get("/nope")->status == 404);
  CHECK(client->Get("/v1/ns/x/list/extra")->status == 404);
  CHECK(client->Get("/v1/ns//list")->status == 404);
  CHECK(client->Post("/v1/ns/x/list", "", "text/plain")->status == 405);
  CHECK(client->Get("/echo")->status == 405);
  auto err = client->Get("/error");
  CHECK(err->status == 409);
  CHECK(err->body == R"({"error":"Conflict","message":"stale parent"})");
  // The connection survives all of these.
  CHECK(client->Get("/v1/ns/x/list")->status == 200);
}

TEST_CASE("http: a body over the limit is answered 413") {
  ServerOptions options;
  options.max_body_bytes = 1024;
  Fixture f(options);
  auto client = f.Client();
  CHECK(client->Post("/echo", std::string(1024, 'a'), "text/plain")->status == 200);
  auto big = client->Post("/echo", std::string(200'000, 'a'), "text/plain");
  REQUIRE_MESSAGE(big.ok(), big.status().ToString());
  CHECK(big->status == 413);
  // The client reconnects for the next request.
  CHECK(client->Get("/v1/ns/x/list")->status == 200);
}

TEST_CASE("http: a handler answers later from another thread") {
  Fixture f;
  auto pending = std::async(std::launch::async, [&] { return f.Client()->Get("/later"); });
  auto responder = f.parked.Take();
  REQUIRE(responder.has_value());
  CHECK(!responder->Cancelled());
  Response late;
  late.body = "late answer";
  responder->Send(late);
  Response ignored;
  ignored.body = "second answer";
  responder->Send(ignored);  // only the first counts
  auto r = pending.get();
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->status == 200);
  CHECK(r->body == "late answer");
}

TEST_CASE("http: a request held past max_hold is answered 503") {
  ServerOptions options;
  options.max_hold = 50ms;
  Fixture f(options);
  auto r = f.Client()->Get("/later");
  REQUIRE(r.ok());
  CHECK(r->status == 503);
  auto responder = f.parked.Take();
  REQUIRE(responder.has_value());
  CHECK(responder->Cancelled());
}

TEST_CASE("http: a responder dropped unanswered gives 500") {
  Fixture f;
  auto r = f.Client()->Get("/drop");
  REQUIRE(r.ok());
  CHECK(r->status == 500);
}

TEST_CASE("http: a server that never answers gives Unavailable at the request deadline") {
  Fixture f;
  ClientOptions options;
  options.request_timeout = 100ms;
  auto client = f.Client(options);
  auto r = client->Get("/later");
  CHECK(r.status().code() == Code::kUnavailable);
  // The server notices the client leaving and cancels the held request.
  auto responder = f.parked.Take();
  REQUIRE(responder.has_value());
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!responder->Cancelled() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  CHECK(responder->Cancelled());
  // A per-call timeout overrides the default.
  auto quick = client->Get("/v1/ns/x/list", 5000ms);
  CHECK(quick.ok());
}

TEST_CASE("http: a refused connection is Unavailable") {
  uint16_t port = 0;
  {
    Fixture f;
    port = f.server->port();
  }
  auto client = HttpClient::Create("http://127.0.0.1:" + std::to_string(port));
  REQUIRE(client.ok());
  CHECK((*client)->Get("/").status().code() == Code::kUnavailable);
}

TEST_CASE("http: many sequential requests share one keep-alive connection") {
  Fixture f;
  auto client = f.Client();
  auto first = client->Get("/remote");
  REQUIRE(first.ok());
  for (int i = 0; i < 200; ++i) {
    auto r = client->Get("/remote");
    REQUIRE(r.ok());
    CHECK(r->body == first->body);  // same client port: same connection
  }
}

TEST_CASE("http: a keep-alive connection closed by the server is retried transparently") {
  std::unique_ptr<HttpClient> client;
  uint16_t port = 0;
  {
    Fixture f;
    port = f.server->port();
    client = f.Client();
    REQUIRE(client->Get("/remote")->status == 200);
  }
  // A new server on the same port: the client's pooled connection is dead.
  ServerOptions options;
  options.listen = "127.0.0.1:" + std::to_string(port);
  Fixture g(options);
  auto r = client->Get("/remote");
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->status == 200);
}

TEST_CASE("http: stopping the server answers held requests 503") {
  Fixture f;
  auto pending = std::async(std::launch::async, [&] { return f.Client()->Get("/later"); });
  auto responder = f.parked.Take();  // kept alive: dropping it would answer 500
  REQUIRE(responder.has_value());
  f.server->Stop();
  auto r = pending.get();
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->status == 503);
  CHECK(responder->Cancelled());
}

TEST_CASE("http: a response body over the client's limit is refused") {
  Fixture f;
  ClientOptions options;
  options.max_body_bytes = 10;
  auto client = f.Client(options);
  CHECK(client->Post("/echo", std::string(11, 'x'), "text/plain").status().code() ==
        Code::kResourceExhausted);
  CHECK(client->Post("/echo", std::string(10, 'x'), "text/plain")->status == 200);
}

TEST_CASE("http: bad addresses and URLs are refused") {
  Logger log(LogLevel::kError);
  Router router;
  ServerOptions options;
  for (const char* listen : {"nonsense", "127.0.0.1:99999", "example.invalid:80", ":80"}) {
    options.listen = listen;
    CHECK_MESSAGE(!HttpServer::Start(options, router, log).ok(), listen);
  }
  for (const char* url : {"ftp://x:1", "not a url", "http://", "http://u@h:1/"}) {
    CHECK_MESSAGE(!HttpClient::Create(url).ok(), url);
  }
  CHECK(HttpClient::Create("http://[::1]:8080/prefix/").ok());
  CHECK(UrlEncode("a b/ü~") == "a%20b%2F%C3%BC~");
}

}  // namespace
}  // namespace tessera::common::http
