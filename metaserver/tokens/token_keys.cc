#include "metaserver/tokens/token_keys.h"

#include <boost/json.hpp>

#include "common/auth/base64url.h"
#include "common/random_hex.h"
#include "common/temp_file.h"
#include "common/temp_name.h"

namespace tessera::metaserver::tokens {

namespace json = boost::json;
using common::Status;

namespace {

constexpr std::string_view kSuffix = ".json";

common::Result<std::pair<common::auth::SigningKey, int64_t>> ParseKeyFile(const std::string& path,
                                                                          std::string_view text) {
  auto bad = [&](std::string why) {
    return common::Corruption("token key " + path + ": " + why +
                              " (restore it from a backup, or remove it to retire the key)");
  };
  boost::system::error_code ec;
  const json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
  const json::object* o = ec ? nullptr : v.if_object();
  if (o == nullptr) return bad("not a JSON object");
  const auto* kid = o->if_contains("kid");
  const auto* d = o->if_contains("d");
  const auto* created = o->if_contains("created");
  if (kid == nullptr || !kid->is_string() || d == nullptr || !d->is_string() ||
      created == nullptr || !created->is_int64()) {
    return bad("kid, d or created missing");
  }
  auto seed = common::auth::Base64UrlDecode(std::string_view(d->as_string()));
  if (!seed.ok()) return bad("d is not base64url");
  auto key = common::auth::SigningKey::FromRaw(std::string(kid->as_string()), *seed);
  if (!key.ok()) return bad(key.status().message());
  return std::make_pair(std::move(key).value(), created->as_int64());
}

}  // namespace

common::Result<TokenKeys> TokenKeys::Open(common::Env& env, const std::string& data_dir,
                                          int64_t now) {
  TokenKeys keys(env, data_dir + "/" + std::string(kKeysDir));
  TESSERA_RETURN_IF_ERROR(env.CreateDirs(keys.dir_));
  TESSERA_RETURN_IF_ERROR(env.Chmod(keys.dir_, 0700));
  TESSERA_ASSIGN_OR_RETURN(const auto names, env.ListDir(keys.dir_));
  for (const auto& name : names) {
    if (common::IsTempName(name) || !name.ends_with(kSuffix)) continue;
    const std::string path = keys.dir_ + "/" + name;
    TESSERA_ASSIGN_OR_RETURN(const std::string text, env.ReadFileToString(path));
    TESSERA_ASSIGN_OR_RETURN(auto parsed, ParseKeyFile(path, text));
    if (name != parsed.first.kid() + std::string(kSuffix)) {
      return common::Corruption("token key " + path + ": its kid is " + parsed.first.kid());
    }
    keys.keys_.push_back({std::move(parsed.first), parsed.second});
  }
  if (keys.keys_.empty()) {
    TESSERA_RETURN_IF_ERROR(keys.Rotate(now));
  } else {
    keys.Index();
  }
  return keys;
}

Status TokenKeys::Rotate(int64_t now) {
  TESSERA_ASSIGN_OR_RETURN(auto key,
                           common::auth::SigningKey::Generate("k" + common::RandomHex(8)));
  return Add(std::move(key), now);
}

Status TokenKeys::Add(common::auth::SigningKey key, int64_t created) {
  Entry e{std::move(key), created};
  TESSERA_RETURN_IF_ERROR(Write(e));
  keys_.push_back(std::move(e));
  Index();
  return Status::Ok();
}

Status TokenKeys::Write(const Entry& e) {
  const json::object o{{"kid", json::string_view(e.key.kid())},
                       {"created", e.created},
                       {"d", common::auth::Base64UrlEncode(e.key.PrivateRaw())}};
  const std::string path = dir_ + "/" + e.key.kid() + std::string(kSuffix);
  TESSERA_ASSIGN_OR_RETURN(common::TempFile tmp, common::TempFile::Create(*env_, path, 0600));
  TESSERA_RETURN_IF_ERROR(tmp.file().Append(json::serialize(o) + "\n"));
  return tmp.Publish();
}

Status TokenKeys::Retire(std::string_view kid) {
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i].key.kid() != kid) continue;
    if (i == signer_)
      return common::InvalidArgument("key " + std::string(kid) + " signs tokens now: rotate first");
    TESSERA_RETURN_IF_ERROR(env_->RemoveFile(dir_ + "/" + std::string(kid) + std::string(kSuffix)));
    TESSERA_RETURN_IF_ERROR(env_->SyncDir(dir_));
    keys_.erase(keys_.begin() + static_cast<std::ptrdiff_t>(i));
    Index();
    return Status::Ok();
  }
  return common::NotFound("no token key " + std::string(kid));
}

void TokenKeys::Index() {
  signer_ = 0;
  verify_.clear();
  for (size_t i = 0; i < keys_.size(); ++i) {
    const Entry& e = keys_[i];
    const Entry& best = keys_[signer_];
    if (e.created > best.created || (e.created == best.created && e.key.kid() > best.key.kid())) {
      signer_ = i;
    }
    if (auto pub = e.key.Public(); pub.ok()) verify_.push_back(std::move(pub).value());
  }
}

}  // namespace tessera::metaserver::tokens
