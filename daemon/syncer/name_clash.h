// daemon/syncer/name_clash.h
//
// CheckNameClash: whether a journal path would land on another name's entry here. A folder on
// a file system that folds case or Unicode forms (an ext4 or tmpfs directory with the casefold
// attribute, FAT, exFAT, NTFS, an SMB share) resolves "README.txt" to an existing "Readme.txt":
// writing the one would replace the other, and a directory would merge into its namesake (and
// the next scan would then see one name where the journal has two). A path is clear when each
// component that exists is there under its exact bytes: the index's local row for it has the
// inode found (it was listed or written under that name), or its directory's listing holds the
// name. Only components that exist are looked at, and a listing only when the index does not
// vouch for one, so a download into known directories costs a few lstats and index reads.
// Free function; the syncer thread's (it reads the index).
#pragma once

#include <string>

#include "common/env.h"
#include "common/status.h"
#include "daemon/index/index.h"

namespace tessera::daemon::syncer {

// OK when `rel` (a valid relative path beneath `root`) is clear, or when nothing of it exists
// yet; InvalidArgument naming the component and the name it resolves to when a component
// exists only under another spelling; the file system's error otherwise.
common::Status CheckNameClash(common::Env& env, const common::RootDir& root, index::Index& index,
                              const std::string& rel);

}  // namespace tessera::daemon::syncer
