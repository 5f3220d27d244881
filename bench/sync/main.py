"""scripts/bench-sync: Tessera, rsync and Syncthing side by side on the same workloads.

For each run and each system: fresh folders on tmpfs, the system started in the benchmark's
network namespaces, then W1 (initial sync), W2 (one line in a 20 MiB file), W3 (one line in each
of 500 files), W4 (rename a ~1,000-file directory), each measured as
  seconds   from the change being in place until the receiver's folder hashes equal to the
            sender's (for W1: from the end of the copy into the sender's folder),
  wire      bytes of all frames on the veth links, both ways, all machines,
  per process: peak RSS (VmHWM; for rsync's daemon the max over its forked children too) and
            CPU seconds used in the workload's window.
Runs are interleaved across systems (run 1 of each system, then run 2, ...) so that load on the
machine hits all systems alike. Prints a markdown table; raw results go to results.json.
"""
import argparse
import datetime
import fcntl
import json
import os
import platform
import shutil
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import netns  # noqa: E402
import procstat  # noqa: E402
import report  # noqa: E402
import tree  # noqa: E402
import workloads  # noqa: E402
from drivers.base import Env, NotConverged, Unavailable  # noqa: E402
from drivers.rsync_driver import RsyncDriver  # noqa: E402
from drivers.syncthing_driver import SyncthingDriver  # noqa: E402
from drivers.tessera_driver import TesseraDriver  # noqa: E402

DRIVERS = {"tessera": TesseraDriver, "rsync": RsyncDriver, "syncthing": SyncthingDriver}
SCRATCH = "/dev/shm/tessera-bench"


