#include "daemon/reconcile/reconcile.h"

namespace tessera::daemon {
namespace {

using common::wire::FileKind;

// Two optional versions are the same when both are absent, or both exist with SameContent.
bool Same(const std::optional<FileVersion>& a, const std::optional<FileVersion>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a.has_value() || a->SameContent(*b);
}

}  // namespace

std::string_view SyncActionName(SyncAction action) {
  switch (action) {
    case SyncAction::kNothing:
      return "nothing";
    case SyncAction::kRecordSynced:
      return "record_synced";
    case SyncAction::kUpload:
      return "upload";
    case SyncAction::kDeleteRemote:
      return "delete_remote";
    case SyncAction::kDownload:
      return "download";
    case SyncAction::kDeleteLocal:
      return "delete_local";
    case SyncAction::kConflict:
      return "conflict";
  }
  return "unknown";
}

SyncAction Reconcile(const std::optional<FileVersion>& base,
                     const std::optional<FileVersion>& local,
                     const std::optional<FileVersion>& remote) {
  const bool local_changed = !Same(base, local);
  const bool remote_changed = !Same(base, remote);

  if (!local_changed && !remote_changed) return SyncAction::kNothing;
  if (local_changed && !remote_changed) {
    return local.has_value() ? SyncAction::kUpload : SyncAction::kDeleteRemote;
  }
  if (!local_changed && remote_changed) {
    return remote.has_value() ? SyncAction::kDownload : SyncAction::kDeleteLocal;
  }

  // Both sides changed.
  if (Same(local, remote)) return SyncAction::kRecordSynced;  // includes both deleted
  // Delete vs edit: the edit wins, so no content is lost.
  if (!local.has_value()) return SyncAction::kDownload;
  if (!remote.has_value()) return SyncAction::kUpload;
  // Directories merge: their contents are reconciled path by path. (Unreachable while
  // SameContent treats all directories as equal; kept so a change there cannot turn two
  // directories into a conflicted copy.)
  if (local->kind == FileKind::kDir && remote->kind == FileKind::kDir) {
    return SyncAction::kRecordSynced;
  }
  return SyncAction::kConflict;
}

// The extension starts at the last '.' of the last segment, unless that '.' is the segment's
// first character (".bashrc" has no extension): "archive.tar.gz" -> "archive.tar (...).gz".
std::string ConflictedCopyPath(std::string_view path, std::string_view host,
                               std::string_view date) {
  const size_t slash = path.rfind('/');
  const size_t name_start = slash == std::string_view::npos ? 0 : slash + 1;
  const std::string_view dir = path.substr(0, name_start);  // keeps the trailing '/'
  const std::string_view name = path.substr(name_start);

  size_t dot = name.rfind('.');
  if (dot == 0) dot = std::string_view::npos;
  const std::string_view stem = name.substr(0, dot);
  const std::string_view ext =
      dot == std::string_view::npos ? std::string_view() : name.substr(dot);

  std::string out;
  out.reserve(path.size() + host.size() + date.size() + 32);
  out.append(dir);
  out.append(stem);
  out.append(" (conflicted copy from ");
  out.append(host);
  out.append(" ");
  out.append(date);
  out.append(")");
  out.append(ext);
  return out;
}

}  // namespace tessera::daemon
