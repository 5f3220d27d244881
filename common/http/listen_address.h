// common/http/listen_address.h
//
// The one parser of a server's "HOST:PORT" listen address, used by HttpServer to bind and by
// the programs' --listen flag (common/cli/flags.h) to refuse a bad one before anything starts.
// HOST is an IPv4 address, a bracketed IPv6 address ("[::1]") or "localhost" (127.0.0.1);
// PORT is 0..65535, 0 asking for any free port. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace tessera::common::http {

struct ListenAddress {
  std::string host;  // as given: "0.0.0.0", "localhost", "[::1]"
  std::string ip;    // what to bind: "0.0.0.0", "127.0.0.1", "::1"
  uint16_t port = 0;
};

// InvalidArgument (naming the text) for anything else.
Result<ListenAddress> ParseListenAddress(std::string_view listen);

}  // namespace tessera::common::http
