"""Peak RSS and CPU seconds of the processes under test, read from /proc.

ProcessTracker follows named root processes ("roles") and everything they fork. A background
thread samples /proc every 0.2 s so short-lived children (rsync's daemon forks one receiver per
connection) have their VmHWM recorded before they exit. A role's peak RSS is the largest VmHWM
of any process in its tree (Syncthing runs a small monitor process above the real one). A role's
CPU time is the sum over the live processes of its tree of utime+stime+cutime+cstime: a child's
time moves into its parent's cutime when reaped, so the sum never loses an exited child.
Thread safety: the sampler thread and the caller share state under one lock.
"""
import os
import threading

_TICK = os.sysconf("SC_CLK_TCK")


def read_stat(pid):
    """(ppid, cpu seconds incl. reaped children) of pid, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()
    ppid = int(fields[1])
    cpu = sum(int(x) for x in fields[11:15]) / _TICK  # utime stime cutime cstime
    return ppid, cpu


def read_hwm_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _children(pid):
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    kids.extend(int(x) for x in f.read().split())
            except OSError:
                pass
    except OSError:
        pass
    return kids


class ProcessTracker:
    def __init__(self, interval=0.2):
        self._lock = threading.Lock()
        self._roots = {}  # role -> pid
        self._peak = {}  # role -> max VmHWM KiB seen since last reset
        self._cpu0 = {}  # role -> cpu seconds at last reset
        self._stop = threading.Event()
        self._interval = interval
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def add(self, role, pid):
        with self._lock:
            self._roots[role] = pid
            self._peak[role] = 0
            self._cpu0[role] = self._tree_cpu(pid) or 0.0

    def remove_all(self):
        with self._lock:
            self._roots.clear()
            self._peak.clear()
            self._cpu0.clear()

    @staticmethod
    def _tree(pid):
        stack, seen = [pid], []
        while stack:
            p = stack.pop()
            if p in seen:
                continue
            seen.append(p)
            stack.extend(_children(p))
        return seen

    def _tree_cpu(self, pid):
        """CPU seconds of pid's tree, or None if pid is gone."""
        total = None
        for p in self._tree(pid):
            st = read_stat(p)
            if st is not None:
                total = (total or 0.0) + st[1]
        return total

    def _sample_role(self, role, pid):
        stack, seen, peak = [pid], set(), self._peak.get(role, 0)
        while stack:
            p = stack.pop()
            if p in seen:
                continue
            seen.add(p)
            hwm = read_hwm_kib(p)
            if hwm is not None:
                peak = max(peak, hwm)
            stack.extend(_children(p))
        self._peak[role] = peak

    def sample(self):
        with self._lock:
            for role, pid in self._roots.items():
                self._sample_role(role, pid)

    def _run(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self._interval)

    def reset(self):
        """Starts a new measurement window (CPU counted from now; peak RSS keeps each
        process's own high-water mark, which the kernel never lowers)."""
        with self._lock:
            for role, pid in self._roots.items():
                self._cpu0[role] = self._tree_cpu(pid) or 0.0
                self._peak[role] = 0
                self._sample_role(role, pid)

    def snapshot(self):
        """{role: {"peak_rss_kib", "cpu_s"}} for the window since reset()."""
        self.sample()
        out = {}
        with self._lock:
            for role, pid in self._roots.items():
                now = self._tree_cpu(pid)
                cpu = (now - self._cpu0[role]) if now is not None else None
                out[role] = {"peak_rss_kib": self._peak.get(role), "cpu_s": cpu}
        return out

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
