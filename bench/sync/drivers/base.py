"""What the harness needs from each system under test.

A driver starts its processes inside the benchmark's namespaces (sender in ts-a, receiver in
ts-b, servers in ts-srv), registers every long-lived process with the ProcessTracker under a
role name, and answers done_hint(): a cheap guess that the receiver has caught up, which the
harness then confirms by hashing the receiving folder (the hint only saves work; the hash check
is the truth). One driver instance is used for one run, from one thread.
"""
import os
import subprocess
import time

import netns


class Unavailable(Exception):
    """The system cannot run on this machine; the message says why."""


class NotConverged(Exception):
    """The receiver did not become identical to the sender (the message says how it differs)."""


class Env:
    def __init__(self, repo, workdir, sender_root, receiver_root, tracker, log):
        self.repo = repo
        self.workdir = workdir
        self.sender_root = sender_root
        self.receiver_root = receiver_root
        self.tracker = tracker
        self.log = log


class Driver:
    name = ""
    ignore = ()  # top-level names the system keeps in its folders; not compared
    poll_s = 0.1  # how often the harness asks done_hint()
    fallback_verify_s = 5.0  # hash-check this often even if the hint says "not yet"
    hint_exact = False  # True: once the hint says done, a differing folder is a failure

    def __init__(self, env):
        self.env = env
        self.procs = []  # Popen objects to stop

    @staticmethod
    def check_available(repo):
        """None if the system can run here, else the reason it cannot."""
        return None

    def version(self):
        return ""

    def start(self):
        raise NotImplementedError

    def on_change(self):
        """Called the moment the workload's change is in place (the clock has started)."""

    def done_hint(self):
        return True

    def extra_stats(self):
        """{role: {"peak_rss_kib", "cpu_s"}} for processes the tracker cannot follow."""
        return {}

    def spawn(self, machine, argv, log_name, env=None, stdout=None):
        logf = open(os.path.join(self.env.workdir, log_name), "ab")
        p = subprocess.Popen(netns.exec_prefix(machine) + argv, stdout=stdout or logf,
                             stderr=logf, env=env, start_new_session=True)
        logf.close()
        self.procs.append(p)
        return p

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        deadline = time.monotonic() + 10
        for p in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []


def wait_for(cond, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    last_err = None
    while time.monotonic() < deadline:
        try:
            if cond():
                return
        except Exception as e:  # noqa: BLE001 - any failure just means "not yet"
            last_err = e
        time.sleep(interval)
    raise Unavailable(f"timed out after {timeout:.0f} s waiting for {what}"
                      + (f" ({last_err})" if last_err else ""))
