// daemon/syncer/download_group.h
//
// DownloadGroup: the state of one group of downloads, written in one index transaction (see
// SyncEngine::Process): the blocks retrieved ahead for the group's files (verified by the
// client; bounded by one retrieve request, remote::kPipelinedBatchBytes), and the directories
// the group's files were renamed into, fsynced once each by SyncDirectories() before the
// group's rows commit (a row never names a rename a crash could undo). Made by the dispatcher
// for each group, filled by the Prefetcher, read and added to by the Reconstructor, then
// dropped. A value of one thread (the syncer's).
#pragma once

#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "common/block_id.h"
#include "common/env.h"
#include "common/status.h"

namespace tessera::daemon::syncer {

class DownloadGroup {
 public:
  void AddPrefetched(const common::BlockId& id, std::string data) {
    prefetched_.emplace(id, std::move(data));
  }
  // A block retrieved ahead for this group, or nullptr.
  const std::string* Prefetched(const common::BlockId& id) const {
    auto it = prefetched_.find(id);
    return it == prefetched_.end() ? nullptr : &it->second;
  }

  // `dir` (relative to the sync root; "" is the root) received a renamed file or a new
  // entry: fsynced by SyncDirectories().
  void SyncLater(std::string dir) { dirs_.insert(std::move(dir)); }
  // Fsyncs each directory once (env.SyncDirAt beneath `root`); the first failure (the rest are
  // not tried: the group fails).
  common::Status SyncDirectories(common::Env& env, const common::RootDir& root) {
    for (const auto& dir : std::exchange(dirs_, {})) {
      TESSERA_RETURN_IF_ERROR(env.SyncDirAt(common::PathAt(root, dir)));
    }
    return common::Status::Ok();
  }

 private:
  std::unordered_map<common::BlockId, std::string> prefetched_;
  std::set<std::string> dirs_;
};

}  // namespace tessera::daemon::syncer
