// The router's prefix routes, methods and filters: rules checked on Router alone, then over
// the wire (filters' threads, refusals, attributes, WebDAV-style methods).
#include <doctest/doctest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <thread>

#include "common/http/client.h"
#include "common/http/server.h"
#include "common/mutex.h"

namespace tessera::common::http {
namespace {

using namespace std::chrono_literals;

// Which route a request reached: the sync handlers answer their own name.
struct Named {
  explicit Named(std::string n) : name(std::move(n)) {}
  Response operator()(const Request&) const { return JsonResponse(name); }
  std::string name;
};

// The name of the route serving `method path` (the handler is called in the test's thread),
// "404" or "405" when none does; `rest` and `params` of the request are left in `*seen`.
std::string Route(const Router& router, std::string method, std::string path,
                  Request* seen = nullptr) {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  const RouteMatch match = router.Match(request);
  if (seen != nullptr) *seen = request;
  if (!match.found()) return match.path_matched ? "405" : "404";
  REQUIRE(match.sync_handler != nullptr);
  return (*match.sync_handler)(request).body;
}

TEST_CASE("router: a prefix route serves the prefix and every path below it, with the rest") {
  Router router;
  router.AddPrefixSync("GET", "/web", Named("web"));
  Request seen;
  CHECK(Route(router, "GET", "/web", &seen) == "web");
  CHECK(seen.rest == "");
  CHECK(Route(router, "GET", "/web/", &seen) == "web");
  CHECK(seen.rest == "/");
  CHECK(Route(router, "GET", "/web/css/site.css", &seen) == "web");
  CHECK(seen.rest == "/css/site.css");
  CHECK(Route(router, "GET", "/web//a", &seen) == "web");
  CHECK(seen.rest == "//a");
  CHECK(Route(router, "GET", "/website") == "404");
  CHECK(Route(router, "GET", "/") == "404");
  CHECK(Route(router, "POST", "/web/x") == "405");
}

TEST_CASE("router: a trailing slash on a prefix is ignored, and \"/\" covers every path") {
  Router router;
  router.AddPrefixSync("GET", "/dav/", Named("dav"));
  router.AddPrefixSync("GET", "/", Named("root"));
  Request seen;
  CHECK(Route(router, "GET", "/dav", &seen) == "dav");
  CHECK(seen.rest == "");
  CHECK(Route(router, "GET", "/index.html", &seen) == "root");
  CHECK(seen.rest == "/index.html");
  CHECK(Route(router, "GET", "/", &seen) == "root");
  CHECK(seen.rest == "/");
  CHECK(Route(router, "GET", "no-slash") == "404");
}

TEST_CASE("router: exact routes win over prefix routes, longer prefixes over shorter ones") {
  Router router;
  router.AddPrefixSync("GET", "/", Named("root"));
  router.AddPrefixSync("GET", "/v1", Named("v1"));
  router.AddSync("GET", "/v1/health", Named("health"));
  router.AddPrefixSync("GET", "/v1/ns", Named("ns"));
  router.AddSync("GET", "/v1/ns/{ns}/list", Named("list"));
  Request seen;
  CHECK(Route(router, "GET", "/v1/health") == "health");
  CHECK(Route(router, "GET", "/v1/health/x") == "v1");
  CHECK(Route(router, "GET", "/v1/ns/a/list", &seen) == "list");
  CHECK(seen.params.at("ns") == "a");
  CHECK(seen.rest == "");
  CHECK(Route(router, "GET", "/v1/ns/a/entry", &seen) == "ns");
  CHECK(seen.rest == "/a/entry");
  CHECK(Route(router, "GET", "/v1/other") == "v1");
  CHECK(Route(router, "GET", "/elsewhere") == "root");
}

TEST_CASE("router: a prefix may hold parameters") {
  Router router;
  router.AddPrefixSync(std::string(kAnyMethod), "/v1/ns/{ns}/dav", Named("dav"));
  Request seen;
  CHECK(Route(router, "PROPFIND", "/v1/ns/team/dav/docs/a.txt", &seen) == "dav");
  CHECK(seen.params.at("ns") == "team");
  CHECK(seen.rest == "/docs/a.txt");
  CHECK(Route(router, "GET", "/v1/ns//dav/x") == "404");
}

TEST_CASE("router: a route for any method takes WebDAV's, and a route naming the method wins") {
  Router router;
  router.AddPrefixSync(std::string(kAnyMethod), "/dav", Named("any"));
  router.AddPrefixSync("GET", "/dav", Named("get"));
  router.AddSync(std::string(kAnyMethod), "/exact", Named("exact-any"));
  for (const char* method : {"PROPFIND", "MKCOL", "MOVE", "COPY", "LOCK", "UNLOCK", "PUT", "DELETE",
                             "OPTIONS", "PROPPATCH"}) {
    CHECK_MESSAGE(Route(router, method, "/dav/a") == "any", method);
  }
  CHECK(Route(router, "GET", "/dav/a") == "get");
  CHECK(Route(router, "DELETE", "/exact") == "exact-any");
}

TEST_CASE("router: 405 when the path matches only under other methods, else 404") {
  Router router;
  router.AddSync("POST", "/v1/ns/{ns}/commit_batch", Named("commit"));
  router.AddPrefixSync("GET", "/web", Named("web"));
  CHECK(Route(router, "GET", "/v1/ns/a/commit_batch") == "405");
  CHECK(Route(router, "PUT", "/web/a") == "405");
  CHECK(Route(router, "GET", "/v1/ns/a/commit_batch/x") == "404");
  CHECK(Route(router, "GET", "/v1/ns//commit_batch") == "404");
}

TEST_CASE("router: filters run in the order added, only under their prefix; a refusal ends it") {
  Router router;
  std::vector<std::string> ran;
  router.AddFilter([&](Request&) -> std::optional<Response> {
    ran.push_back("all");
    return std::nullopt;
  });
  router.AddFilter("/v1/ns", [&](Request& r) -> std::optional<Response> {
    ran.push_back("ns");
    if (r.headers.count("authorization") == 0) {
      Response refused;
      refused.status = 401;
      return refused;
    }
    return std::nullopt;
  });
  router.AddFilter("/v1/ns/{ns}/admin", [&](Request&) -> std::optional<Response> {
    ran.push_back("admin");
    return std::nullopt;
  });

  Request health;
  health.path = "/v1/health";
  CHECK(!router.RunFilters(health).has_value());
  CHECK(ran == std::vector<std::string>{"all"});

  ran.clear();
  Request anonymous;
  anonymous.path = "/v1/ns/a/admin";
  auto refused = router.RunFilters(anonymous);
  REQUIRE(refused.has_value());
  CHECK(refused->status == 401);
  CHECK(ran == std::vector<std::string>{"all", "ns"});

  ran.clear();
  Request signed_in;
  signed_in.path = "/v1/ns/a/admin/x";
  signed_in.headers["authorization"] = "Bearer t";
  CHECK(!router.RunFilters(signed_in).has_value());
  CHECK(ran == std::vector<std::string>{"all", "ns", "admin"});

  ran.clear();
  Request nsfoo;
  nsfoo.path = "/v1/nsfoo";
  CHECK(!router.RunFilters(nsfoo).has_value());
  CHECK(ran == std::vector<std::string>{"all"});
}

TEST_CASE("request attributes: one value per type, set and read back, shared by copies") {
  struct Caller {
    std::string user;
  };
  struct Scope {
    int level = 0;
  };
  RequestAttributes attributes;
  CHECK(attributes.empty());
  CHECK(attributes.Get<Caller>() == nullptr);
  attributes.Set(Caller{"alice"});
  attributes.Set(Scope{2});
  const RequestAttributes copy = attributes;
  attributes.Set(Caller{"bob"});
  REQUIRE(attributes.Get<Caller>() != nullptr);
  CHECK(attributes.Get<Caller>()->user == "bob");
  CHECK(copy.Get<Caller>()->user == "alice");
  CHECK(copy.Get<Scope>()->level == 2);
  CHECK(copy.Get<std::string>() == nullptr);
}

// Who is asking, as the test's filter establishes it.
struct Caller {
  std::string user;
};

// A server with a filter on /v1/ns that refuses a request without "authorization: Bearer
// NAME" (401) and otherwise sets Caller{NAME}; handlers echo the caller and record threads.
struct FilteredServer {
  // What the server's threads did, read by the test after each answer.
  struct Seen {
    int filter_calls = 0;
    std::thread::id filter_thread, handler_thread, io_thread;
  };

