"""Tessera: blockserver and metaserver in ts-srv (10.231.0.3), one daemon in the sender's
namespace and one in the receiver's, both on namespace "bench". The done hint comes from
`tessera status --json` of both daemons: nothing left to upload on the sender, nothing left to
fetch on the receiver, and the receiver's journal cursor at or past the sender's."""
import json
import os
import select
import subprocess
import threading
import time

import netns
from drivers.base import Driver, Unavailable, wait_for

META_PORT = 8610
BLOCK_PORT = 8611
BINARIES = ("tessera", "tessera-metaserver", "tessera-blockserver")


def bin_dir(repo):
    """build/bin, or $TESSERA_BENCH_BIN (set by --tessera-bin) for binaries built elsewhere."""
    return os.environ.get("TESSERA_BENCH_BIN") or os.path.join(repo, "build", "bin")


def _bin(repo, name):
    return os.path.join(bin_dir(repo), name)


class TesseraDriver(Driver):
    name = "tessera"
    # The folder marker each daemon keeps in its root (daemon/scanner/scanner.h kFolderMarker).
    ignore = (".tessera-folder",)

    @staticmethod
    def check_available(repo):
        missing = [b for b in BINARIES if not os.access(_bin(repo, b), os.X_OK)]
        if missing:
            return f"{os.path.relpath(_bin(repo, missing[0]), repo)} was not built"
        return None

    def version(self):
        return "build/bin/tessera"

    def _serve(self, name, argv, role):
        p = self.spawn("srv", argv, f"{name}.log", stdout=subprocess.PIPE)
        self.env.tracker.add(role, p.pid)
        deadline = time.monotonic() + 20
        buf = b""
        while time.monotonic() < deadline:
            if p.poll() is not None:
                raise Unavailable(f"{name} exited with {p.returncode} at start "
                                  f"(see {self.env.workdir}/{name}.log)")
            r, _, _ = select.select([p.stdout], [], [], 0.2)
            if r:
                chunk = os.read(p.stdout.fileno(), 4096)
                buf += chunk
                if b"listening on" in buf:
                    threading.Thread(target=self._drain, args=(p.stdout, name),
                                     daemon=True).start()
                    return
        raise Unavailable(f"{name} did not print 'listening on' within 20 s")

    def _drain(self, pipe, name):
        with open(os.path.join(self.env.workdir, f"{name}.stdout"), "ab") as f:
            for line in pipe:
                f.write(line)

    def _status(self, m):
        out = subprocess.run([_bin(self.env.repo, "tessera"), "status", "--state",
                              self._state[m], "--json"], capture_output=True, text=True,
                             timeout=10)
        if out.returncode != 0:
            raise RuntimeError(f"tessera status exited {out.returncode}: {out.stderr.strip()}")
        return json.loads(out.stdout)

    def start(self):
        e, repo, srv = self.env, self.env.repo, netns.MACHINES["srv"]
        for d in ("blocks", "meta", "state-a", "state-b"):
            os.makedirs(os.path.join(e.workdir, d), exist_ok=True)
        block_url, meta_url = f"http://{srv}:{BLOCK_PORT}", f"http://{srv}:{META_PORT}"
        self._serve("blockserver", [_bin(repo, "tessera-blockserver"), "--listen",
                                    f"{srv}:{BLOCK_PORT}", "--data",
                                    os.path.join(e.workdir, "blocks")], "blockserver")
        self._serve("metaserver", [_bin(repo, "tessera-metaserver"), "--listen",
                                   f"{srv}:{META_PORT}", "--data",
                                   os.path.join(e.workdir, "meta"), "--blockserver", block_url],
                    "metaserver")
        self._state = {}
        for m, role, root in (("a", "daemon (sender)", e.sender_root),
                              ("b", "daemon (receiver)", e.receiver_root)):
            self._state[m] = os.path.join(e.workdir, "state-" + m)
            p = self.spawn(m, [_bin(repo, "tessera"), "daemon", "--root", root, "--state",
                               self._state[m], "--metaserver", meta_url, "--blockserver",
                               block_url, "--namespace", "bench", "--device", "desk-" + m],
                           f"daemon-{m}.log")
            e.tracker.add(role, p.pid)

        def connected():
            for p in self.procs:
                if p.poll() is not None:
                    raise Unavailable(f"a Tessera process exited with {p.returncode} "
                                      f"(logs in {e.workdir})")
            return all(self._status(m).get("connected") for m in ("a", "b"))
        try:
            wait_for(connected, 30, "both daemons to report connected")
        except Unavailable as err:
            last = ""
            try:
                last = self._status("a").get("last_error", "")
            except Exception:  # noqa: BLE001
                pass
            raise Unavailable(f"{err}{'; last_error: ' + last if last else ''}")

    def done_hint(self):
        a = self._status("a")
        if a.get("upload_pending_files", 1) != 0:
            return False
        b = self._status("b")
        return (b.get("download_pending_files", 1) == 0 and
                b.get("cursor", 0) >= a.get("cursor", 0))
