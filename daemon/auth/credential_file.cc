#include "daemon/auth/credential_file.h"

#include <boost/json.hpp>

#include "common/temp_file.h"

namespace tessera::daemon::auth {

namespace json = boost::json;

namespace {

std::string PathIn(const std::string& state_dir) {
  return state_dir + "/" + std::string(kCredentialFile);
}

constexpr size_t kMaxFieldBytes = 4096;

}  // namespace

std::string Describe(const DeviceCredential& c) {
  return "user " + c.user + ", device " + c.device_id + " at " + c.metaserver;
}

common::Status SaveCredential(common::Env& env, const std::string& state_dir,
                              const DeviceCredential& c) {
  for (const std::string* f : {&c.metaserver, &c.user, &c.device_id, &c.secret}) {
    if (f->empty() || f->size() > kMaxFieldBytes) {
      return common::InvalidArgument("a device credential needs every field (1-4096 bytes)");
    }
  }
  const json::object o{{"metaserver", json::string_view(c.metaserver)},
                       {"user", json::string_view(c.user)},
                       {"device_id", json::string_view(c.device_id)},
                       {"secret", json::string_view(c.secret)}};
  TESSERA_ASSIGN_OR_RETURN(common::TempFile tmp,
                           common::TempFile::Create(env, PathIn(state_dir), 0600));
  TESSERA_RETURN_IF_ERROR(tmp.file().Append(json::serialize(o) + "\n"));
  return tmp.Publish();
}

common::Result<std::optional<DeviceCredential>> LoadCredential(common::Env& env,
                                                               const std::string& state_dir) {
  const std::string path = PathIn(state_dir);
  auto st = env.Lstat(path);
  if (!st.ok()) {
    if (st.status().code() == common::Code::kNotFound) return std::optional<DeviceCredential>();
    return st.status();
  }
  if (st->type != common::FileType::kFile) {
    return common::Corruption(path + " is not a regular file");
  }
  if ((st->mode & 077) != 0) {
    return common::PermissionDenied(path + " can be read by others: chmod 600 it, or log in again");
  }
  TESSERA_ASSIGN_OR_RETURN(const std::string text, env.ReadFileToString(path));
  boost::system::error_code ec;
  const json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
  const json::object* o = ec ? nullptr : v.if_object();
  DeviceCredential c;
  auto get = [&](std::string_view key, std::string& out) {
    const auto* f =
        o != nullptr ? o->if_contains(json::string_view(key.data(), key.size())) : nullptr;
    if (f == nullptr || !f->is_string() || f->as_string().empty() ||
        f->as_string().size() > kMaxFieldBytes) {
      return false;
    }
    out = std::string(f->as_string());
    return true;
  };
  if (!get("metaserver", c.metaserver) || !get("user", c.user) || !get("device_id", c.device_id) ||
      !get("secret", c.secret)) {
    return common::Corruption(path + " is not a device credential: log in again");
  }
  return std::optional<DeviceCredential>(std::move(c));
}

common::Status RemoveCredential(common::Env& env, const std::string& state_dir) {
  const common::Status s = env.RemoveFile(PathIn(state_dir));
  if (!s.ok() && s.code() != common::Code::kNotFound) return s;
  return env.SyncDir(state_dir);
}

}  // namespace tessera::daemon::auth