  FilteredServer() : log(LogLevel::kError) {
    router.AddFilter("/v1/ns", [this](Request& r) -> std::optional<Response> {
      {
        MutexLock lock(mutex);
        ++seen.filter_calls;
        seen.filter_thread = std::this_thread::get_id();
      }
      const auto auth = r.headers.find("authorization");
      if (auth == r.headers.end() || auth->second.rfind("Bearer ", 0) != 0) {
        Response refused;
        refused.status = 401;
        refused.body = R"({"error":"Unauthenticated"})";
        refused.headers.emplace_back("WWW-Authenticate", "Bearer");
        return refused;
      }
      r.attributes.Set(Caller{auth->second.substr(7)});
      return std::nullopt;
    });
    auto who = [](const Request& r) {
      const Caller* caller = r.attributes.Get<Caller>();
      return JsonResponse(caller == nullptr ? "nobody" : caller->user);
    };
    router.AddSync("GET", "/v1/ns/{ns}/sync", [this, who](const Request& r) {
      {
        MutexLock lock(mutex);
        seen.handler_thread = std::this_thread::get_id();
      }
      return who(r);
    });
    router.Add("GET", "/v1/ns/{ns}/async", [this, who](Request r, Responder responder) {
      {
        MutexLock lock(mutex);
        seen.handler_thread = std::this_thread::get_id();
        seen.io_thread = seen.handler_thread;
      }
      responder.Send(who(r));
    });
    router.AddSync("GET", "/v1/health", who);
    router.AddPrefixSync(std::string(kAnyMethod), "/dav", [](const Request& r) {
      Response res;
      res.content_type = "text/plain";
      res.body = r.method + " " + r.rest;
      return res;
    });
    ServerOptions options;
    options.threads = 1;  // so that the async handler's thread is the one I/O thread
    auto s = HttpServer::Start(options, router, log);
    REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    server = std::move(*s);
  }
  ~FilteredServer() { server->Stop(); }

