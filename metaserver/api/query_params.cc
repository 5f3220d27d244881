#include "metaserver/api/query_params.h"

#include <charconv>

namespace tessera::metaserver::api {

common::Result<uint64_t> QueryUint(const std::map<std::string, std::string>& query,
                                   std::string_view name, uint64_t fallback) {
  const auto it = query.find(std::string(name));
  if (it == query.end()) return fallback;
  const std::string& text = it->second;
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  // from_chars accepts no sign and no spaces; also refuse an empty value and trailing bytes.
  if (text.empty() || ec != std::errc() || ptr != end) {
    return common::InvalidArgument("query parameter \"" + std::string(name) +
                                   "\" must be a non-negative integer");
  }
  return value;
}

}  // namespace tessera::metaserver::api
