// common/zstd.h
//
// Thin wrappers over libzstd for blocks on the wire and at rest. Decompression is always
// bounded, so a decompression bomb costs at most `max_bytes` plus a constant:
//   - the output is allocated once, at its exact size (never more than `max_bytes`), and
//     inflated into in one pass, which needs no zstd window buffer;
//   - when every frame declares its content size, that size is known from the headers: more
//     than `max_bytes` is refused before anything is allocated or inflated;
//   - when a frame does not, the stream is first inflated into a ZSTD_DStreamOutSize()
//     (128 KiB) scratch buffer only to count its size, through a window of at most
//     kMaxWindowBytes (a frame asking for a larger one is refused), and refused as soon as the
//     count passes `max_bytes`; a stream within the limit is then inflated again into its
//     output (twice the CPU for such frames, which Compress never makes; no more memory).
// So peak memory is the output (<= `max_bytes`) or, while counting, one window and one scratch
// buffer; the input is the caller's. The free functions are thread-safe (each call makes its own
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

// The largest window a frame that does not declare its size may ask for: 8 MiB, the most the
// HTTP "zstd" content coding allows (RFC 9659) and the most zstd levels up to 19 use. A frame that
// declares its size is inflated in one pass, straight into its output, so its window costs nothing
// and is not limited.
inline constexpr int kMaxWindowLog = 23;
inline constexpr uint64_t kMaxWindowBytes = uint64_t{1} << kMaxWindowLog;

// One zstd frame holding `data` (content size declared). `level` is clamped to zstd's range.
std::string Compress(std::string_view data, int level = kDefaultLevel);

// Inflates one or more concatenated zstd frames (skippable frames allowed). ResourceExhausted
// if the content is (or is declared to be) larger than `max_bytes`, or a frame that does not
// declare its size asks for a window over kMaxWindowBytes; Corruption if `data` is not a
// complete, valid zstd stream (garbage, truncated, trailing bytes, content that differs from
// its declared size).
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
