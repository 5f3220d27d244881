// Tests for daemon/syncer/sync_schedule.h in simulated time (testutil::ManualClock): debounce,
// max debounce, backoff with jitter, the periodic timers, rechecks, and the rule that a scan
// raced by local events is acted on only once they are scanned. No threads, no sleeps.
#include "daemon/syncer/sync_schedule.h"

#include <doctest/doctest.h>

#include <chrono>
#include <set>
#include <string>

#include "tests/testutil/manual_clock.h"

namespace tessera::daemon::syncer {
namespace {

using namespace std::chrono_literals;

SyncerOptions Options() {
  SyncerOptions o;
  o.rescan_interval = std::chrono::seconds(600);
  o.pull_interval = std::chrono::seconds(60);
  o.debounce = 100ms;
  o.max_debounce = 1000ms;
  o.backoff_min = 500ms;
  o.backoff_max = 30'000ms;
  return o;
}

// A schedule whose first round has run at the clock's time, with nothing left to do.
SyncSchedule Started(testutil::ManualClock& clock, uint32_t seed = 1,
                     SyncerOptions options = Options()) {
  SyncSchedule s(options, seed);
  const RoundRequest first = s.FirstRound();
  REQUIRE(first.full_scan);
  REQUIRE(first.pull);
  s.RoundDone(clock.SteadyNow(), {}, /*work_left=*/false);
  return s;
}

TEST_CASE("schedule: a local event is taken once the debounce has passed since it") {
  testutil::ManualClock clock;
  SyncSchedule s = Started(clock);
  CHECK_FALSE(s.Due(clock.SteadyNow()));
  s.PathsChanged({"a.txt"}, clock.SteadyNow());
  CHECK_FALSE(s.Due(clock.SteadyNow()));
  CHECK(s.WakeAt() == clock.SteadyNow() + 100ms);
  clock.Advance(99ms);
  CHECK_FALSE(s.Due(clock.SteadyNow()));
  clock.Advance(1ms);
  REQUIRE(s.Due(clock.SteadyNow()));
  const RoundRequest round = s.Take(clock.SteadyNow());
  CHECK_FALSE(round.full_scan);
  CHECK_FALSE(round.pull);
  CHECK(round.paths == std::set<std::string>{"a.txt"});
  CHECK_FALSE(s.Due(clock.SteadyNow()));  // taken
}

TEST_CASE("schedule: each new event restarts the debounce, up to the max debounce") {
  testutil::ManualClock clock;
  SyncSchedule s = Started(clock);
  const auto first = clock.SteadyNow();
  // An event every 50 ms: never 100 ms of quiet, so only the max debounce lets them through.
  for (int i = 0; i < 19; ++i) {
    s.PathsChanged({"f" + std::to_string(i)}, clock.SteadyNow());
    CHECK(s.WakeAt() == std::min(clock.SteadyNow() + 100ms, first + 1000ms));
    clock.Advance(50ms);
    CHECK_FALSE(s.Due(clock.SteadyNow()));
  }
  s.PathsChanged({"f19"}, clock.SteadyNow());  // at +950 ms
  CHECK(s.WakeAt() == first + 1000ms);
  clock.Advance(50ms);
  REQUIRE(s.Due(clock.SteadyNow()));
  CHECK(s.Take(clock.SteadyNow()).paths.size() == 20);
  // The next burst's max debounce counts from its own first event.
  s.PathsChanged({"g"}, clock.SteadyNow());
  clock.Advance(99ms);
  CHECK_FALSE(s.Due(clock.SteadyNow()));
}

TEST_CASE("schedule: too many changed paths, or a watcher overflow, become a full rescan") {
  testutil::ManualClock clock;
  SyncSchedule s = Started(clock);
  SUBCASE("too many paths") {
    std::set<std::string> many;
    for (size_t i = 0; i <= kMaxQueuedPaths; ++i) many.insert("f" + std::to_string(i));
    s.PathsChanged(many, clock.SteadyNow());
  }
  SUBCASE("an overflow") {
    s.PathsChanged({"a"}, clock.SteadyNow());
    s.Overflowed(clock.SteadyNow());
  }
  clock.Advance(100ms);
  REQUIRE(s.Due(clock.SteadyNow()));
  const RoundRequest round = s.Take(clock.SteadyNow());
  CHECK(round.full_scan);
  CHECK(round.paths.empty());
}

TEST_CASE("schedule: the rescan and pull timers run from the end of the first round") {
  testutil::ManualClock clock;
  SyncSchedule s = Started(clock);
  const auto start = clock.SteadyNow();
  CHECK(s.WakeAt() == start + 60s);
  clock.Advance(60s);
  REQUIRE(s.Due(clock.SteadyNow()));
  RoundRequest round = s.Take(clock.SteadyNow());
  CHECK(round.pull);
  CHECK_FALSE(round.full_scan);
  s.RoundDone(clock.SteadyNow(), {}, false);
  CHECK(s.WakeAt() == start + 120s);
  clock.Advance(540s);  // 600 s after the start: the rescan (and a pull) are due
  REQUIRE(s.Due(clock.SteadyNow()));
  round = s.Take(clock.SteadyNow());
  CHECK(round.full_scan);
  CHECK(round.pull);
  CHECK(s.WakeAt() == clock.SteadyNow() + 60s);
}

TEST_CASE("schedule: a remote change and work left make a round due at once") {
  testutil::ManualClock clock;
  SyncSchedule s = Started(clock);
  s.RemoteChanged();
  REQUIRE(s.Due(clock.SteadyNow()));
  CHECK(s.Take(clock.SteadyNow()).pull);
  CHECK_FALSE(s.Due(clock.SteadyNow()));
  s.RoundDone(clock.SteadyNow(), {}, /*work_left=*/true);
  REQUIRE(s.Due(clock.SteadyNow()));
  const RoundRequest more = s.Take(clock.SteadyNow());
  CHECK_FALSE(more.scans());
  CHECK_FALSE(more.pull);
}

TEST_CASE("schedule: backoff doubles from the minimum to the maximum, with up to 1/4 jitter") {
  testutil::ManualClock clock;
  SyncerOptions quiet = Options();  // no timer comes due during the ten attempts
  quiet.pull_interval = quiet.rescan_interval = std::chrono::seconds(3600);
  SyncSchedule s = Started(clock, /*seed=*/7, quiet);
  std::chrono::milliseconds expected = 500ms;
  for (int attempt = 0; attempt < 10; ++attempt) {
    CAPTURE(attempt);
    const auto delay = s.Unreachable(clock.SteadyNow());
    CHECK(s.offline());
    CHECK(delay >= expected);
    CHECK(delay <= expected + expected / 4);
    // Only local work until the retry time; a pull asked for tries at once.
    CHECK_FALSE(s.MayContactServers(clock.SteadyNow(), /*pull=*/false));
    CHECK(s.MayContactServers(clock.SteadyNow(), /*pull=*/true));
    CHECK(s.WakeAt() <= clock.SteadyNow() + delay);
    clock.Advance(delay - 1ms);
    CHECK_FALSE(s.Due(clock.SteadyNow()));
    clock.Advance(1ms);
    CHECK(s.Due(clock.SteadyNow()));  // the retry
    CHECK(s.MayContactServers(clock.SteadyNow(), false));
    (void)s.Take(clock.SteadyNow());
    expected = std::min<std::chrono::milliseconds>(expected * 2, 30'000ms);
  }
  CHECK(expected == 30'000ms);  // the cap was reached and held
  s.Reachable();
  CHECK_FALSE(s.offline());
  CHECK(s.Unreachable(clock.SteadyNow()) <= 625ms);  // starts over from the minimum
}

TEST_CASE("schedule: the jitter comes from the seed") {
  testutil::ManualClock clock;
  SyncSchedule a = Started(clock, 3);
  SyncSchedule b = Started(clock, 3);
  for (int i = 0; i < 5; ++i) {
    CHECK(a.Unreachable(clock.SteadyNow()) == b.Unreachable(clock.SteadyNow()));
  }
}

TEST_CASE("schedule: while offline, work left waits for the retry time") {
  testutil::ManualClock clock;
  SyncSchedule s = Started(clock);
  const auto delay = s.Unreachable(clock.SteadyNow());
  s.RoundDone(clock.SteadyNow(), {}, /*work_left=*/true);
  CHECK_FALSE(s.Due(clock.SteadyNow()));
  clock.Advance(delay);
  CHECK(s.Due(clock.SteadyNow()));
}

TEST_CASE("schedule: paths in doubt are looked at again after the recheck delay") {
  testutil::ManualClock clock;
  SyncSchedule s = Started(clock);
  scanner::Recheck doubt;
  doubt.Add("just-written.txt");
  s.RoundDone(clock.SteadyNow(), std::move(doubt), false);
  CHECK(s.WakeAt() == clock.SteadyNow() + kRecheckDelay);
  clock.Advance(kRecheckDelay - 1ms);
  CHECK_FALSE(s.Due(clock.SteadyNow()));
  clock.Advance(1ms);
  REQUIRE(s.Due(clock.SteadyNow()));
  CHECK(s.Take(clock.SteadyNow()).paths == std::set<std::string>{"just-written.txt"});
  CHECK_FALSE(s.Due(clock.SteadyNow()));
}

TEST_CASE("schedule: a recheck never runs ahead of local events still being debounced") {
  // A file in doubt inside a directory that is renamed just before its recheck: looking at the
  // file alone would find it gone and commit its delete ahead of the rename's move.
  testutil::ManualClock clock;
  SyncSchedule s = Started(clock);
  scanner::Recheck doubt;
  doubt.Add("project/README");
  s.RoundDone(clock.SteadyNow(), std::move(doubt), false);
  clock.Advance(kRecheckDelay - 50ms);
  s.PathsChanged({"project", "renamed"}, clock.SteadyNow());  // the rename's events
  clock.Advance(50ms);                                        // the recheck time
  CHECK_FALSE(s.Due(clock.SteadyNow()));
  CHECK(s.WakeAt() == clock.SteadyNow() + 50ms);  // the events' debounce, not the recheck
  clock.Advance(50ms);
  REQUIRE(s.Due(clock.SteadyNow()));
  const RoundRequest round = s.Take(clock.SteadyNow());
  CHECK(round.paths == std::set<std::string>{"project", "project/README", "renamed"});
}

TEST_CASE("schedule: a scan raced by local events is acted on only once they are scanned") {
  testutil::ManualClock clock;
  SyncSchedule s = Started(clock);
  clock.Advance(600s);  // the rescan (and a pull) are due
  REQUIRE(s.Due(clock.SteadyNow()));
  const RoundRequest rescan = s.Take(clock.SteadyNow());
  REQUIRE(rescan.full_scan);
  REQUIRE(rescan.pull);
  // A directory is renamed while the rescan walks the tree: its events come in meanwhile.
  clock.Advance(20ms);
  s.PathsChanged({"project", "renamed"}, clock.SteadyNow());
  clock.Advance(20ms);
  CHECK_FALSE(s.ActAfterScan(rescan));  // the scan may hold half of the rename
  s.RoundDone(clock.SteadyNow(), {}, /*work_left=*/true);
  // Nothing acts before the events are scanned: not the pull put off, not work left.
  CHECK_FALSE(s.Due(clock.SteadyNow()));
  s.RemoteChanged();
  CHECK_FALSE(s.Due(clock.SteadyNow()));
  CHECK(s.WakeAt() == clock.SteadyNow() + 80ms);
  clock.Advance(80ms);
  REQUIRE(s.Due(clock.SteadyNow()));
  const RoundRequest next = s.Take(clock.SteadyNow());
  CHECK(next.paths == std::set<std::string>{"project", "renamed"});
  CHECK(next.pull);  // the rescan's pull, kept
  // At most once in a row: events during this scan too do not put it off again.
  s.PathsChanged({"other"}, clock.SteadyNow());
  CHECK(s.ActAfterScan(next));
}

TEST_CASE("schedule: a round that scans nothing, or whose scan nothing raced, acts") {
  testutil::ManualClock clock;
  SyncSchedule s = Started(clock);
  s.PathsChanged({"a"}, clock.SteadyNow());
  s.RemoteChanged();
  const RoundRequest pull = s.Take(clock.SteadyNow());  // the events are not settled yet
  CHECK(pull.pull);
  CHECK_FALSE(pull.scans());
  CHECK(s.ActAfterScan(pull));  // the index holds the last whole scan: nothing torn
  clock.Advance(100ms);
  const RoundRequest scan = s.Take(clock.SteadyNow());
  CHECK(scan.paths == std::set<std::string>{"a"});
  CHECK(s.ActAfterScan(scan));
}

}  // namespace
}  // namespace tessera::daemon::syncer
