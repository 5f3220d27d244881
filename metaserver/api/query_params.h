// metaserver/api/query_params.h
//
// Reading typed values out of a request's decoded query parameters, refusing anything that is
// not exactly what is expected. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/result.h"

namespace tessera::metaserver::api {

// The decimal value of query parameter `name` (digits only, no sign, fits in uint64), or
// `fallback` when the parameter is absent. InvalidArgument naming the parameter otherwise.
common::Result<uint64_t> QueryUint(const std::map<std::string, std::string>& query,
                                   std::string_view name, uint64_t fallback);

}  // namespace tessera::metaserver::api
