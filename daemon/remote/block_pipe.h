// daemon/remote/block_pipe.h
//
// BlockPipe: blockserver requests on a thread of their own, so the syncer thread reads and
// writes files while the previous request is on the wire (the store and retrieve stages of the
// daemon's pipeline). Requests run one at a time, in the order submitted, on a BlockClient the
// pipe alone uses; at most kMaxQueued wait behind the running one, and Submit() blocks until
// there is room, so the pipeline holds a bounded number of requests (each under
// kPipelinedBatchBytes). A request (and all it captured: a store's block bytes) is destroyed on
// the pipe's thread as soon as it has run; its future holds the result only, so futures kept
// after their request ran hold no request bodies.
// Thread safety: Submit() and the futures belong to one owning thread; the client is touched
// only by the pipe's thread from construction to destruction.
#pragma once

#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <type_traits>

#include "common/client/block_client.h"
#include "common/mutex.h"
#include "common/thread_annotations.h"

namespace tessera::daemon::remote {

// Requests sent through a pipe keep under this many block bytes: the one on the wire, the one
// queued and the one being prepared then hold less than one kMaxBatchBytes request did.
inline constexpr uint64_t kPipelinedBatchBytes = common::client::kMaxBatchBytes / 4;

class BlockPipe {
 public:
  static constexpr size_t kMaxQueued = 1;

  // `client` must outlive the pipe, and nobody else may use it meanwhile.
  explicit BlockPipe(common::client::BlockClient& client);
  // Runs what was submitted, then stops the thread.
  ~BlockPipe();
  BlockPipe(const BlockPipe&) = delete;
  BlockPipe& operator=(const BlockPipe&) = delete;

  // Queues `request(client)` behind the running and queued ones (waiting while kMaxQueued are
  // queued) and returns its result's future. `request` is destroyed right after it ran, before
  // the future is ready. `request` must not throw.
  template <typename F>
  std::future<std::invoke_result_t<F&, common::client::BlockClient&>> Submit(F request) {
    using R = std::invoke_result_t<F&, common::client::BlockClient&>;
    // A packaged_task's shared state (which the future shares) owns its callable until the
    // last of task and future is gone: the request lives in an optional that the call empties.
    auto task = std::make_shared<std::packaged_task<R()>>(
        [this, request = std::optional<F>(std::move(request))]() mutable -> R {
          if constexpr (std::is_void_v<R>) {
            (*request)(client_);
            request.reset();
          } else {
            R result = (*request)(client_);
            request.reset();
            return result;
          }
        });
    std::future<R> result = task->get_future();
    Enqueue([task] { (*task)(); });
    return result;
  }

  const common::client::BlockClient& client() const { return client_; }

 private:
  void Enqueue(std::function<void()> job) TESSERA_EXCLUDES(mutex_);
  void Run() TESSERA_EXCLUDES(mutex_);

  common::client::BlockClient& client_;
  common::Mutex mutex_;
  common::CondVar changed_;
  std::deque<std::function<void()>> queue_ TESSERA_GUARDED_BY(mutex_);
  bool stopping_ TESSERA_GUARDED_BY(mutex_) = false;
  std::thread thread_;  // last: starts after the members above
};

}  // namespace tessera::daemon::remote