def log(msg):
    print(f"[bench-sync {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Ctx:
    """What workloads see: the sender's folder, a staging dir on the same tmpfs, the data."""

    def __init__(self, sender_root, staging, data):
        self.sender_root = sender_root
        self.staging = staging
        self.data = data


def settle(quiet=1.0, max_wait=10.0):
    """Waits until no frame crossed the links for `quiet` seconds (or max_wait passed)."""
    start = last_change = time.monotonic()
    last = netns.counters()
    while True:
        now = time.monotonic()
        if now - last_change >= quiet or now - start >= max_wait:
            return
        time.sleep(0.25)
        c = netns.counters()
        if c != last:
            last, last_change = c, time.monotonic()


def converge(driver, verifier, expected, t0, timeout):
    """Returns the time the receiver was first seen byte-identical; raises NotConverged."""
    next_verify, last_full, diff = 0.0, t0, "never checked"
    while True:
        try:
            hint = driver.done_hint()
        except NotConverged:
            raise
        except Exception as e:  # noqa: BLE001 - a failed status query just means "not yet"
            hint, diff = False, f"done hint failed: {e}"
        now = time.monotonic()
        fallback = driver.fallback_verify_s and now - last_full >= driver.fallback_verify_s
        if (hint and now >= next_verify) or fallback:
            ok, diff = verifier.matches(expected)
            end = time.monotonic()
            if ok:
                return now
            if hint and driver.hint_exact:
                raise NotConverged(f"{driver.name} finished but the receiver differs ({diff})")
            last_full = end
            next_verify = end + max(0.2, 2 * (end - now))
        if now - t0 > timeout:
            raise NotConverged(f"receiver not identical after {timeout:.0f} s ({diff})")
        time.sleep(driver.poll_s)


def measure(w, driver, ctx, verifier, expected, tracker, timeout):
    w.plan(ctx, expected)
    settle()
    c0 = netns.counters()
    tracker.reset()
    t_apply = time.monotonic()
    w.apply(ctx)
    t0 = time.monotonic()
    w.update(expected)
    driver.on_change()
    t_end = converge(driver, verifier, expected, t0, timeout)
    settle()
    c1 = netns.counters()
    procs = tracker.snapshot()
    procs.update(driver.extra_stats())
    wire = {m: c1[m] - c0[m] for m in c1}
    return {"seconds": t_end - t0, "apply_seconds": t0 - t_apply,
            "stale_empty_dirs": verifier.stale_dirs,
            "wire_bytes": sum(wire.values()), "wire_by_sender": wire,
            "procs": procs, "info": w.info()}


def one_run(system, run, args, data, repo, selected):
    base = os.path.join(SCRATCH, f"{system}-run{run}")
    shutil.rmtree(base, ignore_errors=True)
    dirs = {k: os.path.join(base, k) for k in ("a", "b", "work", "staging")}
    for d in dirs.values():
        os.makedirs(d)
    tracker = procstat.ProcessTracker()
    env = Env(repo, dirs["work"], dirs["a"], dirs["b"], tracker, log)
    driver = DRIVERS[system](env)
    results = []
    try:
        try:
            driver.start()
        except Unavailable as e:
            raise Unavailable(f"could not start: {e}")
        ctx = Ctx(dirs["a"], dirs["staging"], data)
        verifier = tree.Verifier(dirs["b"], driver.ignore)
        expected = {}
        plan = ["W1"] + [w for w in ("W2", "W3", "W4") if w in selected]
        for i, name in enumerate(plan):
            w = workloads.ALL[name]()
            log(f"{system} run {run}: {name} ({w.description})")
            try:
                if w.prepare(ctx, expected):
                    t0 = time.monotonic()
                    driver.on_change()
                    converge(driver, verifier, expected, t0, args.timeout)
                timeout = args.timeout * (3 if name == "W1" else 1)
                r = measure(w, driver, ctx, verifier, expected, tracker, timeout)
            except Exception as e:  # noqa: BLE001 - recorded; the other systems still run
                err = str(e) if isinstance(e, NotConverged) else f"{type(e).__name__}: {e}"
                log(f"{system} run {run}: {name} failed: {err}")
                results.append({"system": system, "run": run, "workload": name, "error": err})
                results += [{"system": system, "run": run, "workload": later,
                             "error": f"not run ({name} failed)"}
                            for later in plan[i + 1:] if later in selected]
                break
            r.update({"system": system, "run": run, "workload": name})
            log(f"{system} run {run}: {name} {r['seconds']:.2f} s, "
                f"{report.fmt_bytes(r['wire_bytes'])} on the wire")
            if name in selected:
                results.append(r)
    finally:
        driver.stop()
        tracker.close()
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return results


def main():
    ap = argparse.ArgumentParser(prog="scripts/bench-sync", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--systems", default="tessera,rsync,syncthing")
    ap.add_argument("--workloads", default="W1,W2,W3,W4")
    ap.add_argument("--quick", action="store_true", help="a ~2,300-file W1 for development")
    ap.add_argument("--timeout", type=float, default=120,
                    help="seconds a workload may take to converge (W1: 3x); a system that "
                         "misses it is not run again")
    ap.add_argument("--keep", action="store_true", help="keep folders and logs in " + SCRATCH)
    ap.add_argument("--out", default=None, help="results JSON (default build/bench-sync/)")
    ap.add_argument("--tessera-bin", default=None,
                    help="directory with tessera, tessera-metaserver, tessera-blockserver "
                         "(default build/bin)")
    ap.add_argument("--tessera-unavailable", default="",
                    help=argparse.SUPPRESS)  # set by scripts/bench-sync when the build failed
    args = ap.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    selected = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    for s in systems:
        if s not in DRIVERS:
            ap.error(f"unknown system {s} (known: {', '.join(DRIVERS)})")
    for w in selected:
        if w not in workloads.ALL:
            ap.error(f"unknown workload {w} (known: W1,W2,W3,W4)")
    if os.geteuid() != 0:
        ap.error("needs root (network namespaces)")
    out = args.out or os.path.join(repo, "build", "bench-sync", "results.json")
    if args.tessera_bin:
        os.environ["TESSERA_BENCH_BIN"] = os.path.abspath(args.tessera_bin)

    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)

    lock = open("/run/tessera-bench-sync.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        ap.error("another scripts/bench-sync is running (it owns the ts-* namespaces)")
    started = datetime.datetime.now(datetime.timezone.utc)
    data = tree.prepare_data(args.quick, log)
    unavailable = {}
    for s in systems:
        reason = DRIVERS[s].check_available(repo)
        if s == "tessera" and args.tessera_unavailable:
            reason = args.tessera_unavailable
        if reason:
            unavailable[s] = reason
            log(f"{s}: not available ({reason})")
    versions = {}
    for s in systems:
        if s not in unavailable:
            try:
                versions[s] = DRIVERS[s](None).version()
            except Exception as e:  # noqa: BLE001
                versions[s] = f"? ({e})"
    load_before = os.getloadavg()
    results = []
    try:
        netns.setup()
        for run in range(1, args.runs + 1):
            for s in systems:
                if s in unavailable:
                    continue
                try:
                    got = one_run(s, run, args, data, repo, selected)
                except Unavailable as e:
                    unavailable[s] = str(e)
                    log(f"{s}: not available ({e})")
                    continue
                results += got
                failed = [r for r in got if "error" in r]
                if failed and run < args.runs:
                    # A system that did not converge is not run again: its later runs would
                    # mostly wait for the same timeout.
                    unavailable[s] = f"not run again after run {run}: {failed[0]['error']}"
                    log(f"{s}: {unavailable[s]}")
    finally:
        netns.teardown()
        shutil.rmtree(SCRATCH, ignore_errors=True) if not args.keep else None
    meta = {
        "started": started.isoformat(timespec="seconds"),
        "seconds_total": (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds(),
        "command": "scripts/bench-sync " + " ".join(sys.argv[1:]),
        "runs": args.runs, "quick": args.quick, "systems": systems, "workloads": selected,
        "machine": {"kernel": platform.release(), "cpus": os.cpu_count(),
                    "loadavg_before": load_before, "loadavg_after": os.getloadavg()},
        "versions": versions, "unavailable": unavailable,
        "data": {"w1_parts": tree.QUICK_PARTS if args.quick else tree.W1_PARTS,
                 "w1_source": tree.LINUX_TARBALL},
    }
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1)
    print(report.render(meta, results, systems, selected))
    log(f"raw results: {out}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt as e:
        log(f"interrupted ({e}); namespaces removed")
        sys.exit(130)
