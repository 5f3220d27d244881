#include "common/http/worker_pool.h"

#include <utility>

namespace tessera::common::http {

WorkerPool::WorkerPool(int workers, size_t max_queued)
    : workers_(workers < 1 ? 1 : static_cast<size_t>(workers)), max_queued_(max_queued) {
  MutexLock lock(join_mutex_);
  threads_.reserve(workers_);
  for (size_t i = 0; i < workers_; ++i) threads_.emplace_back([this] { Work(); });
}

WorkerPool::~WorkerPool() { Stop(); }

void WorkerPool::Submit(Task task) {
  Status refused = Status::Ok();
  {
    MutexLock lock(mutex_);
    if (closed_) {
      refused = Unavailable("server is stopping");
    } else if (running_ + queue_.size() >= workers_ + max_queued_) {
      // Every worker taken (or about to be, by what is queued) and the queue full: make the
      // client back off rather than pile up bodies in memory.
      refused = Unavailable("server busy: " + std::to_string(running_) + " requests running, " +
                            std::to_string(queue_.size()) + " queued");
    } else {
      queue_.push_back(std::move(task));
      changed_.NotifyOne();
      return;
    }
  }
  Run(task, refused);  // outside the lock: the task answers its request
}

void WorkerPool::Close() {
  std::deque<Task> dropped;
  {
    MutexLock lock(mutex_);
    closed_ = true;
    dropped.swap(queue_);
    changed_.NotifyAll();
  }
  const Status stopping = Unavailable("server is stopping");
  for (Task& task : dropped) Run(task, stopping);
}

void WorkerPool::Stop() {
  Close();
  MutexLock lock(join_mutex_);
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

WorkerPool::Stats WorkerPool::stats() const {
  MutexLock lock(mutex_);
  return Stats{queue_.size(), running_};
}

void WorkerPool::Work() {
  for (;;) {
    Task task;
    {
      MutexLock lock(mutex_);
      changed_.Wait(mutex_, [&]() TESSERA_REQUIRES(mutex_) { return closed_ || !queue_.empty(); });
      if (queue_.empty()) return;  // closed, and Close() took what was queued
      task = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    Then then = task(Status::Ok());
    task = nullptr;  // whatever the task holds goes before it counts as done
    {
      MutexLock lock(mutex_);
      --running_;
    }
    if (then) then();
  }
}

void WorkerPool::Run(Task& task, const Status& admitted) {
  Then then = task(admitted);
  if (then) then();
}

}  // namespace tessera::common::http
