// common/block_id.h
//
// BlockId: the SHA-256 of a block's uncompressed bytes (OpenSSL EVP), 32 raw bytes, printed as
// 64 lowercase hex digits. A value type; thread-compatible. Sha256Hasher hashes incrementally
// (not thread-safe; one per thread).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace tessera::common {

class BlockId {
 public:
  static constexpr size_t kSize = 32;
  BlockId() { bytes_.fill(0); }

  // The id of `data`.
  static BlockId Of(std::string_view data);
  // From 32 raw bytes; InvalidArgument if the size is wrong.
  static Result<BlockId> FromBytes(std::string_view raw);
  // From 64 hex digits (either case); InvalidArgument otherwise.
  static Result<BlockId> FromHex(std::string_view hex);

  std::string ToHex() const;
  std::string_view bytes() const {
    return std::string_view(reinterpret_cast<const char*>(bytes_.data()), kSize);
  }
  const uint8_t* data() const { return bytes_.data(); }

  auto operator<=>(const BlockId&) const = default;
  bool operator==(const BlockId&) const = default;

 private:
  std::array<uint8_t, kSize> bytes_;
};

// Incremental SHA-256 for streaming whole files.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  void Update(std::string_view data);
  // Returns the digest and resets the hasher for reuse.
  BlockId Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Lowercase hex of arbitrary bytes.
std::string ToHex(std::string_view bytes);

}  // namespace tessera::common

template <>
struct std::hash<tessera::common::BlockId> {
  size_t operator()(const tessera::common::BlockId& id) const noexcept {
    size_t h;
    std::memcpy(&h, id.data(), sizeof h);  // already uniformly distributed
    return h;
  }
};
