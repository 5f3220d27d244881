// common/http/worker_pool.h
//
// Internal to common/http. WorkerPool: the server's threads for handlers that may block
// (Router::AddSync), so that no SQLite write or fsync runs on an I/O thread. A fixed number of
// threads take tasks from one bounded FIFO queue.
//
// Every submitted task is called exactly once, with a Status saying what happened to it:
//   OK            on a worker thread: do the work;
//   kUnavailable  the pool refused it (`workers` tasks running and `max_queued` waiting, or
//                 the pool stopping): answer that, don't do the work. Called on the thread
//                 of Submit (refused at once) or of Close/Stop (dropped from the queue).
// A task may return a Then, run once its worker counts itself free again (on that worker):
// a task that answers a client there lets the client's next request find the worker free.
// Thread-safe: Submit, Close, Stop and stats may be called from any thread, concurrently; the
// destructor stops. Tasks must not call Stop or destroy the pool.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"

namespace tessera::common::http {

class WorkerPool {
 public:
  using Then = std::function<void()>;
  using Task = std::function<Then(const Status& admitted)>;

  struct Stats {
    size_t queued = 0;   // waiting for a worker
    size_t running = 0;  // being run by a worker
  };

  // Starts `workers` threads (at least 1). `max_queued` bounds the tasks waiting for a worker
  // (0: a task that finds every worker busy is refused).
  WorkerPool(int workers, size_t max_queued);
  ~WorkerPool();  // Stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`, or refuses it at once (see above).
  void Submit(Task task);
  // Refuses every task still queued and every later Submit; the tasks already running go on.
  // Idempotent; does not wait.
  void Close();
  // Close(), then waits for the running tasks to finish and joins the threads. Idempotent.
  void Stop();

  Stats stats() const;

 private:
  void Work();
  static void Run(Task& task, const Status& admitted);  // a task, then its Then

  const size_t workers_;
  const size_t max_queued_;
  mutable Mutex mutex_;
  CondVar changed_;  // queue non-empty, or closing
  std::deque<Task> queue_ TESSERA_GUARDED_BY(mutex_);
  size_t running_ TESSERA_GUARDED_BY(mutex_) = 0;  // tasks being run
  bool closed_ TESSERA_GUARDED_BY(mutex_) = false;
  Mutex join_mutex_;  // serialises Stop()s, so that each thread is joined once
  std::vector<std::thread> threads_ TESSERA_GUARDED_BY(join_mutex_);
};

}  // namespace tessera::common::http
