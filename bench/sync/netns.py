"""Network topology for the sync benchmark: one namespace per machine, joined by a bridge.

Namespaces (all created here, all removed on exit and at start if left over):
  ts-hub  holds bridge br0 and one veth port per machine (p-a, p-b, p-srv); no addresses.
  ts-a    sender desktop,   eth0 = 10.231.0.1/24
  ts-b    receiver desktop, eth0 = 10.231.0.2/24
  ts-srv  Tessera's servers, eth0 = 10.231.0.3/24

Wire bytes are read from the hub's port counters: every frame a machine sends enters the bridge
once through its port, so the sum of rx_bytes over the ports counts each frame on the wire once,
in both directions (Ethernet + IP + TCP headers included, no preamble/FCS). Segmentation offloads
are turned off on every eth0 so the counters see MTU-sized frames, as a physical wire would.

Threads: everything here runs subprocesses; NetnsThread runs callables on a thread that has
joined a namespace (network namespaces are per thread), for HTTP calls to loopback-only GUIs.
"""
import concurrent.futures
import ctypes
import json
import os
import signal
import subprocess
import time

HUB = "ts-hub"
MACHINES = {"a": "10.231.0.1", "b": "10.231.0.2", "srv": "10.231.0.3"}
PREFIX = 24


def ns_name(machine):
    return "ts-" + machine


def _ip(*args, check=True):
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


def _ns_sh(ns, script):
    subprocess.run(["ip", "netns", "exec", ns, "sh", "-c", script], check=True,
                   capture_output=True, text=True)


def teardown():
    """Removes the namespaces, first stopping any process a killed earlier run left in them."""
    existing = _ip("netns", "list", check=False).stdout.split()
    ours = [ns for ns in [HUB] + [ns_name(m) for m in MACHINES] if ns in existing]
    pids = []
    for ns in ours:
        pids += [int(p) for p in _ip("netns", "pids", ns, check=False).stdout.split()]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = []
        for pid in pids:
            try:
                os.kill(pid, sig)
                alive.append(pid)
            except ProcessLookupError:
                pass
        if not alive:
            break
        time.sleep(1)
        pids = [p for p in alive if os.path.exists(f"/proc/{p}")]
    for ns in ours:
        _ip("netns", "del", ns, check=False)


def _disable_offloads(ns, dev):
    """Makes the kernel hand the veth MTU-sized frames (what a real wire carries)."""
    # gso_max_segs 1 stops TCP from building TSO/GSO super-frames; GRO is off on veth by default.
    _ip("-n", ns, "link", "set", "dev", dev, "gso_max_segs", "1", check=False)
    _ip("-n", ns, "link", "set", "dev", dev, "gso_max_size", "1514", check=False)
    if subprocess.run(["sh", "-c", "command -v ethtool"], capture_output=True).returncode == 0:
        subprocess.run(["ip", "netns", "exec", ns, "ethtool", "-K", dev, "tso", "off", "gso",
                        "off", "gro", "off"], capture_output=True)


def setup():
    teardown()
    _ip("netns", "add", HUB)
    _ns_sh(HUB, "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6;"
                " echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6")
    _ip("-n", HUB, "link", "add", "br0", "type", "bridge")
    _ip("-n", HUB, "link", "set", "br0", "up")
    for m, addr in MACHINES.items():
        ns = ns_name(m)
        _ip("netns", "add", ns)
        _ns_sh(ns, "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6;"
                   " echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6")
        _ip("-n", HUB, "link", "add", "p-" + m, "type", "veth", "peer", "name", "eth0",
            "netns", ns)
        _ip("-n", HUB, "link", "set", "p-" + m, "master", "br0", "up")
        _ip("-n", ns, "addr", "add", f"{addr}/{PREFIX}", "dev", "eth0")
        _ip("-n", ns, "link", "set", "lo", "up")
        _ip("-n", ns, "link", "set", "eth0", "up")
        _disable_offloads(ns, "eth0")
        _disable_offloads(HUB, "p-" + m)


def counters():
    """Returns {machine: bytes that machine put on the wire} (frames in through its hub port)."""
    out = _ip("-j", "-s", "-n", HUB, "link", "show").stdout
    result = {}
    for link in json.loads(out):
        name = link.get("ifname", "")
        if name.startswith("p-"):
            result[name[2:]] = int(link["stats64"]["rx"]["bytes"])
    return result


def exec_prefix(machine):
    return ["ip", "netns", "exec", ns_name(machine)]


_CLONE_NEWNET = 0x40000000


class NetnsThread:
    """Runs callables on one worker thread that lives in a network namespace."""

    def __init__(self, machine):
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, initializer=self._join, initargs=(ns_name(machine),))

    @staticmethod
    def _join(ns):
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
        try:
            if libc.setns(fd, _CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), f"setns({ns}) failed")
        finally:
            os.close(fd)

    def call(self, fn, *args, timeout=30):
        return self._pool.submit(fn, *args).result(timeout=timeout)

    def close(self):
        self._pool.shutdown(wait=False)
