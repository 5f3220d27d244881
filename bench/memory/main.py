"""Memory benchmark: does a daemon's peak RSS grow with the size of the tree it syncs?

For each tree size N it starts, on loopback and without root, a blockserver, a metaserver and
two daemons (A and B, empty roots) from the given bin directory; writes N small files (a few
hundred bytes of varied text, ~100 per directory, three directory levels) into A's root while
the daemons run; waits until B's root is identical to what was written (relative path ->
SHA-256 of every file, and no extra file); then reads each process's peak RSS (VmHWM from
/proc/PID/status, the kernel's high-water mark, which never goes down) right before stopping
it. Prints a markdown table and, per daemon, the growth of its peak RSS from the smallest to
the largest N. Exits 1 if a size did not converge (or a program died), 2 on bad usage.

--big-files S1,S2,...: instead of trees, for each size S (GiB) one new file of S GiB of seeded
pseudo-random (incompressible) bytes, written 1 MiB per write() into A's root while the daemons
run; waits until B's copy has the same SHA-256; prints the peak RSS of the sending (A) and
receiving (B) daemons per size. Such files belong on disk, not in RAM: the default --data is
then /tmp, and the free space there is checked first (about four copies of the largest file).

Data lives in a fresh directory under --data (default /dev/shm, else /var/tmp; /tmp for
--big-files), removed at the end unless --keep. See docs/bench-memory.md for the method and the
published figures.
"""
import argparse
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

