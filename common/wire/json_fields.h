// common/wire/json_fields.h
//
// Internal to common's message formats (common/wire, common/auth): parsing a JSON body and reading
// typed fields out of Boost.JSON objects, every failure an InvalidArgument naming the field. No
// exceptions escape (values are read with the non-throwing accessors). Pure functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/block_id.h"
#include "common/result.h"

namespace tessera::common::wire::internal {

// Bounds on free-text fields shared by the journal and move messages.
inline constexpr size_t kMaxDeviceBytes = 256;
inline constexpr size_t kMaxErrorBytes = 4096;

// A std::string_view as a Boost.JSON string view (no copy).
inline boost::json::string_view Sv(std::string_view s) {
  return boost::json::string_view(s.data(), s.size());
}

// The memory one ParseObject may allocate (its parser's stack and the values it builds):
// kParseBytesPerByte per byte of text plus kParseSlackBytes. Legitimate messages (strings of
// ids and paths, objects of a few fields) need under 3 bytes per byte; a hostile array of tiny
// values ("[0,0,...]") would need 24, and is refused once it reaches the bound.
inline constexpr uint64_t kParseBytesPerByte = 6;
inline constexpr uint64_t kParseSlackBytes = 1ull << 20;

// Parses `json`, which must be one JSON object. InvalidArgument on syntax errors, nesting
// deeper than 32, or a non-object; ResourceExhausted when parsing it would allocate more than
// the bound above. The object's memory comes from a resource it shares ownership of, so it
// stays valid as long as the object (or a value moved out of it) lives.
Result<boost::json::object> ParseObject(std::string_view json);

// The field, or InvalidArgument("missing field <key>") / wrong type.
Result<const boost::json::value*> Field(const boost::json::object& o, std::string_view key);
Result<uint64_t> GetUint(const boost::json::object& o, std::string_view key);
Result<int64_t> GetInt(const boost::json::object& o, std::string_view key);
Result<bool> GetBool(const boost::json::object& o, std::string_view key);
// A string of at most `max_bytes` bytes.
Result<std::string> GetString(const boost::json::object& o, std::string_view key, size_t max_bytes);
Result<const boost::json::array*> GetArray(const boost::json::object& o, std::string_view key,
                                           size_t max_items);
Result<const boost::json::object*> AsObject(const boost::json::value& v, std::string_view what);

// Optional fields: the default when absent, the value when present and well-typed.
Result<uint64_t> GetUintOr(const boost::json::object& o, std::string_view key, uint64_t dflt);
Result<std::string> GetStringOr(const boost::json::object& o, std::string_view key,
                                size_t max_bytes, std::string dflt);

// A block id as exactly 64 lowercase hex digits.
Result<BlockId> IdFromJson(const boost::json::value& v, std::string_view what);

// Serialises with Boost.JSON (cannot fail for values we build).
std::string Serialize(const boost::json::value& v);

}  // namespace tessera::common::wire::internal