  std::unique_ptr<HttpClient> Client() {
    auto c = HttpClient::Create(server->url());
    REQUIRE(c.ok());
    return std::move(*c);
  }

  Seen Snapshot() {
    MutexLock lock(mutex);
    return seen;
  }

  Logger log;
  Router router;
  Mutex mutex;
  Seen seen TESSERA_GUARDED_BY(mutex);
  std::unique_ptr<HttpServer> server;
};

TEST_CASE("http: a filter's refusal is sent instead of the handler's answer") {
  FilteredServer s;
  auto client = s.Client();
  for (const char* target : {"/v1/ns/a/sync", "/v1/ns/a/async"}) {
    auto r = client->Get(target);
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    CHECK_MESSAGE(r->status == 401, target);
    CHECK(r->body == R"({"error":"Unauthenticated"})");
  }
  CHECK(s.Snapshot().handler_thread == std::thread::id());  // no handler ran
}

TEST_CASE("http: what a filter sets reaches the handler, and nothing else sets it") {
  FilteredServer s;
  auto client = s.Client();
  client->SetHeader("Authorization", "Bearer alice");
  CHECK(client->Get("/v1/ns/a/sync")->body == "alice");
  CHECK(client->Get("/v1/ns/a/async")->body == "alice");
  // Outside the filter's prefix the request arrives with no attributes, whatever it sends.
  CHECK(client->Get("/v1/health")->body == "nobody");
  CHECK(s.Snapshot().filter_calls == 2);
}

TEST_CASE("http: filters run on the handler's thread, a worker for sync routes") {
  FilteredServer s;
  auto client = s.Client();
  client->SetHeader("Authorization", "Bearer alice");
  REQUIRE(client->Get("/v1/ns/a/async")->status == 200);
  const FilteredServer::Seen async = s.Snapshot();
  CHECK(async.filter_thread == async.handler_thread);
  REQUIRE(client->Get("/v1/ns/a/sync")->status == 200);
  const FilteredServer::Seen sync = s.Snapshot();
  CHECK(sync.filter_thread == sync.handler_thread);
  CHECK(sync.handler_thread != async.io_thread);  // a sync handler never runs on the I/O thread
}

TEST_CASE("http: filters do not run for 404 or 405") {
  FilteredServer s;
  auto client = s.Client();
  CHECK(client->Get("/v1/ns/a/nothing")->status == 404);
  CHECK(client->Post("/v1/ns/a/sync", "", "text/plain")->status == 405);
  CHECK(s.Snapshot().filter_calls == 0);
}

TEST_CASE("http: a prefix route for any method serves WebDAV methods over the wire") {
  namespace net = boost::asio;
  namespace bhttp = boost::beast::http;
  FilteredServer s;
  net::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  boost::beast::error_code ec;
  stream.expires_after(10s);
  stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), s.server->port()), ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  boost::beast::flat_buffer buffer;
  for (const char* method : {"PROPFIND", "MKCOL", "MOVE", "LOCK"}) {
    bhttp::request<bhttp::string_body> req;
    req.method_string(method);
    req.target("/dav/docs/a%20b.txt");
    req.version(11);
    req.set(bhttp::field::host, "127.0.0.1");
    req.keep_alive(true);
    bhttp::write(stream, req, ec);
    REQUIRE_MESSAGE(!ec, ec.message());
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream, buffer, res, ec);
    REQUIRE_MESSAGE(!ec, ec.message());
    CHECK(res.result_int() == 200);
    CHECK(res.body() == std::string(method) + " /docs/a b.txt");
  }
}

}  // namespace
}  // namespace tessera::common::http
