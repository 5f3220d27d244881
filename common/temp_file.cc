#include "common/temp_file.h"

#include <utility>

#include "common/temp_name.h"

namespace tessera::common {

namespace {

// The directory part of a path ("." or "/" for the plain path's edge cases, "" for the root
// itself beneath a root).
std::string DirPart(const PathAt& p) {
  const auto slash = p.path.rfind('/');
  if (slash == std::string::npos) return p.root != nullptr ? "" : ".";
  if (slash == 0) return "/";
  return p.path.substr(0, slash);
}

PathAt WithPath(const PathAt& like, std::string path) {
  if (like.root != nullptr) return PathAt(*like.root, std::move(path));
  return PathAt(std::move(path));
}

}  // namespace

Result<TempFile> TempFile::Create(Env& env, PathAt target, uint32_t mode, std::string_view tag) {
  const auto slash = target.path.rfind('/');
  if (target.path.empty() || slash + 1 == target.path.size()) {
    return InvalidArgument("temp file for '" + target.ToString() + "': not a file name");
  }
  PathAt temp = WithPath(target, TempPathIn(DirPart(target), tag));
  TESSERA_ASSIGN_OR_RETURN(auto file, env.CreateExclusive(temp, mode));
  return TempFile(env, std::move(target), std::move(temp), std::move(file));
}

TempFile::TempFile(TempFile&& other) noexcept
    : env_(other.env_),
      target_(std::move(other.target_)),
      temp_(std::move(other.temp_)),
      file_(std::move(other.file_)),
      pending_(std::exchange(other.pending_, false)) {}

TempFile::~TempFile() {
  if (pending_) Discard();
}

PathAt TempFile::target_dir() const { return WithPath(target_, DirPart(target_)); }

void TempFile::Discard() {
  pending_ = false;
  if (file_ != nullptr) {
    (void)file_->Close();
    file_.reset();
  }
  (void)env_->RemoveFileAt(temp_);  // best effort: the target was never touched
}

Status TempFile::Publish(const PublishOptions& options) {
  if (!pending_ || file_ == nullptr) return InvalidArgument("temp file published twice");
  Status s = file_->Sync();
  if (s.ok()) s = file_->Close();
  if (s.ok() && options.precondition) s = options.precondition();
  if (s.ok()) s = env_->RenameAt(temp_, target_, options.mode);
  if (!s.ok()) {
    Discard();
    return s;
  }
  pending_ = false;
  file_.reset();
  if (!options.sync_dir) return Status::Ok();
  return env_->SyncDirAt(target_dir());
}

}  // namespace tessera::common
