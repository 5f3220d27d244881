#include "daemon/remote/block_pipe.h"

namespace tessera::daemon::remote {

BlockPipe::BlockPipe(common::client::BlockClient& client)
    : client_(client), thread_([this] { Run(); }) {}

BlockPipe::~BlockPipe() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void BlockPipe::Enqueue(std::function<void()> job) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return queue_.size() <= kMaxQueued; });
  queue_.push_back(std::move(job));
  lock.unlock();
  changed_.notify_all();
}

void BlockPipe::Run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything submitted has run
      job = std::move(queue_.front());
    }
    job();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.pop_front();  // only now: the running job counts against the bound too
    }
    changed_.notify_all();
  }
}

}  // namespace tessera::daemon::remote
