#include "daemon/syncer/safe_target.h"

#include "common/path.h"
#include "daemon/scanner/scanner.h"

namespace tessera::daemon::syncer {

namespace {

// As common::SafeJoin, through the Env beneath `root`: every existing intermediate component of
// `rel` must be a directory (a symlink: InvalidArgument; another non-directory: Conflict).
common::Status CheckWay(common::Env& env, const common::RootDir& root, const std::string& rel) {
  TESSERA_RETURN_IF_ERROR(common::ValidateRelativePath(rel));
  for (size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1)) {
    const std::string prefix = rel.substr(0, slash);
    auto st = env.Lstat(common::PathAt(root, prefix));
    if (!st.ok()) {
      if (st.status().code() == common::Code::kNotFound) break;  // nothing below exists either
      return st.status().WithContext("safe join");
    }
    if (st->type == common::FileType::kSymlink) {
      return common::InvalidArgument("path \"" + rel + "\": goes through a symlink: " + prefix);
    }
    if (st->type != common::FileType::kDir) {
      return common::Conflict("path \"" + rel + "\": goes through a non-directory: " + prefix);
    }
  }
  return common::Status::Ok();
}

}  // namespace

std::optional<common::PathAt> SafeTarget(common::Env& env, const common::RootDir& root,
                                         const SyncConfig& config, common::Logger& log,
                                         index::Index& index, const std::string& rel,
                                         size_t& refused) {
  const common::Status way = CheckWay(env, root, rel);
  if (way.code() == common::Code::kConflict) {
    // A file here where the path needs a directory (a file/directory clash being resolved):
    // not hostile, and not applicable here as it stands.
    log.Info("sync", "skipped '" + rel + "': " + way.message());
    return std::nullopt;
  }
  if (!way.ok()) {
    ++refused;
    RecordError(log, index,
                "refused an unsafe path from the server: '" + rel + "': " + way.ToString());
    return std::nullopt;
  }
  const std::string joined = config.root + "/" + rel;
  const std::string& state = config.state_dir;
  const std::string name = rel.substr(rel.rfind('/') == std::string::npos ? 0 : rel.rfind('/') + 1);
  if (joined == state || joined.starts_with(state + "/") || scanner::Scanner::Ignored(name)) {
    ++refused;
    RecordError(log, index,
                "refused a path from the server that names the daemon's own files: '" + rel + "'");
    return std::nullopt;
  }
  return common::PathAt(root, rel);
}

}  // namespace tessera::daemon::syncer
