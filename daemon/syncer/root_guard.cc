#include "daemon/syncer/root_guard.h"

#include <string_view>
#include <utility>

#include "common/random_hex.h"
#include "common/temp_file.h"
#include "common/temp_name.h"
#include "daemon/scanner/scanner.h"

namespace tessera::daemon::syncer {

using common::Result;
using common::Status;

namespace {

constexpr std::string_view kTokenKey = "folder_token";
constexpr std::string_view kIdentityKey = "folder_identity";
constexpr std::string_view kMarkerIntro =
    "This folder is kept in sync by Tessera; this file tells it from an empty folder made in\n"
    "its place (docs/safety.md). Keep it. It is never synced.\n";
constexpr std::string_view kTokenLine = "folder ";
constexpr size_t kMaxMarkerBytes = 4096;

std::string Identity(const common::FileStat& st) {
  return std::to_string(st.device) + ":" + std::to_string(st.inode);
}

}  // namespace

RootGuard::RootGuard(common::Env& env, index::Index& index, common::Logger& log, std::string root,
                     std::string state_dir, std::string ns, std::string temp_tag)
    : env_(env),
      index_(index),
      log_(log),
      root_(std::move(root)),
      state_dir_(std::move(state_dir)),
      ns_(std::move(ns)),
      temp_tag_(std::move(temp_tag)) {}

std::string RootGuard::ReadMarker(const common::RootDir& root) {
  auto file = env_.OpenRegularFile(common::PathAt(root, std::string(scanner::kFolderMarker)));
  if (!file.ok()) return "";
  std::string scratch(kMaxMarkerBytes, '\0');
  auto data = (*file)->Read(0, scratch.size(), scratch.data());
  if (!data.ok()) return "";
  std::string_view text = *data;
  const size_t at = text.find(std::string("\n") + std::string(kTokenLine));
  if (at == std::string_view::npos) return "";
  text.remove_prefix(at + 1 + kTokenLine.size());
  const size_t end = text.find('\n');
  return std::string(text.substr(0, end));
}

Status RootGuard::WriteMarker(const common::RootDir& root, const std::string& token) {
  TESSERA_ASSIGN_OR_RETURN(
      common::TempFile tmp,
      common::TempFile::Create(env_, common::PathAt(root, std::string(scanner::kFolderMarker)),
                               0644, temp_tag_));
  TESSERA_RETURN_IF_ERROR(
      tmp.file().Append(std::string(kMarkerIntro) + std::string(kTokenLine) + token + "\n"));
  return tmp.Publish();
}

Result<bool> RootGuard::Empty(const common::RootDir& root) {
  TESSERA_ASSIGN_OR_RETURN(auto entries, env_.ListDirEntries(common::PathAt(root, "")));
  for (const auto& e : entries) {
    if (scanner::Scanner::Ignored(e.name) || root_ + "/" + e.name == state_dir_) continue;
    return false;
  }
  return true;
}

Status RootGuard::Record(const std::string& token, const std::string& identity) {
  return index_.InTransaction([&]() -> Status {
    TESSERA_RETURN_IF_ERROR(index_.SetMeta(std::string(kTokenKey), token));
    return index_.SetMeta(std::string(kIdentityKey), identity);
  });
}

Result<std::string> RootGuard::Check() {
  const std::string start_over =
      "; to sync the folder as it is now instead (files missing from it are then fetched "
      "again, nothing is deleted elsewhere), run `tessera resume --start-over --state " +
      state_dir_ + "`";
  auto st = env_.Lstat(common::PathAt(root_));
  if (!st.ok()) {
    if (st.status().code() != common::Code::kNotFound) return st.status();
    return std::string(
        "the folder " + root_ +
        " is missing (deleted, moved, or on a disk that is not mounted): sync is paused and "
        "nothing is deleted; it resumes by itself when the folder is back");
  }
  if (st->type != common::FileType::kDir) {
    return std::string("the folder " + root_ +
                       " is not a directory any more: sync is paused and nothing "
                       "is deleted; it resumes when the folder is back");
  }
  TESSERA_ASSIGN_OR_RETURN(common::RootDir root, env_.OpenRoot(root_));
  const std::string identity = Identity(*st);
  TESSERA_ASSIGN_OR_RETURN(auto token, index_.GetMeta(std::string(kTokenKey)));
  TESSERA_ASSIGN_OR_RETURN(auto recorded, index_.GetMeta(std::string(kIdentityKey)));
  const std::string marker = ReadMarker(root);
  if (!token) {
    // First use (or a state dir from before markers): the folder is taken as it is, unless
    // it is empty while the index holds files synced from it.
    TESSERA_ASSIGN_OR_RETURN(const bool empty, Empty(root));
    if (empty) {
      TESSERA_ASSIGN_OR_RETURN(auto had, index_.LocalPathsPage("", "", 1));
      if (!had.empty()) {
        return std::string(
            "the folder " + root_ +
            " is empty, but files were synced from it: sync is paused and nothing is deleted "
            "(a disk not mounted?); it resumes when the files are back" +
            start_over);
      }
    }
    const std::string fresh = marker.empty() ? common::RandomHex(16) : marker;
    if (marker.empty()) TESSERA_RETURN_IF_ERROR(WriteMarker(root, fresh));
    TESSERA_RETURN_IF_ERROR(Record(fresh, identity));
    return std::string();
  }
  if (!marker.empty() && marker == *token) {
    if (recorded != identity) {
      log_.Info("sync", "the folder " + root_ + " was moved, restored or remounted (its marker " +
                            "is there): syncing it");
      TESSERA_RETURN_IF_ERROR(index_.SetMeta(std::string(kIdentityKey), identity));
    }
    return std::string();
  }
  if (!marker.empty()) {
    return std::string(
        "the folder " + root_ +
        " holds the marker of another Tessera folder: sync is paused and nothing is deleted" +
        start_over);
  }
  // No marker: the very directory synced before, not emptied, lost only its marker.
  TESSERA_ASSIGN_OR_RETURN(const bool empty, Empty(root));
  if (recorded == identity && !empty) {
    log_.Warn("sync", "the marker " + std::string(scanner::kFolderMarker) + " in " + root_ +
                          " was deleted: written again");
    TESSERA_RETURN_IF_ERROR(WriteMarker(root, *token));
    return std::string();
  }
  return std::string(
      "the folder " + root_ + " is not the one synced before: its marker " +
      std::string(scanner::kFolderMarker) +
      " is missing (a folder deleted and made again, or a disk not mounted?); sync is paused "
      "and nothing is deleted; it resumes by itself when the folder or its disk is back" +
      start_over);
}

Status RootGuard::StartOver() {
  auto st = env_.Lstat(common::PathAt(root_));
  if (!st.ok() || st->type != common::FileType::kDir) {
    return common::InvalidArgument("cannot start over: the folder " + root_ +
                                   " is not there; make it first");
  }
  TESSERA_ASSIGN_OR_RETURN(common::RootDir root, env_.OpenRoot(root_));
  TESSERA_ASSIGN_OR_RETURN(auto ns, index_.GetNs(ns_));
  const std::string token = common::RandomHex(16);
  TESSERA_RETURN_IF_ERROR(WriteMarker(root, token));
  TESSERA_RETURN_IF_ERROR(index_.InTransaction([&]() -> Status {
    TESSERA_RETURN_IF_ERROR(index_.ResetJournal(ns_, ns.epoch));
    return Record(token, Identity(*st));
  }));
  log_.Warn("sync", "starting over with the folder " + root_ +
                        " as it is now: everything is listed again; files missing here are "
                        "fetched, nothing is deleted elsewhere");
  return Status::Ok();
}

}  // namespace tessera::daemon::syncer
