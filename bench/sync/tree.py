"""Benchmark data and byte-identity checks.

Data (cached in CACHE, built once per machine):
  linux-6.1/       W1's tree: a fixed list of top-level parts of Debian's linux-source-6.1
  w2-big.txt       W2's 20 MiB text file, generated from a fixed seed
A manifest maps a relative path to ("f", size, sha256) | ("l", link target) | ("d",).

Verifier walks the receiving folder and compares it with the expected manifest; it keeps each
file's hash keyed by (inode, size, mtime_ns, ctime_ns), so a repeated check only rehashes what
changed since the last one. Not thread safe: one Verifier per folder, used by one thread.
"""
import hashlib
import json
import os
import random
import shutil
import subprocess

CACHE = os.environ.get("TESSERA_BENCH_CACHE", "/var/tmp/tessera-bench-cache")
LINUX_TARBALL = "/usr/src/linux-source-6.1.tar.xz"

# W1: 19,674 files + 16 symlinks, 202.9 MB of content; include/uapi (909 files) is W4's dir.
W1_PARTS = ["fs", "sound", "include", "net", "kernel", "mm", "lib", "block", "crypto",
            "security", "scripts", "init", "ipc", "Documentation/devicetree"]
# --quick: a ~2,300-file subset of the same tree (still holds include/uapi for W4).
QUICK_PARTS = ["kernel", "mm", "lib", "block", "include/uapi"]
W2_SIZE = 20 * 1024 * 1024
W2_SEED = 20240604


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def manifest_of(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            r = name if rel == "." else rel + "/" + name
            st = os.lstat(p)
            if os.path.islink(p):
                out[r] = ("l", os.readlink(p))
            elif os.path.isdir(p):
                out[r] = ("d",)
            else:
                out[r] = ("f", st.st_size, sha256_file(p))
    return out


def _extract_linux(log):
    dest = os.path.join(CACHE, "linux-6.1")
    if os.path.isdir(dest):
        return dest
    if not os.path.exists(LINUX_TARBALL):
        raise RuntimeError(f"{LINUX_TARBALL} missing (install linux-source-6.1: scripts/deps --bench)")
    tmp = dest + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    log(f"extracting {len(W1_PARTS)} parts of {LINUX_TARBALL} into {dest} (once, ~1 min)")
    subprocess.run(["tar", "-xJf", LINUX_TARBALL, "--strip-components=1", "-C", tmp] +
                   ["linux-source-6.1/" + p for p in W1_PARTS], check=True)
    os.rename(tmp, dest)
    return dest


def _make_w2(log):
    dest = os.path.join(CACHE, "w2-big.txt")
    if os.path.exists(dest):
        return dest
    log("generating W2's 20 MiB text file (seeded)")
    rng = random.Random(W2_SEED)
    words = ["sync", "block", "journal", "namespace", "chunk", "delta", "commit", "cursor",
             "server", "daemon", "tessera", "hash", "line", "file", "folder", "change",
             "rename", "upload", "download", "batch", "queue", "state", "index", "watch"]
    parts, size, n = [], 0, 0
    while size < W2_SIZE:
        n += 1
        line = f"{n:08d} " + " ".join(rng.choice(words) for _ in range(rng.randint(4, 12))) + "\n"
        parts.append(line)
        size += len(line)
    data = "".join(parts).encode()[:W2_SIZE]
    data = data[:data.rindex(b"\n") + 1]
    with open(dest + ".tmp", "wb") as f:
        f.write(data)
    os.rename(dest + ".tmp", dest)
    return dest


def prepare_data(quick, log):
    """Returns dict with the W1 source dir, its manifest, and W2's file; builds what's missing."""
    os.makedirs(CACHE, exist_ok=True)
    linux = _extract_linux(log)
    name = "quick" if quick else "full"
    src = linux
    if quick:
        src = os.path.join(CACHE, "linux-6.1-quick")
        if not os.path.isdir(src):
            tmp = src + ".tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            for part in QUICK_PARTS:
                os.makedirs(os.path.dirname(os.path.join(tmp, part)), exist_ok=True)
                subprocess.run(["cp", "-a", os.path.join(linux, part), os.path.join(tmp, part)],
                               check=True)
            os.rename(tmp, src)
    mpath = os.path.join(CACHE, f"manifest-{name}.json")
    if os.path.exists(mpath):
        with open(mpath) as f:
            manifest = {k: tuple(v) for k, v in json.load(f).items()}
    else:
        log(f"hashing the {name} W1 tree once")
        manifest = manifest_of(src)
        with open(mpath + ".tmp", "w") as f:
            json.dump(manifest, f)
        os.rename(mpath + ".tmp", mpath)
    return {"w1_src": src, "w1_manifest": manifest, "w2_file": _make_w2(log)}


class Verifier:
    def __init__(self, root, ignore=()):
        self.root = root
        self.ignore = set(ignore)  # top-level names a system keeps in its folder (e.g. .stfolder)
        self._cache = {}  # rel -> (key, sha)
        self.stale_dirs = 0  # extra empty directories seen by the last successful matches()

    def _scan(self):
        found = {}
        stack = [("", self.root)]
        while stack:
            rel, path = stack.pop()
            try:
                it = os.scandir(path)
            except OSError:
                continue
            with it:
                for e in it:
                    r = e.name if not rel else rel + "/" + e.name
                    if not rel and e.name in self.ignore:
                        continue
                    try:
                        st = e.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if e.is_symlink():
                        try:
                            found[r] = ("l", os.readlink(e.path), None)
                        except OSError:
                            pass
                    elif e.is_dir(follow_symlinks=False):
                        found[r] = ("d", None, None)
                        stack.append((r, e.path))
                    else:
                        found[r] = ("f", st.st_size,
                                    (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
        return found

    def matches(self, expected):
        """(True, "") when the folder holds exactly `expected`, else (False, first difference).

        Extra directories that hold nothing but directories are tolerated (they hold no bytes)
        and counted in self.stale_dirs, which the report shows next to the result."""
        found = self._scan()
        missing = [r for r in expected if r not in found]
        if missing:
            return False, f"{len(found)} entries, want {len(expected)}; e.g. missing {missing[0]}"
        extra = sorted(r for r in found if r not in expected)
        self.stale_dirs = 0
        if extra:
            extra_nondir = [r for r in extra if found[r][0] != "d"]
            if extra_nondir:
                return False, (f"{len(found)} entries, want {len(expected)}; "
                               f"e.g. extra {extra_nondir[0]}")
            self.stale_dirs = len(extra)
        for r, exp in expected.items():
            got = found[r]
            if got[0] != exp[0]:
                return False, f"type of {r}"
            if exp[0] == "l" and got[1] != exp[1]:
                return False, f"link {r}"
            if exp[0] == "f" and got[1] != exp[1]:
                return False, f"size of {r}"
        for r, exp in expected.items():
            if exp[0] != "f":
                continue
            key = found[r][2]
            cached = self._cache.get(r)
            if cached and cached[0] == key:
                sha = cached[1]
            else:
                try:
                    sha = sha256_file(os.path.join(self.root, r))
                except OSError:
                    return False, f"unreadable {r}"
                self._cache[r] = (key, sha)
            if sha != exp[2]:
                return False, f"content of {r}"
        return True, ""
