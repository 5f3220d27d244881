#include "daemon/syncer/safe_target.h"

#include "common/path.h"
#include "daemon/scanner/scanner.h"

namespace tessera::daemon::syncer {

std::optional<std::string> SafeTarget(const SyncConfig& config, common::Logger& log,
                                      index::Index& index, const std::string& rel,
                                      size_t& refused) {
  auto joined = common::SafeJoin(config.root, rel);
  if (!joined.ok() && joined.status().code() == common::Code::kConflict) {
    // A file here where the path needs a directory (a file/directory clash being resolved):
    // not hostile, and not applicable here as it stands.
    log.Info("sync", "skipped '" + rel + "': " + joined.status().message());
    return std::nullopt;
  }
  if (!joined.ok()) {
    ++refused;
    RecordError(
        log, index,
        "refused an unsafe path from the server: '" + rel + "': " + joined.status().ToString());
    return std::nullopt;
  }
  const std::string& state = config.state_dir;
  const std::string name = rel.substr(rel.rfind('/') == std::string::npos ? 0 : rel.rfind('/') + 1);
  if (*joined == state || joined->starts_with(state + "/") || scanner::Scanner::Ignored(name)) {
    ++refused;
    RecordError(log, index,
                "refused a path from the server that names the daemon's own files: '" + rel + "'");
    return std::nullopt;
  }
  return *joined;
}

}  // namespace tessera::daemon::syncer
