#include "common/wire/json_fields.h"

namespace tessera::common::wire::internal {

namespace json = boost::json;

namespace {
Status Bad(std::string_view key, std::string_view why) {
  return InvalidArgument("field \"" + std::string(key) + "\": " + std::string(why));
}
}  // namespace

Result<json::object> ParseObject(std::string_view text) {
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 32;
  json::value v =
      json::parse(json::string_view(text.data(), text.size()), ec, json::storage_ptr(), options);
  if (ec) return InvalidArgument("malformed JSON: " + ec.message());
  json::object* o = v.if_object();
  if (o == nullptr) return InvalidArgument("JSON body is not an object");
  return std::move(*o);
}

Result<const json::value*> Field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(json::string_view(key.data(), key.size()));
  if (v == nullptr) return Bad(key, "missing");
  return v;
}

Result<uint64_t> GetUint(const json::object& o, std::string_view key) {
  TESSERA_ASSIGN_OR_RETURN(const json::value* v, Field(o, key));
  if (const auto* u = v->if_uint64()) return *u;
  if (const auto* i = v->if_int64(); i != nullptr && *i >= 0) return static_cast<uint64_t>(*i);
  return Bad(key, "not a non-negative integer");
}

Result<int64_t> GetInt(const json::object& o, std::string_view key) {
  TESSERA_ASSIGN_OR_RETURN(const json::value* v, Field(o, key));
  if (const auto* i = v->if_int64()) return *i;
  return Bad(key, "not a 64-bit signed integer");
}

Result<bool> GetBool(const json::object& o, std::string_view key) {
  TESSERA_ASSIGN_OR_RETURN(const json::value* v, Field(o, key));
  if (const auto* b = v->if_bool()) return *b;
  return Bad(key, "not a boolean");
}

Result<std::string> GetString(const json::object& o, std::string_view key, size_t max_bytes) {
  TESSERA_ASSIGN_OR_RETURN(const json::value* v, Field(o, key));
  const json::string* s = v->if_string();
  if (s == nullptr) return Bad(key, "not a string");
  if (s->size() > max_bytes) return Bad(key, "longer than " + std::to_string(max_bytes));
  return std::string(s->data(), s->size());
}

Result<const json::array*> GetArray(const json::object& o, std::string_view key, size_t max_items) {
  TESSERA_ASSIGN_OR_RETURN(const json::value* v, Field(o, key));
  const json::array* a = v->if_array();
  if (a == nullptr) return Bad(key, "not an array");
  if (a->size() > max_items) {
    return ResourceExhausted("field \"" + std::string(key) + "\": more than " +
                             std::to_string(max_items) + " items");
  }
  return a;
}

Result<const json::object*> AsObject(const json::value& v, std::string_view what) {
  const json::object* o = v.if_object();
  if (o == nullptr) return Bad(what, "not an object");
  return o;
}

Result<uint64_t> GetUintOr(const json::object& o, std::string_view key, uint64_t dflt) {
  if (!o.contains(json::string_view(key.data(), key.size()))) return dflt;
  return GetUint(o, key);
}

Result<std::string> GetStringOr(const json::object& o, std::string_view key, size_t max_bytes,
                                std::string dflt) {
  if (!o.contains(json::string_view(key.data(), key.size()))) return dflt;
  return GetString(o, key, max_bytes);
}

Result<BlockId> IdFromJson(const json::value& v, std::string_view what) {
  const json::string* s = v.if_string();
  if (s == nullptr) return Bad(what, "block id is not a string");
  if (s->size() != 2 * BlockId::kSize) return Bad(what, "block id is not 64 hex digits");
  for (char c : *s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return Bad(what, "block id is not lowercase hex");
    }
  }
  return BlockId::FromHex(std::string_view(s->data(), s->size()));
}

std::string Serialize(const json::value& v) { return json::serialize(v); }

}  // namespace tessera::common::wire::internal
