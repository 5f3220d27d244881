#include "tests/testutil/folding_env.h"

#include <algorithm>

#include "common/ascii.h"

namespace tessera::testutil {

common::PathAt FoldingEnv::Folded(const common::PathAt& path) {
  if (path.root == nullptr || path.path.empty()) return path;
  std::string out;
  size_t start = 0;
  for (;;) {
    const size_t slash = path.path.find('/', start);
    std::string name = path.path.substr(start, slash == std::string::npos ? slash : slash - start);
    auto entries = target().ListDirEntries(common::PathAt(*path.root, out));
    if (entries.ok()) {
      const bool exact = std::any_of(entries->begin(), entries->end(),
                                     [&](const common::DirEntry& e) { return e.name == name; });
      if (!exact) {
        for (const auto& e : *entries) {
          if (common::EqualsIgnoreAsciiCase(e.name, name)) {
            name = e.name;
            break;
          }
        }
      }
    }
    out += out.empty() ? name : "/" + name;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return common::PathAt(*path.root, out);
}

common::Result<common::FileStat> FoldingEnv::Lstat(const common::PathAt& path) {
  return target().Lstat(Folded(path));
}
common::Result<std::vector<common::DirEntry>> FoldingEnv::ListDirEntries(
    const common::PathAt& dir) {
  return target().ListDirEntries(Folded(dir));
}
common::Result<std::string> FoldingEnv::ReadLink(const common::PathAt& path) {
  return target().ReadLink(Folded(path));
}
common::Result<std::unique_ptr<common::RandomAccessFile>> FoldingEnv::OpenRegularFile(
    const common::PathAt& path) {
  return target().OpenRegularFile(Folded(path));
}
common::Result<std::unique_ptr<common::WritableFile>> FoldingEnv::CreateExclusive(
    const common::PathAt& path, uint32_t mode) {
  return target().CreateExclusive(Folded(path), mode);
}
common::Status FoldingEnv::Mkdir(const common::PathAt& dir, uint32_t mode) {
  return target().Mkdir(Folded(dir), mode);
}
common::Status FoldingEnv::Rmdir(const common::PathAt& dir) { return target().Rmdir(Folded(dir)); }
common::Status FoldingEnv::RemoveFileAt(const common::PathAt& path) {
  return target().RemoveFileAt(Folded(path));
}
common::Status FoldingEnv::Symlink(const std::string& link_target, const common::PathAt& link) {
  return target().Symlink(link_target, Folded(link));
}
common::Status FoldingEnv::Chmod(const common::PathAt& path, uint32_t mode) {
  return target().Chmod(Folded(path), mode);
}
common::Status FoldingEnv::SetMtime(const common::PathAt& path, int64_t mtime_ns) {
  return target().SetMtime(Folded(path), mtime_ns);
}
common::Status FoldingEnv::RenameAt(const common::PathAt& from, const common::PathAt& to,
                                    common::RenameMode mode) {
  return target().RenameAt(Folded(from), Folded(to), mode);
}
common::Status FoldingEnv::SyncDirAt(const common::PathAt& dir) {
  return target().SyncDirAt(Folded(dir));
}

}  // namespace tessera::testutil
