// daemon/syncer/resume_requests.h
//
// What `tessera resume` asks of the daemon: a status key it sets in the index (any value), which
// the syncer takes (Index::TakeValue) at the start of its next round and acts on. A daemon that
// is not running finds them when it starts. Constants only.
#pragma once

#include <string_view>

namespace tessera::daemon::syncer {

// RootGuard::StartOver: the folder as it is now becomes the synced one.
inline constexpr std::string_view kRequestStartOver = "request.start_over";
// Index::ConfirmHeldDeletes: the held deletes go through.
inline constexpr std::string_view kRequestConfirmDeletes = "request.confirm_deletes";
// Index::RestoreHeldDeletes: the held deletes are undone.
inline constexpr std::string_view kRequestRestore = "request.restore";

}  // namespace tessera::daemon::syncer
