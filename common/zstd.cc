#include "common/zstd.h"

#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "common/check.h"

namespace tessera::common::zstd {

namespace {

struct DCtxDeleter {
  void operator()(ZSTD_DCtx* ctx) const { ZSTD_freeDCtx(ctx); }
};
struct CCtxDeleter {
  void operator()(ZSTD_CCtx* ctx) const { ZSTD_freeCCtx(ctx); }
};
using DCtxPtr = std::unique_ptr<ZSTD_DCtx, DCtxDeleter>;

DCtxPtr NewDCtx() {
  DCtxPtr ctx(ZSTD_createDCtx());
  TESSERA_CHECK(ctx != nullptr);
  // Only streamed inflating (CountInflated) keeps a window; this bounds it on every context.
  TESSERA_CHECK(
      !ZSTD_isError(ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, kMaxWindowLog)));
  return ctx;
}

}  // namespace

struct Codec::Contexts {
  std::unique_ptr<ZSTD_CCtx, CCtxDeleter> cctx{ZSTD_createCCtx()};
  DCtxPtr dctx = NewDCtx();
};

namespace {

std::string CompressWith(ZSTD_CCtx* ctx, std::string_view data, int level) {
  TESSERA_CHECK(ctx != nullptr);
  level = std::clamp(level, ZSTD_minCLevel(), ZSTD_maxCLevel());
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compressCCtx(ctx, out.data(), out.size(), data.data(), data.size(), level);
  // Only allocation failure or a bad level can fail here, and the level is clamped.
  TESSERA_CHECK(!ZSTD_isError(n));
  out.resize(n);
  return out;
}

Status ContentTooLarge(uint64_t max_bytes) {
  return ResourceExhausted("zstd: content over the limit of " + std::to_string(max_bytes) +
                           " bytes");
}

// What the frames of `data` declare: the sum of their content sizes, or nullopt when some
// frame does not declare its size. Reads frame and block headers only. Corruption unless
// `data` is a sequence of complete frames; ResourceExhausted when the declared sizes already
// add up to more than `max_bytes`.
Result<std::optional<uint64_t>> DeclaredSize(std::string_view data, uint64_t max_bytes) {
  if (data.empty()) return Corruption("zstd: empty input");
  uint64_t total = 0;
  bool all_declared = true;
  while (!data.empty()) {
    const size_t frame = ZSTD_findFrameCompressedSize(data.data(), data.size());
    if (ZSTD_isError(frame)) {
      return Corruption(std::string("zstd: not a complete zstd frame (") +
                        ZSTD_getErrorName(frame) + ")");
    }
    // 0 for a skippable frame.
    const unsigned long long size = ZSTD_getFrameContentSize(data.data(), frame);
    if (size == ZSTD_CONTENTSIZE_ERROR) return Corruption("zstd: bad frame header");
    if (size == ZSTD_CONTENTSIZE_UNKNOWN) {
      all_declared = false;
    } else if (size > max_bytes - total) {
      return ResourceExhausted("zstd: declared content over the limit of " +
                               std::to_string(max_bytes) + " bytes (a frame declares " +
                               std::to_string(size) + ")");
    } else {
      total += size;
    }
    data.remove_prefix(frame);
  }
  if (!all_declared) return std::optional<uint64_t>();
  return std::optional<uint64_t>(total);
}

// The size `data` inflates to, found by inflating it into a small scratch buffer that is
// overwritten each step: memory is one window (at most 2^kMaxWindowLog) plus one scratch
// buffer, whatever the content. ResourceExhausted as soon as the content passes `max_bytes`
// or a frame asks for a larger window; Corruption for a bad stream. Uses a context of its
// own, freed on return, so no Codec keeps the window afterwards.
Result<uint64_t> CountInflated(std::string_view data, uint64_t max_bytes) {
  DCtxPtr dctx = NewDCtx();
  std::string scratch(ZSTD_DStreamOutSize(), '\0');
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  uint64_t total = 0;
  for (;;) {
    ZSTD_outBuffer out{scratch.data(), scratch.size(), 0};
    // Non-zero while the current frame is incomplete or not fully flushed.
    const size_t pending = ZSTD_decompressStream(dctx.get(), &out, &in);
    if (ZSTD_isError(pending)) {
      if (ZSTD_getErrorCode(pending) == ZSTD_error_frameParameter_windowTooLarge) {
        return ResourceExhausted("zstd: a frame of undeclared size asks for a window over " +
                                 std::to_string(kMaxWindowBytes) + " bytes");
      }
      return Corruption(std::string("zstd: ") + ZSTD_getErrorName(pending));
    }
    total += out.pos;
    if (total > max_bytes) return ContentTooLarge(max_bytes);
    if (in.pos == in.size) {
      if (pending == 0) return total;  // last frame complete and flushed
      if (out.pos < out.size) return Corruption("zstd: truncated frame");
    }
  }
}

Result<std::string> DecompressWith(ZSTD_DCtx* dctx, std::string_view data, uint64_t max_bytes) {
  TESSERA_CHECK(dctx != nullptr);
  TESSERA_ASSIGN_OR_RETURN(const std::optional<uint64_t> declared, DeclaredSize(data, max_bytes));
  uint64_t size = 0;
  if (declared) {
    size = *declared;  // zstd checks each frame's content against its declaration below
  } else {
    TESSERA_ASSIGN_OR_RETURN(size, CountInflated(data, max_bytes));
  }
  // The output is allocated once, at its exact size (at most max_bytes), and inflated into in
  // one shot: a single-pass decode needs no window buffer, and nothing ever grows (a growing
  // std::string doubles its capacity, so a bomb stopped at the cap cost twice the cap).
  std::string out(static_cast<size_t>(size), '\0');
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
  const size_t n = ZSTD_decompressDCtx(dctx, out.data(), out.size(), data.data(), data.size());
  if (ZSTD_isError(n)) {
    // dstSize_tooSmall: a frame holds more than it declares.
    return Corruption(std::string("zstd: ") + ZSTD_getErrorName(n));
  }
  if (n != size) {
    return Corruption("zstd: content is " + std::to_string(n) + " bytes, frames declare " +
                      std::to_string(size));
  }
  return out;
}

}  // namespace

std::string Compress(std::string_view data, int level) {
  std::unique_ptr<ZSTD_CCtx, CCtxDeleter> ctx(ZSTD_createCCtx());
  return CompressWith(ctx.get(), data, level);
}

Result<std::string> Decompress(std::string_view data, uint64_t max_bytes) {
  DCtxPtr ctx = NewDCtx();
  return DecompressWith(ctx.get(), data, max_bytes);
}

Codec::Codec() : ctx_(std::make_unique<Contexts>()) {}
Codec::~Codec() = default;

std::string Codec::Compress(std::string_view data, int level) {
  return CompressWith(ctx_->cctx.get(), data, level);
}

Result<std::string> Codec::Decompress(std::string_view data, uint64_t max_bytes) {
  return DecompressWith(ctx_->dctx.get(), data, max_bytes);
}

CodecPool::Lease::~Lease() {
  if (!codec_) return;  // moved from
  MutexLock lock(pool_->mutex_);
  if (pool_->idle_.size() < kMaxIdle) pool_->idle_.push_back(std::move(codec_));
}

CodecPool::Lease CodecPool::Acquire() {
  {
    MutexLock lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<Codec> codec = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(codec));
    }
  }
  return Lease(*this, std::make_unique<Codec>());
}

}  // namespace tessera::common::zstd
