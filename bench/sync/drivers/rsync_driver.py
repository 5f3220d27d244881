"""rsync: a daemon (module "bench") in the receiver's namespace; after each change the sender
runs `rsync -a --delete` (no -z) to it, under GNU time for its peak RSS and CPU seconds."""
import os
import shutil
import socket
import subprocess

import netns
from drivers.base import Driver, NotConverged, wait_for

PORT = 873


class RsyncDriver(Driver):
    name = "rsync"
    poll_s = 0.02
    fallback_verify_s = None  # the hint (client exited) is exact
    hint_exact = True

    @staticmethod
    def check_available(repo):
        if not shutil.which("rsync"):
            return "rsync is not installed (scripts/deps --bench)"
        return None

    def version(self):
        out = subprocess.run(["rsync", "--version"], capture_output=True, text=True).stdout
        return out.splitlines()[0] if out else ""

    def start(self):
        e = self.env
        conf = os.path.join(e.workdir, "rsyncd.conf")
        with open(conf, "w") as f:
            f.write(f"use chroot = no\nmunge symlinks = no\nuid = root\ngid = root\n"
                    f"max connections = 4\n"
                    f"[bench]\npath = {e.receiver_root}\nread only = no\n")
        daemon = self.spawn("b", ["rsync", "--daemon", "--no-detach", f"--config={conf}",
                                  f"--address={netns.MACHINES['b']}", f"--port={PORT}"],
                            "rsyncd.log")
        e.tracker.add("daemon (receiver)", daemon.pid)
        probe = netns.NetnsThread("a")
        try:
            def connects():
                return probe.call(lambda: socket.create_connection(
                    (netns.MACHINES["b"], PORT), timeout=1).close() is None)
            wait_for(connects, 15, "the rsync daemon")
        finally:
            probe.close()
        self._client = None
        self._client_stats = {}

    def on_change(self):
        e = self.env
        # GNU time reports the client's own peak RSS and CPU (wait4() on a child forked from
        # this Python process would report Python's pre-exec RSS as the client's peak).
        self._time_out = os.path.join(e.workdir, "rsync-client.time")
        argv = netns.exec_prefix("a") + [
            "/usr/bin/time", "-f", "%M %U %S", "-o", self._time_out,
            "rsync", "-a", "--delete", e.sender_root + "/",
            f"rsync://{netns.MACHINES['b']}:{PORT}/bench/"]
        self._log = open(os.path.join(e.workdir, "rsync-client.log"), "ab")
        self._client = subprocess.Popen(argv, stdout=self._log, stderr=self._log)
        self._client_stats = {}

    def done_hint(self):
        if self._client is None:
            return True
        code = self._client.poll()
        if code is None:
            return False
        self._log.close()
        with open(self._time_out) as f:
            fields = f.read().split()[-3:]
        self._client_stats = {"client (sender)": {
            "peak_rss_kib": int(fields[0]), "cpu_s": float(fields[1]) + float(fields[2])}}
        self._client = None
        if code != 0:
            raise NotConverged(f"rsync client exited {code} (see rsync-client.log)")
        return True

    def extra_stats(self):
        return dict(self._client_stats)
