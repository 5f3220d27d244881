#include "common/wire/json_fields.h"

#include <atomic>
#include <new>

namespace tessera::common::wire::internal {

namespace json = boost::json;

namespace {

Status Bad(std::string_view key, std::string_view why) {
  return InvalidArgument("field \"" + std::string(key) + "\": " + std::string(why));
}

// Heap memory with a hard limit on the bytes allocated at once: past it, allocation throws
// std::bad_alloc (caught by ParseObject). Used by one parse on one thread, then by the values it
// built, which are freed on whichever thread drops them, hence the atomic.
class LimitedResource final : public json::memory_resource {
 public:
  explicit LimitedResource(uint64_t limit) : limit_(limit) {}

 private:
  void* do_allocate(std::size_t bytes, std::size_t align) override {
    if (used_.fetch_add(bytes) + bytes > limit_) {
      used_.fetch_sub(bytes);
      throw std::bad_alloc();
    }
    // Plain new for ordinary alignments, aligned new past them, and the matching delete below
    // (a sanitizer checks that they pair).
    if (align <= __STDCPP_DEFAULT_NEW_ALIGNMENT__) return ::operator new(bytes);
    return ::operator new(bytes, std::align_val_t(align));
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t align) override {
    used_.fetch_sub(bytes);
    // Unsized: clang 14 builds without sized deallocation.
    if (align <= __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
      ::operator delete(p);
    } else {
      ::operator delete(p, std::align_val_t(align));
    }
  }
  bool do_is_equal(const json::memory_resource& other) const noexcept override {
    return this == &other;
  }

  const uint64_t limit_;
  std::atomic<uint64_t> used_{0};
};

}  // namespace

Result<json::object> ParseObject(std::string_view text) {
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 32;
  const uint64_t limit = kParseSlackBytes + kParseBytesPerByte * text.size();
  json::value v;
  try {
    // The parser's own stack comes from the same bounded resource as the result: for a long
    // array of tiny values the stack is what grows.
    json::storage_ptr sp = json::make_shared_resource<LimitedResource>(limit);
    json::parser parser(sp, options);
    parser.reset(sp);
    parser.write(json::string_view(text.data(), text.size()), ec);
    if (!ec) v = parser.release();
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("JSON body of " + std::to_string(text.size()) + " bytes needs over " +
                             std::to_string(limit) + " bytes to parse");
  }
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
