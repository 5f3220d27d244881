#include "daemon/remote/block_pipe.h"

namespace tessera::daemon::remote {

BlockPipe::BlockPipe(common::client::BlockClient& client)
    : client_(client), thread_([this] { Run(); }) {}

BlockPipe::~BlockPipe() {
  {
    common::MutexLock lock(mutex_);
    stopping_ = true;
  }
  changed_.NotifyAll();
  thread_.join();
}

void BlockPipe::Enqueue(std::function<void()> job) {
  {
    common::MutexLock lock(mutex_);
    changed_.Wait(mutex_, [&]() TESSERA_REQUIRES(mutex_) { return queue_.size() <= kMaxQueued; });
    queue_.push_back(std::move(job));
  }
  changed_.NotifyAll();
}

void BlockPipe::Run() {
  for (;;) {
    std::function<void()> job;
    {
      common::MutexLock lock(mutex_);
      changed_.Wait(mutex_,
                    [&]() TESSERA_REQUIRES(mutex_) { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything submitted has run
      job = std::move(queue_.front());
    }
    job();
    {
      common::MutexLock lock(mutex_);
      queue_.pop_front();  // only now: the running job counts against the bound too
    }
    changed_.NotifyAll();
  }
}

}  // namespace tessera::daemon::remote