FILES_PER_DIR = 100
DIRS_PER_LEVEL = 10  # d00/d00/f000: 10 x 10 directories of 100 files hold 10,000 files
WORDS = ("tessera block journal sync inode chunk delta blocklist metaserver device folder "
         "rename conflict trash cursor epoch namespace daemon upload download index").split()


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def read_status_kib(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def file_layout(n):
    """Relative paths of the n files: top/mid/leaf directories of FILES_PER_DIR files each."""
    paths = []
    for i in range(n):
        leaf = i // FILES_PER_DIR
        top, rest = divmod(leaf, DIRS_PER_LEVEL * DIRS_PER_LEVEL)
        mid, low = divmod(rest, DIRS_PER_LEVEL)
        paths.append(f"t{top:03d}/m{mid:02d}/l{low:02d}/file-{i % FILES_PER_DIR:03d}.txt")
    return paths


def content(rng, i):
    words = [rng.choice(WORDS) for _ in range(rng.randint(25, 80))]
    return (f"file {i}\n" + " ".join(words) + f"\n{rng.getrandbits(64):016x}\n").encode()


def write_tree(root, n, seed):
    """Writes the n files; returns {relative path: sha256 hex}."""
    rng = random.Random(seed)
    manifest = {}
    made = set()
    for i, rel in enumerate(file_layout(n)):
        parent = os.path.dirname(rel)
        if parent not in made:
            os.makedirs(os.path.join(root, parent), exist_ok=True)
            made.add(parent)
        data = content(rng, i)
        with open(os.path.join(root, rel), "wb") as f:
            f.write(data)
        manifest[rel] = hashlib.sha256(data).hexdigest()
    return manifest


def count_files(root):
    total = 0
    for _, _, files in os.walk(root):
        total += len(files)
    return total


def tree_manifest(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            try:
                with open(path, "rb") as f:
                    out[os.path.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
            except OSError:
                out[os.path.relpath(path, root)] = None
    return out


class Proc:
    """One program under test, its stderr in a log file."""

    def __init__(self, name, argv, log_path):
        self.name = name
        self.log_path = log_path
        self.log_file = open(log_path, "wb")
        self.popen = subprocess.Popen(argv, stdout=self.log_file, stderr=self.log_file,
                                      stdin=subprocess.DEVNULL)
        self.last_hwm_kib = None

    def alive(self):
        return self.popen.poll() is None

    def hwm_kib(self):
        v = read_status_kib(self.popen.pid, "VmHWM")
        if v is not None:
            self.last_hwm_kib = v
        return self.last_hwm_kib

    def wait_listening(self, timeout):
        """The URL the server printed ("listening on http://HOST:PORT")."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.log_path, "rb") as f:
                m = re.search(rb"listening on (http://[0-9.]+:[0-9]+)", f.read())
            if m:
                return m.group(1).decode()
            if not self.alive():
                break
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start listening (log: {self.log_path})")

    def stop(self):
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.log_file.close()


def status(bin_dir, state):
    try:
        out = subprocess.run([os.path.join(bin_dir, "tessera"), "status", "--state", state,
                              "--json"], capture_output=True, timeout=30, check=False)
        return json.loads(out.stdout)
    except (subprocess.TimeoutExpired, ValueError):
        return {}


def start_cluster(args, work, procs):
    """Starts the servers and daemons A and B (roots work/a and work/b) into `procs` and waits
    until both daemons say connected. RuntimeError if something does not come up."""
    for sub in ("a", "b", "sa", "sb", "meta", "blocks"):
        os.makedirs(os.path.join(work, sub))
    bin_dir = args.bin
    procs["blockserver"] = Proc("blockserver", [
        os.path.join(bin_dir, "tessera-blockserver"), "--listen", "127.0.0.1:0", "--data",
        os.path.join(work, "blocks")], os.path.join(work, "blockserver.log"))
    block_url = procs["blockserver"].wait_listening(30)
    procs["metaserver"] = Proc("metaserver", [
        os.path.join(bin_dir, "tessera-metaserver"), "--listen", "127.0.0.1:0", "--data",
        os.path.join(work, "meta"), "--blockserver", block_url],
        os.path.join(work, "metaserver.log"))
    meta_url = procs["metaserver"].wait_listening(30)
    for side in ("a", "b"):
        procs[f"daemon {side.upper()}"] = Proc(f"daemon {side.upper()}", [
            os.path.join(bin_dir, "tessera"), "daemon", "--root", os.path.join(work, side),
            "--state", os.path.join(work, "s" + side), "--metaserver", meta_url,
            "--blockserver", block_url, "--device", side.upper()],
            os.path.join(work, f"daemon-{side}.log"))
    deadline = time.monotonic() + 60
    while not all(status(bin_dir, os.path.join(work, s)).get("connected") for s in ("sa", "sb")):
        if time.monotonic() > deadline or not all(p.alive() for p in procs.values()):
            raise RuntimeError("the daemons did not connect (logs in " + work + ")")
        time.sleep(0.2)


def stop_cluster(args, work, procs, result):
    """Stops everything (daemons first); prints the log tails and keeps or removes `work`."""
    for name in ("daemon A", "daemon B", "metaserver", "blockserver"):
        if name in procs:
            procs[name].stop()
    if not result["converged"]:
        for name, p in procs.items():
            with open(p.log_path, "rb") as f:
                tail = f.read().decode(errors="replace").splitlines()[-5:]
            log(f"--- {name} ({p.log_path}), last lines:\n" + "\n".join(tail))
    if not args.keep and (result["converged"] or not args.keep_failed):
        shutil.rmtree(work, ignore_errors=True)


def check_alive(procs, work):
    dead = [name for name, p in procs.items() if not p.alive()]
    if dead:
        raise RuntimeError(", ".join(dead) + " exited (logs in " + work + ")")
    for p in procs.values():
        p.hwm_kib()


def run_size(args, n, base):
    work = os.path.join(base, f"n{n}")
    procs = {}
    result = {"files": n, "converged": False}
    try:
        start_cluster(args, work, procs)
        log(f"n={n}: writing {n} files into A")
        t0 = time.monotonic()
        manifest = write_tree(os.path.join(work, "a"), n, seed=n)
        result["write_s"] = time.monotonic() - t0
        log(f"n={n}: written in {result['write_s']:.1f} s; waiting for B")
        deadline = t0 + args.timeout
        b_root = os.path.join(work, "b")
        while time.monotonic() < deadline:
            check_alive(procs, work)
            # Counting is cheap; hashing every file only once the count matches.
            if count_files(b_root) == n and tree_manifest(b_root) == manifest:
                result["converged"] = True
                break
            time.sleep(0.5)
        result["converge_s"] = time.monotonic() - t0
        if not result["converged"]:
            log(f"n={n}: B did not match A within {args.timeout} s")
        # Right before stopping: the high-water marks of the whole run.
        for name, p in procs.items():
            result[name] = p.hwm_kib()
        for side in ("a", "b"):
            db = os.path.join(work, "s" + side, "index.db")
            result[f"index {side.upper()}"] = sum(
                os.path.getsize(db + ext) for ext in ("", "-wal", "-journal")
                if os.path.exists(db + ext))
    except RuntimeError as e:
        log(f"n={n}: {e}")
        result["error"] = str(e)
    finally:
        stop_cluster(args, work, procs, result)
    return result


BIG_WRITE_BYTES = 1 << 20  # one write() of the big file


def write_big_file(path, size, seed, on_progress):
    """Writes `size` bytes of seeded pseudo-random (incompressible) data to `path`, 1 MiB per
    write as a program copying a file in would, never holding more than one write's bytes;
    returns the SHA-256 hex of what was written."""
    rng = random.Random(seed)
    sha = hashlib.sha256()
    left = size
    with open(path, "wb") as f:
        while left > 0:
            chunk = rng.randbytes(min(BIG_WRITE_BYTES, left))
            f.write(chunk)
            sha.update(chunk)
            left -= len(chunk)
            if (size - left) % (256 << 20) == 0:
                on_progress()
    return sha.hexdigest()


def file_sha256(path):
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            chunk = f.read(4 << 20)
            if not chunk:
                return sha.hexdigest()
            sha.update(chunk)


def gib_label(gib):
    return f"{gib:g}"


def run_big(args, gib, base):
    """One new file of `gib` GiB written into A; waits until B has it with the same SHA-256."""
    size = int(gib * (1 << 30))
    work = os.path.join(base, f"big{gib_label(gib)}")
    procs = {}
    result = {"gib": gib, "bytes": size, "converged": False}
    name = "big.bin"
    try:
        start_cluster(args, work, procs)
        log(f"{gib_label(gib)} GiB: writing {name} into A")
        t0 = time.monotonic()
        digest = write_big_file(os.path.join(work, "a", name), size, seed=size,
                                on_progress=lambda: check_alive(procs, work))
        result["write_s"] = time.monotonic() - t0
        log(f"{gib_label(gib)} GiB: written in {result['write_s']:.1f} s; waiting for B")
        deadline = t0 + args.timeout
        target = os.path.join(work, "b", name)
        hashed_stat = None  # (size, mtime_ns) of B's file when last hashed
        while time.monotonic() < deadline:
            check_alive(procs, work)
            try:
                st = os.stat(target)
            except OSError:
                st = None
            # Hashing only once the size matches, and once per version of B's file.
            if st is not None and st.st_size == size and (st.st_size, st.st_mtime_ns,
                                                          st.st_ino) != hashed_stat:
                hashed_stat = (st.st_size, st.st_mtime_ns, st.st_ino)
                if file_sha256(target) == digest:
                    result["converged"] = True
                    break
            time.sleep(0.5)
        result["converge_s"] = time.monotonic() - t0
        if not result["converged"]:
            log(f"{gib_label(gib)} GiB: B did not have the file within {args.timeout} s")
        for pname, p in procs.items():
            result[pname] = p.hwm_kib()
    except RuntimeError as e:
        log(f"{gib_label(gib)} GiB: {e}")
        result["error"] = str(e)
    finally:
        stop_cluster(args, work, procs, result)
    return result


# Disk a big-file run needs, per byte of the file: A's copy, B's copy (its temp file renamed
# into place), the blockserver's copy (the data does not compress) and its log segments
# before compaction, plus slack.
BIG_DISK_FACTOR = 4
BIG_DISK_SLACK = 1 << 30


def mib(kib):
    return "n/a" if kib is None else f"{kib / 1024:.1f}"


def report(results):
    lines = ["| files | write s | converged after s | daemon A peak RSS MiB | daemon B peak RSS "
             "MiB | A index.db MiB | B index.db MiB | metaserver peak RSS MiB | blockserver "
             "peak RSS MiB |", "|" + "---|" * 9]
    for r in results:
        conv = f"{r['converge_s']:.1f}" if r.get("converged") else "did not converge"
        lines.append(
            f"| {r['files']:,} | {r.get('write_s', 0):.1f} | {conv} | {mib(r.get('daemon A'))} | "
            f"{mib(r.get('daemon B'))} | {r.get('index A', 0) / 2**20:.1f} | "
            f"{r.get('index B', 0) / 2**20:.1f} | {mib(r.get('metaserver'))} | "
            f"{mib(r.get('blockserver'))} |")
    ok = [r for r in results if r.get("converged")]
    if len(ok) >= 2:
        lo, hi = ok[0], ok[-1]
        thousands = (hi["files"] - lo["files"]) / 1000
        lines.append("")
        lines.append(f"Peak RSS growth from {lo['files']:,} to {hi['files']:,} files:")
        lines.append("")
        for name in ("daemon A", "daemon B", "metaserver", "blockserver"):
            if lo.get(name) is None or hi.get(name) is None:
                continue
            d = (hi[name] - lo[name]) / 1024
            lines.append(f"- {name}: {d:+.1f} MiB ({d * 1024 / thousands:+.1f} KiB per 1,000 "
                         f"files)")
    return "\n".join(lines)


def report_big(results):
    lines = ["| file GiB | write s | converged after s | MiB/s | daemon A (sender) peak RSS MiB | "
             "daemon B (receiver) peak RSS MiB | metaserver peak RSS MiB | blockserver peak RSS "
             "MiB |", "|" + "---|" * 8]
    for r in results:
        ok = r.get("converged")
        conv = f"{r['converge_s']:.1f}" if ok else "did not converge"
        rate = f"{r['bytes'] / 2**20 / r['converge_s']:.0f}" if ok else "n/a"
        lines.append(
            f"| {gib_label(r['gib'])} | {r.get('write_s', 0):.1f} | {conv} | {rate} | "
            f"{mib(r.get('daemon A'))} | {mib(r.get('daemon B'))} | {mib(r.get('metaserver'))} | "
            f"{mib(r.get('blockserver'))} |")
    return "\n".join(lines)


def parse_sizes(p, text, kind):
    conv = float if kind == "gib" else int
    try:
        sizes = [conv(x.replace("_", "")) for x in text.split(",")]
    except ValueError:
        if kind == "gib":
            p.error("--big-files takes sizes in GiB, e.g. --big-files 1,4,16 or 0.125,0.5")
        p.error("--files takes numbers, e.g. --files 10000,100000")
    if not sizes or any(n <= 0 for n in sizes):
        p.error(("--big-files" if kind == "gib" else "--files") + " takes positive numbers")
    return sorted(sizes)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--files", default=None,
                   help="comma-separated tree sizes (default 10000,100000)")
    p.add_argument("--big-files", nargs="?", const="", default=None, metavar="GIB,...",
                   help="instead of trees: one new file of each size in GiB (default 1,4,16; "
                   "with --quick 0.125,0.5)")
    p.add_argument("--quick", action="store_true",
                   help="sizes 2000,20000 (files) or 0.125,0.5 GiB (--big-files)")
    p.add_argument("--bin", default="build/bin", help="where the three programs are")
    p.add_argument("--data", default=None,
                   help="scratch directory (default /dev/shm; a disk temp dir for --big-files)")
    p.add_argument("--timeout", type=float, default=3600, help="seconds per size to converge")
    p.add_argument("--keep", action="store_true", help="keep the data directories")
    p.add_argument("--keep-failed", action="store_true",
                   help="keep the data of a size that did not converge")
    p.add_argument("--json", default=None, help="also write the results to this file")
    args = p.parse_args()
    big = args.big_files is not None
    if big and args.files is not None:
        p.error("--files and --big-files are two different benchmarks: pass one")
    if big:
        sizes = parse_sizes(p, args.big_files or ("0.125,0.5" if args.quick else "1,4,16"), "gib")
    else:
        sizes = parse_sizes(p, "2000,20000" if args.quick else (args.files or "10000,100000"),
                            "files")
    for prog in ("tessera", "tessera-metaserver", "tessera-blockserver"):
        if not os.access(os.path.join(args.bin, prog), os.X_OK):
            p.error(f"{os.path.join(args.bin, prog)} not found: build first, or pass --bin")
    args.bin = os.path.abspath(args.bin)
    if big:
        # /dev/shm is RAM: a file of several GiB, three times over, belongs on disk.
        parent = args.data or "/tmp"
        need = BIG_DISK_FACTOR * int(max(sizes) * (1 << 30)) + BIG_DISK_SLACK
        free = shutil.disk_usage(parent).free
        if free < need:
            log(f"not enough free space in {parent}: a {gib_label(max(sizes))} GiB file needs "
                f"about {need / 2**30:.1f} GiB there ({BIG_DISK_FACTOR} times the file: A's copy, B's, "
                f"the blockserver's and room for its logs, plus 1 GiB), and {free / 2**30:.1f} GiB are free. "
                f"Pass smaller --big-files sizes or --data DIR on a larger file system.")
            return 2
    else:
        parent = args.data or ("/dev/shm" if os.path.isdir("/dev/shm") else "/var/tmp")
    base = tempfile.mkdtemp(prefix="tessera-bench-memory-", dir=parent)
    results = []
    try:
        for n in sizes:
            if big:
                results.append(run_big(args, n, base))
                r = results[-1]
                log(f"{gib_label(n)} GiB: converged={r['converged']} after "
                    f"{r.get('converge_s', 0):.1f} s, peak RSS A (sender) "
                    f"{mib(r.get('daemon A'))} MiB, B (receiver) {mib(r.get('daemon B'))} MiB")
                continue
            results.append(run_size(args, n, base))
            r = results[-1]
            log(f"n={n}: converged={r['converged']} after {r.get('converge_s', 0):.1f} s, peak RSS "
                f"A {mib(r.get('daemon A'))} MiB, B {mib(r.get('daemon B'))} MiB")
    finally:
        if not args.keep and not os.listdir(base):
            os.rmdir(base)
        elif not args.keep:
            log(f"data of the failed sizes kept in {base}")
    print(report_big(results) if big else report(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0 if all(r.get("converged") for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
