#include "metaserver/accounts/otpauth_uri.h"

#include "common/base32.h"
#include "common/http/client.h"

namespace tessera::metaserver::accounts {

std::string OtpauthUri(std::string_view name, std::string_view secret, const TotpParams& params,
                       std::string_view issuer) {
  const std::string issuer_text = common::http::UrlEncode(issuer);
  return "otpauth://totp/" + issuer_text + ":" + common::http::UrlEncode(name) +
         "?secret=" + common::Base32Encode(secret, /*pad=*/false) + "&issuer=" + issuer_text +
         "&algorithm=SHA1&digits=" + std::to_string(params.digits) +
         "&period=" + std::to_string(params.period.count());
}

}  // namespace tessera::metaserver::accounts
