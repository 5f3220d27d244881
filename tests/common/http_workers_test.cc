// The HTTP server's worker pool: sync handlers run off the I/O threads, a full queue is
// answered 503, and stopping with work queued and running is clean.
#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <future>
#include <latch>
#include <thread>
#include <vector>

#include "common/http/client.h"
#include "common/http/server.h"
#include "common/http/worker_pool.h"
#include "common/mutex.h"

namespace tessera::common::http {
namespace {

using namespace std::chrono_literals;

// Waits (without sleeping) until `done` holds, for at most 10 s; false if it never did.
template <typename Predicate>
bool Eventually(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// Shut until Open(), which may be called any number of times.
class Gate {
 public:
  void Open() {
    MutexLock lock(mutex_);
    open_ = true;
    changed_.NotifyAll();
  }
  void Wait() {
    MutexLock lock(mutex_);
    changed_.Wait(mutex_, [&]() TESSERA_REQUIRES(mutex_) { return open_; });
  }

 private:
  Mutex mutex_;
  CondVar changed_;
  bool open_ TESSERA_GUARDED_BY(mutex_) = false;
};

// A server whose GET /block handler (sync) waits for the test's `release` after counting
// down `entered`; GET /quick (sync) and GET /async (async) answer at once.
struct BlockingServer {
  explicit BlockingServer(ServerOptions options) : log(LogLevel::kError), entered(1) {
    router.AddSync("GET", "/block", [this](const Request&) {
      entered.count_down();
      release.Wait();
      return JsonResponse(R"({"blocked":true})");
    });
    router.AddSync("GET", "/quick", [](const Request&) { return JsonResponse("{}"); });
    router.Add("GET", "/async",
               [](Request, Responder responder) { responder.Send(JsonResponse("{}")); });
    auto s = HttpServer::Start(options, router, log);
    REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    server = std::move(*s);
  }
  ~BlockingServer() {
    release.Open();  // whatever the test did, nothing stays blocked
    server->Stop();
  }

  std::future<Result<ClientResponse>> GetLater(std::string target) {
    return std::async(std::launch::async, [this, target] {
      auto client = HttpClient::Create(server->url());
      if (!client.ok()) return Result<ClientResponse>(client.status());
      return (*client)->Get(target);
    });
  }
  Result<ClientResponse> Get(std::string_view target) {
    ClientOptions options;
    options.request_timeout = 10s;  // fails instead of hanging if the server is held up
    auto client = HttpClient::Create(server->url(), options);
    REQUIRE(client.ok());
    return (*client)->Get(target);
  }

  Logger log;
  Router router;
  std::latch entered;
  Gate release;
  std::unique_ptr<HttpServer> server;
};

ServerOptions OneIoThread(int workers, size_t max_queued) {
  ServerOptions options;
  options.threads = 1;
  options.workers = workers;
  options.max_queued_work = max_queued;
  return options;
}

TEST_CASE("http: a blocking sync handler does not hold up another connection's request") {
  BlockingServer s(OneIoThread(2, 16));
  auto blocked = s.GetLater("/block");
  s.entered.wait();
  // The one I/O thread is free: a sync request on a second worker and an async one both pass.
  auto quick = s.Get("/quick");
  REQUIRE_MESSAGE(quick.ok(), quick.status().ToString());
  CHECK(quick->status == 200);
  auto async = s.Get("/async");
  REQUIRE_MESSAGE(async.ok(), async.status().ToString());
  CHECK(async->status == 200);
  CHECK(s.server->work_stats().running == 1);  // the quick one's worker was free on answering
  s.release.Open();
  auto r = blocked.get();
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->status == 200);
  CHECK(r->body == R"({"blocked":true})");
}

// GET `target` on a raw connection, to see the answer's headers.
boost::beast::http::response<boost::beast::http::string_body> RawGet(uint16_t port,
                                                                     const std::string& target) {
  namespace net = boost::asio;
  namespace bhttp = boost::beast::http;
  net::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  boost::beast::error_code ec;
  stream.expires_after(10s);
  stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  bhttp::request<bhttp::string_body> req{bhttp::verb::get, target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  bhttp::write(stream, req, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  boost::beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  return res;
}

TEST_CASE("http: a sync request finding every worker busy and the queue full is answered 503") {
  SUBCASE("no queue") {
    BlockingServer s(OneIoThread(1, 0));
    auto blocked = s.GetLater("/block");
    s.entered.wait();
    const auto busy = RawGet(s.server->port(), "/quick");
    CHECK(busy.result_int() == 503);
    CHECK(busy[boost::beast::http::field::retry_after] == "1");
    CHECK(busy.body().find(R"("error":"Unavailable")") != std::string::npos);
    // Async routes do not use the workers.
    CHECK(s.Get("/async")->status == 200);
    s.release.Open();
    CHECK(blocked.get()->status == 200);
    CHECK(s.Get("/quick")->status == 200);  // the client came back later
  }
  SUBCASE("a queue of one") {
    BlockingServer s(OneIoThread(1, 1));
    auto blocked = s.GetLater("/block");
    s.entered.wait();
    auto queued = s.GetLater("/quick");
    REQUIRE(Eventually([&] { return s.server->work_stats().queued == 1; }));
    CHECK(s.Get("/quick")->status == 503);
    s.release.Open();
    CHECK(blocked.get()->status == 200);
    CHECK(queued.get()->status == 200);
  }
}

TEST_CASE("http: stopping with sync work running and queued answers both and joins cleanly") {
  BlockingServer s(OneIoThread(1, 4));
  auto running = s.GetLater("/block");
  s.entered.wait();
  auto queued = s.GetLater("/quick");
  REQUIRE(Eventually([&] { return s.server->work_stats().queued == 1; }));
  auto stopped = std::async(std::launch::async, [&] { s.server->Stop(); });
  // The queued request is refused at once; the running one is waited for.
  auto refused = queued.get();
  REQUIRE_MESSAGE(refused.ok(), refused.status().ToString());
  CHECK(refused->status == 503);
  CHECK(s.server->work_stats().running == 1);
  s.release.Open();
  stopped.get();
  auto answered = running.get();
  REQUIRE_MESSAGE(answered.ok(), answered.status().ToString());
  CHECK(answered->status == 200);
  CHECK(s.server->work_stats().running == 0);
}

TEST_CASE("http: destroying a server with sync work running and queued is clean") {
  std::latch release(1);
  std::latch entered(1);
  std::atomic<int> refused{0};
  Logger log(LogLevel::kError);
  Router router;
  router.AddSync("GET", "/block", [&](const Request&) {
    entered.count_down();
    release.wait();
    return JsonResponse("{}");
  });
  auto started = HttpServer::Start(OneIoThread(1, 8), router, log);
  REQUIRE(started.ok());
  std::unique_ptr<HttpServer> server = std::move(*started);
  const std::string url = server->url();
  std::vector<std::future<int>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::async(std::launch::async, [url, &refused] {
      auto client = HttpClient::Create(url);
      if (!client.ok()) return -1;
      auto r = (*client)->Get("/block");
      if (!r.ok()) return 0;
      if (r->status == 503) ++refused;
      return r->status;
    }));
  }
  entered.wait();
  REQUIRE(Eventually([&] { return server->work_stats().queued == 3; }));
  auto destroyed = std::async(std::launch::async, [&] { server.reset(); });
  // The three queued are refused while the first still runs; then it may finish.
  CHECK(Eventually([&] { return refused.load() == 3; }));
  release.count_down();
  destroyed.get();
  int answered = 0;
  for (auto& c : clients) answered += c.get() == 200 ? 1 : 0;
  CHECK(refused.load() == 3);
  CHECK(answered == 1);
}

TEST_CASE("worker pool: each task is run or refused exactly once") {
  std::latch release(1);
  std::latch entered(1);
  std::atomic<int> ran{0};
  std::vector<Code> refused;  // only from this thread: refusals here are synchronous
  {
    WorkerPool pool(1, 2);
    pool.Submit([&](const Status& admitted) -> WorkerPool::Then {
      CHECK(admitted.ok());
      entered.count_down();
      release.wait();
      ++ran;
      return nullptr;
    });
    entered.wait();
    for (int i = 0; i < 3; ++i) {
      pool.Submit([&](const Status& admitted) -> WorkerPool::Then {
        if (admitted.ok()) {
          ++ran;
        } else {
          refused.push_back(admitted.code());
        }
        return nullptr;
      });
    }
    // Two queued behind the running one, the third refused at once.
    CHECK(pool.stats().running == 1);
    CHECK(pool.stats().queued == 2);
    REQUIRE(refused.size() == 1);
    CHECK(refused[0] == Code::kUnavailable);
    pool.Close();  // refuses the two queued, here
    CHECK(refused.size() == 3);
    CHECK(pool.stats().queued == 0);
    pool.Submit([&](const Status& admitted) -> WorkerPool::Then {
      refused.push_back(admitted.code());
      return nullptr;
    });
    CHECK(refused.size() == 4);
    release.count_down();
    pool.Stop();
    CHECK(pool.stats().running == 0);
  }
  CHECK(ran.load() == 1);
}

TEST_CASE(
    "worker pool: a pool admits as many tasks as it has workers and queue, even before its threads "
    "start") {
  std::latch release(1);
  std::latch entered(3);
  std::atomic<int> refused{0};
  WorkerPool pool(2, 1);
  for (int i = 0; i < 4; ++i) {
    pool.Submit([&](const Status& admitted) -> WorkerPool::Then {
      if (!admitted.ok()) {
        ++refused;
        return nullptr;
      }
      entered.count_down();
      release.wait();
      return nullptr;
    });
  }
  // Two run, one waits; the fourth found both workers taken and the queue full.
  CHECK(refused.load() == 1);
  release.count_down();
  entered.wait();
  pool.Stop();
}

TEST_CASE("worker pool: a task's Then runs once its worker is free again") {
  WorkerPool pool(1, 0);
  std::latch done(1);
  std::atomic<bool> next_admitted{false};
  pool.Submit([&](const Status& admitted) -> WorkerPool::Then {
    CHECK(admitted.ok());
    // Like a client that sends its next request as soon as it has the answer.
    return [&] {
      pool.Submit([&](const Status& next) -> WorkerPool::Then {
        next_admitted = next.ok();
        done.count_down();
        return nullptr;
      });
    };
  });
  done.wait();
  CHECK(next_admitted.load());
}

}  // namespace
}  // namespace tessera::common::http
