#include "common/http/listen_address.h"

#include <boost/asio/ip/address.hpp>

namespace tessera::common::http {

Result<ListenAddress> ParseListenAddress(std::string_view listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == listen.size()) {
    return InvalidArgument("listen address must be HOST:PORT, got \"" + std::string(listen) + "\"");
  }
  ListenAddress out;
  out.host = std::string(listen.substr(0, colon));
  out.ip = out.host;
  if (out.ip.size() >= 2 && out.ip.front() == '[' && out.ip.back() == ']') {
    out.ip = out.ip.substr(1, out.ip.size() - 2);
  }
  if (out.ip == "localhost") out.ip = "127.0.0.1";
  unsigned port = 0;
  for (char c : listen.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) {
      return InvalidArgument("bad port in " + std::string(listen));
    }
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port > 65535) return InvalidArgument("bad port in " + std::string(listen));
  out.port = static_cast<uint16_t>(port);
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address(out.ip, ec);
  if (ec) {
    return InvalidArgument("bad listen host \"" + out.ip + "\" (an IP address or localhost)");
  }
  return out;
}

}  // namespace tessera::common::http
