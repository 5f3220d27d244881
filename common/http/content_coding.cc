#include "common/http/content_coding.h"

#include "common/ascii.h"
#include "common/zstd.h"

namespace tessera::common::http {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// True when the parameters of one Accept-Encoding item ("q=0.5") give it a zero weight.
bool HasZeroWeight(std::string_view params) {
  while (!params.empty()) {
    const size_t semi = params.find(';');
    const std::string_view param = Trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (param.size() < 2 || (param[0] != 'q' && param[0] != 'Q') || param[1] != '=') continue;
    // q = 0, 0., 0.0, 0.00 or 0.000: only zeros after the leading "0".
    const std::string_view value = Trim(param.substr(2));
    if (value.empty() || value[0] != '0') return false;
    for (char c : value.substr(1)) {
      if (c != '.' && c != '0') return false;
    }
    return true;
  }
  return false;
}

}  // namespace

bool AcceptsZstd(std::string_view accept_encoding) {
  while (!accept_encoding.empty()) {
    const size_t comma = accept_encoding.find(',');
    const std::string_view item = accept_encoding.substr(0, comma);
    accept_encoding =
        comma == std::string_view::npos ? std::string_view() : accept_encoding.substr(comma + 1);
    const size_t semi = item.find(';');
    const std::string_view coding = Trim(item.substr(0, semi));
    if (!EqualsIgnoreAsciiCase(coding, kZstdCoding)) continue;
    return semi == std::string_view::npos || !HasZeroWeight(item.substr(semi + 1));
  }
  return false;
}

std::optional<std::string> MaybeCompress(std::string_view body, int level, zstd::Codec* codec) {
  if (body.size() < kMinCompressBytes) return std::nullopt;
  std::string packed = codec ? codec->Compress(body, level) : zstd::Compress(body, level);
  if (packed.size() >= body.size()) return std::nullopt;
  return packed;
}

Result<std::string> DecodeBody(std::string_view content_encoding, std::string body,
                               uint64_t max_bytes, zstd::Codec* codec) {
  const std::string_view coding = Trim(content_encoding);
  if (coding.empty() || EqualsIgnoreAsciiCase(coding, "identity")) return body;
  if (!EqualsIgnoreAsciiCase(coding, kZstdCoding)) {
    return InvalidArgument("unsupported Content-Encoding \"" + std::string(coding) +
                           "\" (only zstd is accepted)");
  }
  auto inflated = codec ? codec->Decompress(body, max_bytes) : zstd::Decompress(body, max_bytes);
  if (!inflated.ok()) {
    const Status& s = inflated.status();
    if (s.code() == Code::kResourceExhausted) {
      return ResourceExhausted("zstd body: " + s.message());  // the message names the limit
    }
    return Corruption("zstd body: " + s.message());
  }
  return inflated;
}

}  // namespace tessera::common::http
