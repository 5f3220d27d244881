"""The four workloads. Each one changes the sender's folder and the expected manifest.

A workload has an untimed prepare() (whose result is synced before measuring), a plan() that
does all slow work (reading, hashing new contents) before the clock starts, and apply(), the
change itself, done as fast as possible. Edits are written like an editor's safe save: the new
file goes to a staging directory on the same tmpfs and is renamed over the old one.
"""
import hashlib
import os
import subprocess

W2_PATH = "bench-w2/big.txt"
W3_FILES = 500
W3_TAG = b" /* edited by the Tessera sync benchmark (W3) */"  # lines of ~80 bytes, as in issue 4
W4_DIR = "include/uapi"
W4_NEW = "include/uapi-renamed"


def _sha(data):
    return hashlib.sha256(data).hexdigest()


def _edit_middle_line(data, tag):
    lines = data.split(b"\n")
    mid = len(lines) // 2
    if lines[mid] == b"" and mid > 0:
        mid -= 1
    lines[mid] = lines[mid] + tag
    return b"\n".join(lines), len(lines[mid]) + 1


class Workload:
    name = ""
    description = ""

    def prepare(self, ctx, expected):
        """Untimed setup; returns True if it changed the folder (then it is synced first)."""
        return False

    def plan(self, ctx, expected):
        pass

    def apply(self, ctx):
        pass

    def info(self):
        return {}


class W1InitialSync(Workload):
    name = "W1"
    description = "initial sync of a source tree"

    def plan(self, ctx, expected):
        self._manifest = ctx.data["w1_manifest"]
        files = [v for v in self._manifest.values() if v[0] == "f"]
        self._info = {"files": len(files), "bytes": sum(v[1] for v in files),
                      "symlinks": sum(1 for v in self._manifest.values() if v[0] == "l")}

    def apply(self, ctx):
        subprocess.run(["cp", "-a", ctx.data["w1_src"] + "/.", ctx.sender_root + "/"], check=True)

    def update(self, expected):
        expected.update(self._manifest)

    def info(self):
        return self._info


class W2OneLine(Workload):
    name = "W2"
    description = "one line changed in the middle of a 20 MiB text file"

    def prepare(self, ctx, expected):
        os.makedirs(os.path.join(ctx.sender_root, os.path.dirname(W2_PATH)), exist_ok=True)
        with open(ctx.data["w2_file"], "rb") as f:
            data = f.read()
        self._write(ctx, W2_PATH, data)
        expected[os.path.dirname(W2_PATH)] = ("d",)
        expected[W2_PATH] = ("f", len(data), _sha(data))
        return True

    def plan(self, ctx, expected):
        with open(os.path.join(ctx.sender_root, W2_PATH), "rb") as f:
            data = f.read()
        self._new, changed = _edit_middle_line(data, b" edited by the benchmark")
        self._info = {"file_bytes": len(data), "changed_line_bytes": changed}

    def apply(self, ctx):
        self._write(ctx, W2_PATH, self._new)

    def update(self, expected):
        expected[W2_PATH] = ("f", len(self._new), _sha(self._new))

    @staticmethod
    def _write(ctx, rel, data):
        tmp = os.path.join(ctx.staging, "w2.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, os.path.join(ctx.sender_root, rel))

    def info(self):
        return self._info


class W3ManyLines(Workload):
    name = "W3"
    description = f"one line changed in each of {W3_FILES} files"

    def plan(self, ctx, expected):
        candidates = sorted(r for r, v in expected.items()
                            if v[0] == "f" and r.endswith((".c", ".h")) and v[1] >= 512
                            and not r.startswith(W4_DIR + "/"))
        step = len(candidates) / W3_FILES
        chosen = [candidates[int(i * step)] for i in range(W3_FILES)]
        self._new, changed = {}, 0
        for r in chosen:
            with open(os.path.join(ctx.sender_root, r), "rb") as f:
                data = f.read()
            new, n = _edit_middle_line(data, W3_TAG)
            self._new[r] = new
            changed += n
        self._info = {"files": len(chosen), "changed_line_bytes": changed}

    def apply(self, ctx):
        for i, (r, data) in enumerate(self._new.items()):
            tmp = os.path.join(ctx.staging, f"w3-{i}.tmp")
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, os.path.join(ctx.sender_root, r))

    def update(self, expected):
        for r, data in self._new.items():
            expected[r] = ("f", len(data), _sha(data))

    def info(self):
        return self._info


class W4RenameDir(Workload):
    name = "W4"
    description = f"rename {W4_DIR} (~1,000 files)"

    def plan(self, ctx, expected):
        self._info = {"dir": W4_DIR, "files": sum(
            1 for r, v in expected.items() if r.startswith(W4_DIR + "/") and v[0] == "f")}

    def apply(self, ctx):
        os.rename(os.path.join(ctx.sender_root, W4_DIR), os.path.join(ctx.sender_root, W4_NEW))

    def update(self, expected):
        for r in [r for r in expected if r == W4_DIR or r.startswith(W4_DIR + "/")]:
            expected[W4_NEW + r[len(W4_DIR):]] = expected.pop(r)

    def info(self):
        return self._info


ALL = {"W1": W1InitialSync, "W2": W2OneLine, "W3": W3ManyLines, "W4": W4RenameDir}
