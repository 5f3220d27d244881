#include "common/http/server.h"

#include <boost/asio.hpp>
#include <thread>

#include "common/http/listen_address.h"
#include "common/http/session.h"
#include "common/http/worker_pool.h"

namespace tessera::common::http {

using net::ip::tcp;

namespace {

constexpr std::chrono::seconds kStopGrace{3};

}  // namespace

struct HttpServer::Impl {
  Impl(const ServerOptions& opts, const Router& r, Logger& l)
      : options(opts), router(r), log(l), budget(opts.max_body_bytes_in_flight) {}
  ~Impl() {
    Stop();
    acceptor.reset();
    // Destroying the io_context destroys the sessions' coroutine frames; they unregister from
    // `registry`, which is still alive here.
    ioc.reset();
  }

  void Stop() {
    MutexLock lock(stop_mutex);
    if (stopped) return;
    stopped = true;
    stopping.store(true);
    // Requests still waiting for a worker are answered 503 now; running ones go on.
    workers->Close();
    if (acceptor) {
      net::post(acceptor->get_executor(), [this] {
        boost::system::error_code ec;
        acceptor->close(ec);
      });
    }
    for (auto& session : registry.Live()) {
      net::post(session->executor(), [session] { session->Shutdown(); });
    }
    // Sync handlers already running finish (they answer at once by contract), so the grace
    // below counts from their answers. Their answers post to the io_context, still running.
    workers->Stop();
    if (!registry.WaitEmpty(std::chrono::steady_clock::now() + kStopGrace)) {
      log.Warn("http", "stopping with connections still open");
    }
    work.reset();
    ioc->stop();
    for (std::thread& t : threads) t.join();
    threads.clear();
    // No io thread runs now; a late Responder::Send must not post to the dying io_context.
    for (auto& session : registry.Live()) session->CloseSlot();
  }

  net::awaitable<void> AcceptLoop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(net::make_strand(*ioc),
                                                          net::as_tuple(net::use_awaitable));
      if (ec) {
        if (ec == net::error::operation_aborted || stopping.load()) co_return;
        log.Warn("http", "accept: " + ec.message());
        // Out of descriptors and the like: back off instead of spinning.
        net::steady_timer pause(co_await net::this_coro::executor, std::chrono::milliseconds(100));
        co_await pause.async_wait(net::as_tuple(net::use_awaitable));
        continue;
      }
      if (stopping.load()) co_return;
      std::make_shared<Session>(std::move(socket), router, *workers, options, log, registry,
                                stopping, budget)
          ->Start();
    }
  }

  const ServerOptions options;
  const Router& router;
  Logger& log;
  SessionRegistry registry;
  std::atomic<bool> stopping{false};
  BodyBudget budget;  // outlives the sessions: the io_context (their frames) goes first
  Mutex stop_mutex;
  bool stopped TESSERA_GUARDED_BY(stop_mutex) = false;
  std::unique_ptr<WorkerPool> workers;  // sync handlers; joined by Stop before the I/O threads
  std::unique_ptr<net::io_context> ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  tcp::endpoint local;
};

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const ServerOptions& options,
                                                      const Router& router, Logger& log) {
  if (options.threads < 1) return InvalidArgument("server needs at least one thread");
  if (options.workers < 1) return InvalidArgument("server needs at least one worker");
  TESSERA_ASSIGN_OR_RETURN(ListenAddress listen, ParseListenAddress(options.listen));
  const tcp::endpoint endpoint(net::ip::make_address(listen.ip), listen.port);
  auto impl = std::make_unique<Impl>(options, router, log);
  impl->ioc = std::make_unique<net::io_context>(options.threads);
  impl->acceptor = std::make_unique<tcp::acceptor>(net::make_strand(*impl->ioc));
  boost::system::error_code ec;
  impl->acceptor->open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor->bind(endpoint, ec);
  if (!ec) impl->acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (!ec) impl->local = impl->acceptor->local_endpoint(ec);
  if (ec) {
    // Mark stopped so the destructor does not wait on a server that never ran.
    MutexLock lock(impl->stop_mutex);
    impl->stopped = true;
    return IOError("listen on " + options.listen, ec.message());
  }
  impl->workers = std::make_unique<WorkerPool>(options.workers, options.max_queued_work);
  impl->work.emplace(impl->ioc->get_executor());
  Impl* raw = impl.get();
  net::co_spawn(impl->acceptor->get_executor(), raw->AcceptLoop(), [raw](std::exception_ptr e) {
    if (e) raw->log.Error("http", "accept loop threw (a bug)");
  });
  for (int i = 0; i < options.threads; ++i) {
    impl->threads.emplace_back([raw] { raw->ioc->run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() = default;

uint16_t HttpServer::port() const { return impl_->local.port(); }

std::string HttpServer::url() const {
  const auto address = impl_->local.address();
  if (address.is_unspecified()) {
    return "http://" + std::string(address.is_v6() ? "[::1]" : "127.0.0.1") + ":" +
           std::to_string(port());
  }
  if (address.is_v6()) return "http://[" + address.to_string() + "]:" + std::to_string(port());
  return "http://" + address.to_string() + ":" + std::to_string(port());
}

WorkStats HttpServer::work_stats() const {
  const WorkerPool::Stats stats = impl_->workers->stats();
  return WorkStats{stats.queued, stats.running};
}

void HttpServer::Stop() { impl_->Stop(); }

}  // namespace tessera::common::http
