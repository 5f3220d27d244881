#include "daemon/scanner/file_hasher.h"

#include <cerrno>
#include <cstring>

#include "common/chunker/hashify.h"

namespace tessera::daemon::scanner {

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

bool SameStat(const struct stat& a, const struct stat& b) {
  return a.st_ino == b.st_ino && a.st_size == b.st_size && MtimeNs(a) == MtimeNs(b) &&
         a.st_mode == b.st_mode && a.st_ctim.tv_sec == b.st_ctim.tv_sec &&
         a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

common::Result<HashedFile> HashLocalFile(common::Env& env, const std::string& abs_path,
                                         const struct stat& before) {
  common::chunker::HashifyOptions options;
  options.file_sha256 = false;
  auto chunks = common::chunker::HashifyFile(env, abs_path, options);
  if (!chunks.ok()) return chunks.status();
  struct stat after {};
  if (::lstat(abs_path.c_str(), &after) != 0) {
    if (errno == ENOENT) return common::NotFound("vanished while hashed: " + abs_path);
    return common::ErrnoStatus("lstat " + abs_path, errno);
  }
  // Stat before and after: a write in between means the blocks may mix two versions.
  if (!S_ISREG(after.st_mode) || !SameStat(before, after) ||
      chunks->size != static_cast<uint64_t>(after.st_size)) {
    return common::Conflict("changed while hashed: " + abs_path);
  }
  HashedFile out;
  out.blocks = std::move(chunks->blocks);
  out.size = chunks->size;
  out.format = std::string(common::chunker::FileFormatName(chunks->format));
  return out;
}

}  // namespace tessera::daemon::scanner
