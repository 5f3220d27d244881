#include <random>

#include "common/env.h"

namespace tessera::common {

namespace {
std::string DirName(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}
}  // namespace

Status WriteFileAtomically(Env& env, const std::string& path, std::string_view data) {
  std::random_device rd;
  const std::string tmp = path + ".tmp-" + std::to_string(rd());
  auto file = env.NewWritableFile(tmp);
  if (!file.ok()) return file.status();
  Status s = (*file)->Append(data);
  if (s.ok()) s = (*file)->Sync();
  if (s.ok()) s = (*file)->Close();
  if (s.ok()) s = env.RenameFile(tmp, path);
  if (!s.ok()) {
    (void)env.RemoveFile(tmp);  // best effort; the target was never touched
    return s;
  }
  return env.SyncDir(DirName(path));
}

}  // namespace tessera::common
