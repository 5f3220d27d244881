// daemon/syncer/notify_loop.h
//
// RunNotifyLoop: the notify thread's body. Long-polls the metaserver (its own MetaClient) from
// the syncer's cursor and wakes the syncer when the journal head moves past it (not when the
// round running at the time leaves the cursor at the head: that was our own commit). Polls are
// short (kNotifyWait) so a stop request is honoured within one poll; failures back off (0.5 s
// doubling to 30 s). Thread: the notify thread only; the syncer's On*/cursor() are thread-safe.
#pragma once

#include <chrono>
#include <stop_token>

#include "common/client/meta_client.h"
#include "common/log.h"
#include "daemon/syncer/syncer.h"

namespace tessera::daemon::syncer {

inline constexpr std::chrono::milliseconds kNotifyWait{2500};
// How long a wake-up waits for a running round to end before asking for a pull anyway.
inline constexpr std::chrono::milliseconds kOwnCommitWait{2000};
// How long, after asking for a pull, the loop waits for the syncer to apply up to the notified
// head before polling again (then from whatever cursor the syncer has reached); longer while
// a round is still running.
inline constexpr std::chrono::milliseconds kApplyWait{2000};

// `meta`, `syncer` and `log` must outlive the call; returns when `stop` is requested.
void RunNotifyLoop(std::stop_token stop, common::client::MetaClient& meta, Syncer& syncer,
                   common::Logger& log);

}  // namespace tessera::daemon::syncer
