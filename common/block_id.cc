#include "common/block_id.h"

#include <openssl/evp.h>

#include "common/check.h"

namespace tessera::common {

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<uint8_t>(bytes[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 0xf];
  }
  return out;
}

BlockId BlockId::Of(std::string_view data) {
  BlockId id;
  unsigned int len = 0;
  TESSERA_CHECK(
      EVP_Digest(data.data(), data.size(), id.bytes_.data(), &len, EVP_sha256(), nullptr) == 1);
  TESSERA_CHECK(len == kSize);
  return id;
}

Result<BlockId> BlockId::FromBytes(std::string_view raw) {
  if (raw.size() != kSize) return InvalidArgument("block id must be 32 bytes");
  BlockId id;
  std::memcpy(id.bytes_.data(), raw.data(), kSize);
  return id;
}

Result<BlockId> BlockId::FromHex(std::string_view hex) {
  if (hex.size() != 2 * kSize) return InvalidArgument("block id must be 64 hex digits");
  BlockId id;
  for (size_t i = 0; i < kSize; ++i) {
    const int hi = HexValue(hex[2 * i]);
    const int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return InvalidArgument("block id has a non-hex digit");
    id.bytes_[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return id;
}

std::string BlockId::ToHex() const { return common::ToHex(bytes()); }

struct Sha256Hasher::Impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256Hasher::Sha256Hasher() : impl_(std::make_unique<Impl>()) {
  TESSERA_CHECK(impl_->ctx != nullptr);
  TESSERA_CHECK(EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) == 1);
}
Sha256Hasher::~Sha256Hasher() = default;

void Sha256Hasher::Update(std::string_view data) {
  TESSERA_CHECK(EVP_DigestUpdate(impl_->ctx, data.data(), data.size()) == 1);
}

BlockId Sha256Hasher::Finish() {
  uint8_t digest[BlockId::kSize];
  unsigned int len = 0;
  TESSERA_CHECK(EVP_DigestFinal_ex(impl_->ctx, digest, &len) == 1);
  TESSERA_CHECK(EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) == 1);
  return *BlockId::FromBytes(std::string_view(reinterpret_cast<const char*>(digest), len));
}

}  // namespace tessera::common
