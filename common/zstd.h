// common/zstd.h
//
// Thin wrappers over libzstd for blocks on the wire and at rest. Decompression is always
// bounded: a frame whose content would exceed `max_bytes` is refused before (declared size) or
// while (undeclared size, streamed) it is inflated, so a decompression bomb costs at most
// `max_bytes` of memory. The free functions are thread-safe (each call makes its own
// context); a Codec keeps its contexts between calls (making a context costs more than
// compressing a small body) and is not thread-safe: one per connection or thread. A CodecPool
// lends Codecs to threads that share an object (a server's store).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"
#include "common/result.h"
#include "common/thread_annotations.h"

namespace tessera::common::zstd {

inline constexpr int kDefaultLevel = 3;

// One zstd frame holding `data` (content size declared). `level` is clamped to zstd's range.
std::string Compress(std::string_view data, int level = kDefaultLevel);

// Inflates one or more concatenated zstd frames. ResourceExhausted if the content is (or is
// declared to be) larger than `max_bytes`; Corruption if `data` is not a complete, valid zstd
// stream (garbage, truncated, trailing bytes).
Result<std::string> Decompress(std::string_view data, uint64_t max_bytes);

// Compress and Decompress as above, reusing one compression and one decompression context.
class Codec {
 public:
  Codec();
  ~Codec();
  Codec(const Codec&) = delete;
  Codec& operator=(const Codec&) = delete;

  std::string Compress(std::string_view data, int level = kDefaultLevel);
  Result<std::string> Decompress(std::string_view data, uint64_t max_bytes);

 private:
  struct Contexts;
  std::unique_ptr<Contexts> ctx_;
};

// Codecs for many threads: Acquire() lends one (made when none is free), its Lease gives it
// back. Keeps at most kMaxIdle idle codecs. Thread-safe; must outlive its leases.
class CodecPool {
 public:
  static constexpr size_t kMaxIdle = 8;

  class Lease {
   public:
    Lease(CodecPool& pool, std::unique_ptr<Codec> codec) : pool_(&pool), codec_(std::move(codec)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Codec& operator*() { return *codec_; }
    Codec* operator->() { return codec_.get(); }

   private:
    CodecPool* pool_;
    std::unique_ptr<Codec> codec_;
  };

  Lease Acquire();

 private:
  Mutex mutex_;
  std::vector<std::unique_ptr<Codec>> idle_ TESSERA_GUARDED_BY(mutex_);
};

}  // namespace tessera::common::zstd
