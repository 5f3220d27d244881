// daemon/syncer/commit_order.h
//
// Where a directory's delete goes among a pass's commits: only after the deletes of everything
// under it. Committed before them (in path order a directory sorts before its children), it
// reaches other desktops while they still hold its children, which keep it there, and they
// upload it again: `rm -rf` of a tree bigger than one commit batch would leave its
// directories behind on every desktop. Two rules, for the Uploader:
// - PutDeletesAfterChildren: in one pass's items, each delete with items under it moves right
//   after the last of them (so it commits in the same batch after them, or in a later one).
//   A file or symlink in place of a directory (`rm -rf d && ln -s other d`) is a delete of
//   the directory here, and goes the same way.
// - HoldBackDirectoryDeletes: just before a batch's first commit, a delete waits for a later
//   pass while the server still holds something under it, as this daemon last synced it
//   (a row with a live base), that is not deleted earlier in the same batch: children beyond
//   this pass's paths, held by the mass-delete guard, or refused by an earlier commit.
// Free functions over values and the index; not thread-safe beyond what the Index is.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "daemon/index/index.h"
#include "daemon/syncer/sync_types.h"

namespace tessera::daemon::syncer {

// Sorts `items` by path, then moves each delete (or non-directory) with items under it
// ("path/...") right after the last of them; several landing at one place go deepest first.
void PutDeletesAfterChildren(std::vector<UploadItem>& items);

// Removes from `batch` the deletes (and non-directories) that wait (see above), keeping the order
// of the rest; returns their paths. IOError from the index.
common::Result<std::vector<std::string>> HoldBackDirectoryDeletes(index::Index& index,
                                                                  std::vector<UploadItem>& batch);

}  // namespace tessera::daemon::syncer
