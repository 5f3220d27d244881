// metaserver/ns/namespace_name.h
//
// Namespace names as they appear in URLs (/v1/ns/{ns}/...): 1 to 64 characters from
// [A-Za-z0-9._-], and not "." or "..". Pure function; thread-safe.
#pragma once

#include <string_view>

#include "common/status.h"

namespace tessera::metaserver::ns {

inline constexpr size_t kMaxNamespaceNameBytes = 64;

// InvalidArgument naming the problem when `name` is not a valid namespace name.
common::Status ValidateNamespaceName(std::string_view name);

}  // namespace tessera::metaserver::ns
