#include "daemon/syncer/old_version.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tessera::daemon::syncer {

OldVersion OldVersion::Open(const std::string& abs,
                            const std::vector<common::wire::BlockRef>& blocks) {
  OldVersion v;
  if (blocks.empty()) return v;
  common::UniqueFd fd(::open(abs.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return v;
  v.fd_ = std::move(fd);
  uint64_t offset = 0;
  for (const auto& b : blocks) {
    v.where_.try_emplace(b.id, offset, b.size);  // the first place of a repeated block
    offset += b.size;
  }
  return v;
}

std::optional<std::string> OldVersion::Read(const common::BlockId& id) const {
  auto it = where_.find(id);
  if (it == where_.end()) return std::nullopt;
  const auto [offset, size] = it->second;
  std::string data(size, '\0');
  size_t done = 0;
  while (done < size) {
    const ssize_t n =
        ::pread(fd_.get(), data.data() + done, size - done, static_cast<off_t>(offset + done));
    if (n <= 0) return std::nullopt;
    done += static_cast<size_t>(n);
  }
  if (common::BlockId::Of(data) != id) return std::nullopt;
  return data;
}

}  // namespace tessera::daemon::syncer
