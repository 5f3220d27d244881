// common/mutex.h
//
// Mutex, MutexLock and CondVar: std::mutex and std::condition_variable_any with the Clang
// thread-safety annotations of thread_annotations.h, so that `TESSERA_GUARDED_BY(mutex_)` is
// checked at compile time. SharedMutex, WriterMutexLock and ReaderMutexLock do the same for
// std::shared_mutex (many readers or one writer; a reader may read what it guards, only a
// writer may change it). Same semantics and cost as the std types they wrap.
//
//   mutable common::Mutex mutex_;
//   common::CondVar changed_;
//   int count_ TESSERA_GUARDED_BY(mutex_) = 0;
//
//   void Add() { common::MutexLock lock(mutex_); ++count_; changed_.NotifyAll(); }
//   void WaitForOne() {
//     common::MutexLock lock(mutex_);
//     changed_.Wait(mutex_, [&]() TESSERA_REQUIRES(mutex_) { return count_ > 0; });
//   }
//
// Thread-safe, as the std types are.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>
#include <stop_token>

#include "common/thread_annotations.h"

namespace tessera::common {

class TESSERA_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() TESSERA_ACQUIRE() { mutex_.lock(); }
  void Unlock() TESSERA_RELEASE() { mutex_.unlock(); }
  bool TryLock() TESSERA_TRY_ACQUIRE(true) { return mutex_.try_lock(); }
  // Tells the analysis the caller holds it (where it cannot see so itself).
  void AssertHeld() const TESSERA_ASSERT_CAPABILITY(this) {}

  // BasicLockable spelling, for std::condition_variable_any and std::unique_lock.
  void lock() TESSERA_ACQUIRE() { mutex_.lock(); }
  void unlock() TESSERA_RELEASE() { mutex_.unlock(); }

 private:
  std::mutex mutex_;
};

// Holds `mutex` for its scope.
class TESSERA_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) TESSERA_ACQUIRE(mutex) : mutex_(mutex) { mutex_.Lock(); }
  ~MutexLock() TESSERA_RELEASE() { mutex_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mutex_;
};

// Many readers or one writer. Annotate what it guards with TESSERA_GUARDED_BY as for Mutex:
// reading needs it held shared (ReaderMutexLock) or exclusive, writing needs it exclusive.
class TESSERA_CAPABILITY("mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void Lock() TESSERA_ACQUIRE() { mutex_.lock(); }
  void Unlock() TESSERA_RELEASE() { mutex_.unlock(); }
  void ReaderLock() TESSERA_ACQUIRE_SHARED() { mutex_.lock_shared(); }
  void ReaderUnlock() TESSERA_RELEASE_SHARED() { mutex_.unlock_shared(); }
  void AssertHeld() const TESSERA_ASSERT_CAPABILITY(this) {}
  void AssertReaderHeld() const TESSERA_ASSERT_SHARED_CAPABILITY(this) {}

 private:
  std::shared_mutex mutex_;
};

// Holds `mutex` exclusively for its scope.
class TESSERA_SCOPED_CAPABILITY WriterMutexLock {
 public:
  explicit WriterMutexLock(SharedMutex& mutex) TESSERA_ACQUIRE(mutex) : mutex_(mutex) {
    mutex_.Lock();
  }
  ~WriterMutexLock() TESSERA_RELEASE() { mutex_.Unlock(); }
  WriterMutexLock(const WriterMutexLock&) = delete;
  WriterMutexLock& operator=(const WriterMutexLock&) = delete;

 private:
  SharedMutex& mutex_;
};

// Holds `mutex` shared for its scope.
class TESSERA_SCOPED_CAPABILITY ReaderMutexLock {
 public:
  explicit ReaderMutexLock(SharedMutex& mutex) TESSERA_ACQUIRE_SHARED(mutex) : mutex_(mutex) {
    mutex_.ReaderLock();
  }
  ~ReaderMutexLock() TESSERA_RELEASE() { mutex_.ReaderUnlock(); }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;

 private:
  SharedMutex& mutex_;
};

// A condition variable waited on with a held Mutex (released while waiting, held again on
// return). Predicates run with the mutex held.
class CondVar {
 public:
  void NotifyOne() { cv_.notify_one(); }
  void NotifyAll() { cv_.notify_all(); }

  void Wait(Mutex& mutex) TESSERA_REQUIRES(mutex) { cv_.wait(mutex); }
  template <typename Predicate>
  void Wait(Mutex& mutex, Predicate pred) TESSERA_REQUIRES(mutex) {
    cv_.wait(mutex, std::move(pred));
  }
  // False when `deadline` passed first.
  template <typename Clock, typename Duration>
  bool WaitUntil(Mutex& mutex, std::chrono::time_point<Clock, Duration> deadline)
      TESSERA_REQUIRES(mutex) {
    return cv_.wait_until(mutex, deadline) == std::cv_status::no_timeout;
  }
  // The predicate's last value (false: the deadline passed with it still false).
  template <typename Clock, typename Duration, typename Predicate>
  bool WaitUntil(Mutex& mutex, std::chrono::time_point<Clock, Duration> deadline, Predicate pred)
      TESSERA_REQUIRES(mutex) {
    return cv_.wait_until(mutex, deadline, std::move(pred));
  }
  // Also returns (with the predicate's value) as soon as `stop` is requested.
  template <typename Clock, typename Duration, typename Predicate>
  bool WaitUntil(Mutex& mutex, std::stop_token stop,
                 std::chrono::time_point<Clock, Duration> deadline, Predicate pred)
      TESSERA_REQUIRES(mutex) {
    return cv_.wait_until(mutex, std::move(stop), deadline, std::move(pred));
  }
  // WaitUntil with the deadline `timeout` from now (on the steady clock).
  template <typename Rep, typename Period, typename Predicate>
  bool WaitFor(Mutex& mutex, std::chrono::duration<Rep, Period> timeout, Predicate pred)
      TESSERA_REQUIRES(mutex) {
    return cv_.wait_for(mutex, timeout, std::move(pred));
  }
  template <typename Rep, typename Period, typename Predicate>
  bool WaitFor(Mutex& mutex, std::stop_token stop, std::chrono::duration<Rep, Period> timeout,
               Predicate pred) TESSERA_REQUIRES(mutex) {
    return cv_.wait_for(mutex, std::move(stop), timeout, std::move(pred));
  }

 private:
  std::condition_variable_any cv_;
};

}  // namespace tessera::common
