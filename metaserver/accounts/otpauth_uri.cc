#include "metaserver/accounts/otpauth_uri.h"

#include "common/base32.h"

namespace tessera::metaserver::accounts {

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' ||
        b == '.' || b == '_' || b == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
  }
  return out;
}

std::string OtpauthUri(std::string_view name, std::string_view secret, const TotpParams& params,
                       std::string_view issuer) {
  const std::string issuer_text = PercentEncode(issuer);
  return "otpauth://totp/" + issuer_text + ":" + PercentEncode(name) +
         "?secret=" + common::Base32Encode(secret, /*pad=*/false) + "&issuer=" + issuer_text +
         "&algorithm=SHA1&digits=" + std::to_string(params.digits) +
         "&period=" + std::to_string(params.period.count());
}

}  // namespace tessera::metaserver::accounts
