#include "daemon/syncer/old_version.h"

#include <algorithm>

namespace tessera::daemon::syncer {

OldVersion OldVersion::Open(common::Env& env, const common::PathAt& path,
                            const std::vector<common::wire::BlockRef>& blocks) {
  OldVersion v;
  if (blocks.empty()) return v;
  auto file = env.OpenRegularFile(path);
  if (!file.ok()) return v;
  v.file_ = std::move(*file);
  uint64_t offset = 0;
  for (const auto& b : blocks) {
    v.where_.try_emplace(b.id, offset, b.size);  // the first place of a repeated block
    offset += b.size;
  }
  return v;
}

std::optional<std::string> OldVersion::Read(const common::BlockId& id) const {
  auto it = where_.find(id);
  if (it == where_.end() || file_ == nullptr) return std::nullopt;
  const auto [offset, size] = it->second;
  std::string data(size, '\0');
  size_t done = 0;
  while (done < size) {
    auto got = file_->Read(offset + done, size - done, data.data() + done);
    if (!got.ok() || got->empty()) return std::nullopt;
    if (got->data() != data.data() + done) std::copy(got->begin(), got->end(), data.data() + done);
    done += got->size();
  }
  if (common::BlockId::Of(data) != id) return std::nullopt;
  return data;
}

}  // namespace tessera::daemon::syncer
