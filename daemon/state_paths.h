// daemon/state_paths.h
//
// Where the daemon keeps its state when --state is not given: $XDG_STATE_HOME/tessera, else
// $HOME/.local/state/tessera. Pure apart from reading the environment it is handed (or, for
// StateDirOrDefault, the process's).
#pragma once

#include <string>

#include "common/result.h"

namespace tessera::daemon {

// `xdg_state_home` and `home` are the values of those variables ("" when unset).
// InvalidArgument when neither is usable (set and absolute).
common::Result<std::string> DefaultStateDir(const std::string& xdg_state_home,
                                            const std::string& home);

// `flag` (the --state given) when not empty, else DefaultStateDir of this process's environment.
common::Result<std::string> StateDirOrDefault(const std::string& flag);

}  // namespace tessera::daemon
