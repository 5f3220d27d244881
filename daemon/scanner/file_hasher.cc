#include "daemon/scanner/file_hasher.h"

#include "common/chunker/hashify.h"

namespace tessera::daemon::scanner {

bool SameStat(const common::FileStat& a, const common::FileStat& b) {
  return a.inode == b.inode && a.size == b.size && a.mtime_ns == b.mtime_ns && a.type == b.type &&
         a.mode == b.mode && a.ctime_ns == b.ctime_ns;
}

common::Result<HashedFile> HashLocalFile(common::Env& env, const common::PathAt& path,
                                         const common::FileStat& before) {
  const std::string shown = path.ToString();
  common::chunker::HashifyOptions options;
  options.file_sha256 = false;
  auto chunks = common::chunker::HashifyFile(env, shown, options);
  if (!chunks.ok()) return chunks.status();
  auto after = env.Lstat(path);
  if (!after.ok()) {
    if (after.status().code() == common::Code::kNotFound) {
      return common::NotFound("vanished while hashed: " + shown);
    }
    return after.status();
  }
  // Stat before and after: a write in between means the blocks may mix two versions.
  if (after->type != common::FileType::kFile || !SameStat(before, *after) ||
      chunks->size != after->size) {
    return common::Conflict("changed while hashed: " + shown);
  }
  HashedFile out;
  out.blocks = std::move(chunks->blocks);
  out.size = chunks->size;
  out.format = std::string(common::chunker::FileFormatName(chunks->format));
  return out;
}

}  // namespace tessera::daemon::scanner
