// tests/daemon/reconcile/rows.h
//
// Index rows and pending entries for the decision-layer tests, built in one line each.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/block_id.h"
#include "daemon/index/index.h"

namespace tessera::daemon::testing {

inline FileVersion FileOf(std::string_view content) {
  FileVersion v;
  v.kind = common::wire::FileKind::kFile;
  v.size = content.size();
  if (!content.empty()) {
    v.blocks.push_back(common::wire::BlockRef{common::BlockId::Of(content),
                                              static_cast<uint32_t>(content.size())});
  }
  return v;
}

inline FileVersion DirVersion() {
  FileVersion v;
  v.kind = common::wire::FileKind::kDir;
  return v;
}

// A row: `base` at `base_jid` (0 and nullopt: never synced; a jid and nullopt: a tombstone),
// `local` on disk (nullopt: absent), in `state`.
inline index::FileRow Row(std::string path, uint64_t base_jid, std::optional<FileVersion> base,
                          std::optional<FileVersion> local,
                          index::SyncState state = index::SyncState::kSynced) {
  index::FileRow row;
  row.path = std::move(path);
  row.base_jid = base_jid;
  row.base = std::move(base);
  row.local = std::move(local);
  row.state = state;
  if (row.local) row.stat.inode = 42;
  return row;
}

inline index::PendingEntry Pending(std::string path, uint64_t jid,
                                   std::optional<FileVersion> version) {
  index::PendingEntry p;
  p.path = std::move(path);
  p.jid = jid;
  p.version = std::move(version);
  return p;
}

}  // namespace tessera::daemon::testing
