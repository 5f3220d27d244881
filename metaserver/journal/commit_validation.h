// metaserver/journal/commit_validation.h
//
// Checks on a commit that need no journal state. The wire decoder applies the same FileMeta
// rules; the journal checks again because it is the last stop before the truth is written and
// because not every caller comes through the decoder. Pure functions; thread-safe.
#pragma once

#include <string_view>

#include "common/status.h"
#include "common/wire/journal_messages.h"

namespace tessera::metaserver::journal {

inline constexpr size_t kMaxDeviceBytes = 256;  // as the wire decoder allows

// InvalidArgument when the device name is longer than kMaxDeviceBytes or holds control
// characters. An empty name is allowed (the protocol does not require one).
common::Status ValidateDevice(std::string_view device);

// InvalidArgument naming the first problem: the rules of wire::ValidateFileMeta (a valid
// relative path, per-kind fields, block and size bounds, mode <= 07777). An item with a
// blocklist delta must be a file whose delta names its parent (base_jid == parent_jid > 0);
// whether the delta fits the base is checked at commit, against the stored base.
common::Status ValidateCommitItem(const common::wire::CommitItem& item);

}  // namespace tessera::metaserver::journal
