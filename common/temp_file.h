// common/temp_file.h
//
// TempFile: the one way a Tessera program replaces or creates a file atomically, for user files
// (the daemon's downloads) and server files (manifests, FORMAT markers, block files) alike:
//
//   TESSERA_ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(env, target));
//   TESSERA_RETURN_IF_ERROR(tmp.file().Append(data));      // and Chmod, SetMtime, Stat
//   TESSERA_RETURN_IF_ERROR(tmp.Publish());                 // or Publish(options)
//
// Create() makes a fresh temp file (common/temp_name.h) in the target's directory, exclusively
// and never through a symlink (beneath the same RootDir when the target is beneath one).
// Publish() fsyncs and closes it, runs the caller's precondition, renames it over the target
// (or only where nothing is, kNoReplace) and fsyncs the directory. Whatever fails before the
// rename, the target is untouched and the temp file is removed (by Publish, or by the
// destructor when the caller gives up): the target is always either the old content or the
// new, never half-written, and no temp file stays behind.
//
// Not thread-safe: one owner. Move-only. `env` (and the RootDir of a PathAt) must outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "common/env.h"

namespace tessera::common {

struct PublishOptions {
  // kNoReplace: Conflict (and nothing renamed) when the target exists by then.
  RenameMode mode = RenameMode::kReplace;
  // Runs after the temp file is durable and closed, right before the rename; a non-OK Status
  // stops the publish and is returned as is. The daemon's "only over what the index says is
  // there" (a local edit since is a Conflict, never clobbered).
  std::function<Status()> precondition;
  // false: the directory is not fsynced; the caller does it (SyncDirAt of target_dir()), e.g.
  // once for a group of files. Until then the rename may be lost in a crash (then the old
  // target is back), but never half of it.
  bool sync_dir = true;
};

class TempFile {
 public:
  // Creates the temp file for `target` with permission bits `mode` (less the umask; change
  // them later with file().Chmod). Errors: those of Env::CreateExclusive (NotFound when the
  // target's directory is missing; InvalidArgument for an empty target beneath a root).
  // `tag`: that of the temp name (common/temp_name.h), none by default.
  static Result<TempFile> Create(Env& env, PathAt target, uint32_t mode = 0644,
                                 std::string_view tag = {});

  ~TempFile();  // removes the temp file unless Publish() renamed it
  TempFile(TempFile&& other) noexcept;
  TempFile& operator=(TempFile&&) = delete;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  // The open temp file. REQUIRES: Publish() not called yet.
  WritableFile& file() { return *file_; }
  const PathAt& path() const { return temp_; }
  const PathAt& target() const { return target_; }
  // The directory both live in (what Publish fsyncs).
  PathAt target_dir() const;

  // Makes the temp file durable and renames it to the target as described above; callable
  // once. Errors: the file system's (IOError, ResourceExhausted), Conflict from kNoReplace,
  // the precondition's. If only the final directory fsync fails, the rename did happen (the
  // target holds the new content) but may not survive a crash.
  Status Publish(const PublishOptions& options = {});

 private:
  TempFile(Env& env, PathAt target, PathAt temp, std::unique_ptr<WritableFile> file)
      : env_(&env), target_(std::move(target)), temp_(std::move(temp)), file_(std::move(file)) {}
  // Closes and removes the temp file (best effort: it is only a temp file).
  void Discard();

  Env* env_;
  PathAt target_;
  PathAt temp_;
  std::unique_ptr<WritableFile> file_;
  bool pending_ = true;  // the temp file exists under temp_ and is ours to remove
};

}  // namespace tessera::common
