// common/thread_annotations.h
//
// Clang thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html) as
// TESSERA_ macros. Under Clang with -Wthread-safety the compiler checks them; elsewhere they
// expand to nothing. Annotate the data a mutex guards and the functions that need it held:
//
//   common::Mutex mutex_;
//   std::deque<Job> queue_ TESSERA_GUARDED_BY(mutex_);
//   void PopLocked() TESSERA_REQUIRES(mutex_);
//
// std::mutex carries no annotations in libstdc++: guarded state uses common::Mutex (mutex.h).
#pragma once

#if defined(__clang__)
#define TESSERA_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define TESSERA_THREAD_ANNOTATION(x)
#endif

#define TESSERA_CAPABILITY(x) TESSERA_THREAD_ANNOTATION(capability(x))
#define TESSERA_SCOPED_CAPABILITY TESSERA_THREAD_ANNOTATION(scoped_lockable)
#define TESSERA_GUARDED_BY(x) TESSERA_THREAD_ANNOTATION(guarded_by(x))
#define TESSERA_PT_GUARDED_BY(x) TESSERA_THREAD_ANNOTATION(pt_guarded_by(x))
#define TESSERA_ACQUIRED_BEFORE(...) TESSERA_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define TESSERA_ACQUIRED_AFTER(...) TESSERA_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define TESSERA_REQUIRES(...) TESSERA_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define TESSERA_REQUIRES_SHARED(...) \
  TESSERA_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define TESSERA_ACQUIRE(...) TESSERA_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define TESSERA_ACQUIRE_SHARED(...) \
  TESSERA_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define TESSERA_RELEASE(...) TESSERA_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define TESSERA_RELEASE_SHARED(...) \
  TESSERA_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define TESSERA_TRY_ACQUIRE(...) TESSERA_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define TESSERA_TRY_ACQUIRE_SHARED(...) \
  TESSERA_THREAD_ANNOTATION(try_acquire_shared_capability(__VA_ARGS__))
#define TESSERA_EXCLUDES(...) TESSERA_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define TESSERA_ASSERT_CAPABILITY(x) TESSERA_THREAD_ANNOTATION(assert_capability(x))
#define TESSERA_ASSERT_SHARED_CAPABILITY(x) TESSERA_THREAD_ANNOTATION(assert_shared_capability(x))
#define TESSERA_RETURN_CAPABILITY(x) TESSERA_THREAD_ANNOTATION(lock_returned(x))
#define TESSERA_NO_THREAD_SAFETY_ANALYSIS TESSERA_THREAD_ANNOTATION(no_thread_safety_analysis)
