#include "daemon/state_paths.h"

#include <cstdlib>

namespace tessera::daemon {

common::Result<std::string> DefaultStateDir(const std::string& xdg_state_home,
                                            const std::string& home) {
  // The XDG spec says relative values are invalid and must be ignored.
  if (!xdg_state_home.empty() && xdg_state_home.front() == '/') return xdg_state_home + "/tessera";
  if (!home.empty() && home.front() == '/') return home + "/.local/state/tessera";
  return common::InvalidArgument("no --state given and neither XDG_STATE_HOME nor HOME is set");
}

common::Result<std::string> StateDirOrDefault(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* xdg = std::getenv("XDG_STATE_HOME");
  const char* home = std::getenv("HOME");
  return DefaultStateDir(xdg ? xdg : "", home ? home : "");
}

}  // namespace tessera::daemon
