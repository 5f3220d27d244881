#include "tests/common/alloc_meter.h"

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "common/check.h"

#ifndef TESSERA_NO_ALLOC_METER
#define TESSERA_NO_ALLOC_METER 0
#endif

namespace tessera::common::testing {
namespace {

// The one meter's counters; global because operator new is.
std::atomic<bool> metering{false};
std::atomic<int64_t> live_bytes{0};
std::atomic<int64_t> peak_live_bytes{0};

[[maybe_unused]] void* Allocate(std::size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  if (metering.load(std::memory_order_relaxed)) {
    const auto size = static_cast<int64_t>(malloc_usable_size(p));
    const int64_t now = live_bytes.fetch_add(size, std::memory_order_relaxed) + size;
    int64_t peak = peak_live_bytes.load(std::memory_order_relaxed);
    while (now > peak &&
           !peak_live_bytes.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
  }
  return p;
}

[[maybe_unused]] void* AllocateNoThrow(std::size_t n) noexcept {
  try {
    return Allocate(n);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}

[[maybe_unused]] void Release(void* p) noexcept {
  if (p == nullptr) return;
  if (metering.load(std::memory_order_relaxed)) {
    live_bytes.fetch_sub(static_cast<int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  }
  std::free(p);
}

}  // namespace

AllocMeter::AllocMeter() {
  live_bytes.store(0);
  peak_live_bytes.store(0);
  TESSERA_CHECK(!metering.exchange(true));  // one meter at a time
}

AllocMeter::~AllocMeter() { metering.store(false); }

int64_t AllocMeter::peak_bytes() const { return peak_live_bytes.load(); }

bool AllocMeter::counting() { return !TESSERA_NO_ALLOC_METER; }

}  // namespace tessera::common::testing

#if !TESSERA_NO_ALLOC_METER

// The replaceable allocation functions ([new.delete]); the aligned forms keep their defaults,
// which do not come here.
void* operator new(std::size_t n) { return tessera::common::testing::Allocate(n); }
void* operator new[](std::size_t n) { return tessera::common::testing::Allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return tessera::common::testing::AllocateNoThrow(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return tessera::common::testing::AllocateNoThrow(n);
}
void operator delete(void* p) noexcept { tessera::common::testing::Release(p); }
void operator delete[](void* p) noexcept { tessera::common::testing::Release(p); }
void operator delete(void* p, std::size_t) noexcept { tessera::common::testing::Release(p); }
void operator delete[](void* p, std::size_t) noexcept { tessera::common::testing::Release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept {
  tessera::common::testing::Release(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  tessera::common::testing::Release(p);
}
#endif  // TESSERA_NO_ALLOC_METER
