// metaserver/accounts/otpauth_uri.h
//
// The otpauth:// URI an authenticator app scans to learn a TOTP secret (the "Key Uri Format"
// Google Authenticator defined, which the other apps read too):
//   otpauth://totp/ISSUER:NAME?secret=BASE32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
// with ISSUER and NAME percent-encoded and the secret in base32 without padding. Pure;
// thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "metaserver/accounts/otp.h"

namespace tessera::metaserver::accounts {

inline constexpr std::string_view kOtpIssuer = "Tessera";

// The URI for user `name` with raw key `secret` (SHA-1, params.digits, params.period).
std::string OtpauthUri(std::string_view name, std::string_view secret,
                       const TotpParams& params = {}, std::string_view issuer = kOtpIssuer);

}  // namespace tessera::metaserver::accounts
