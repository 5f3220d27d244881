// daemon/reconcile/reconcile.h
//
// The sync decision for one path, as a pure function: given the last-synced (base), local and
// remote versions of a path, what must happen. No I/O, no clock, no state: the syncer acts on
// the answer and records each step in the index. Thread-safe (pure).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "daemon/reconcile/file_version.h"

namespace tessera::daemon {

enum class SyncAction {
  kNothing,       // all three agree, or only mtimes differ
  kRecordSynced,  // local and remote agree but base is stale: record remote as the new base
  kUpload,        // local changed (created/edited), remote did not: commit local
  kDeleteRemote,  // local deleted, remote unchanged: commit a tombstone
  kDownload,      // remote changed (created/edited), local did not: write remote locally
  kDeleteLocal,   // remote deleted, local unchanged: move the local copy to the trash
  kConflict,      // both changed differently: keep remote at the path, move local to a
                  // conflicted copy, upload that copy as a new file
};

std::string_view SyncActionName(SyncAction action);

// The rules (docs/sync.md states them for users):
// - A side "changed" when it differs from base (SameContent, and existence).
// - Only one side changed: that side wins (upload, download, or the matching delete).
// - Both changed to the same content (or both deleted): kRecordSynced.
// - Delete vs edit: the edit wins (kUpload if local edited, kDownload if remote edited).
// - Both directories: never a conflict (kRecordSynced when base is stale).
// - Otherwise kConflict: nothing is ever dropped.
SyncAction Reconcile(const std::optional<FileVersion>& base,
                     const std::optional<FileVersion>& local,
                     const std::optional<FileVersion>& remote);

// "NAME (conflicted copy from HOST YYYY-MM-DD).EXT" for `path` ("dir/NAME.EXT"); the extension
// is the part after the last '.' of the last segment unless that '.' is the first character.
// `date` is "YYYY-MM-DD". If the result exists, the syncer appends " 2", " 3" ... before the
// extension itself.
std::string ConflictedCopyPath(std::string_view path, std::string_view host, std::string_view date);

}  // namespace tessera::daemon
