"""Syncthing: one instance in the sender's namespace, one in the receiver's, sharing folder
"bench" (send-receive both ways, the default). Discovery (global and local), relays, NAT
traversal, usage and crash reporting and upgrades are off; each listens on tcp://<its address>
:22000 and knows the other's address. The folder watcher runs with fsWatcherDelayS=1 (the
minimum). setLowPriority is off so Syncthing gets the same CPU priority as the other systems.
The REST API (GUI on 127.0.0.1:8384 inside each namespace) gives the done hint."""
import copy
import json
import os
import re
import shutil
import subprocess
import urllib.request
import xml.etree.ElementTree as ET

import netns
from drivers.base import Driver, Unavailable, wait_for

FOLDER = "bench"
GUI = "127.0.0.1:8384"


def _set(parent, tag, value):
    el = parent.find(tag)
    if el is None:
        el = ET.SubElement(parent, tag)
    el.text = str(value)


class SyncthingDriver(Driver):
    name = "syncthing"
    ignore = (".stfolder", ".stignore", ".stversions")

    @staticmethod
    def check_available(repo):
        if not shutil.which("syncthing"):
            return "syncthing is not installed (scripts/deps --bench)"
        return None

    def version(self):
        return subprocess.run(["syncthing", "serve", "--version"], capture_output=True,
                              text=True).stdout.strip()

    def _generate(self, m):
        home = os.path.join(self.env.workdir, "st-" + m)
        out = subprocess.run(["syncthing", "generate", f"--home={home}", "--no-default-folder",
                              "--skip-port-probing"], capture_output=True, text=True, check=True)
        match = re.search(r"Device ID: ([A-Z0-9-]+)", out.stdout + out.stderr)
        if not match:
            raise Unavailable("syncthing generate printed no device ID")
        return home, match.group(1)

    def _configure(self, m, home, ids, apikey):
        path = os.path.join(home, "config.xml")
        tree = ET.parse(path)
        root = tree.getroot()
        own = root.find("device")
        template_folder = root.find("defaults/folder")
        for el in root.findall("device") + root.findall("folder"):
            root.remove(el)
        devices = []
        for other, dev_id in ids.items():
            d = copy.deepcopy(own)
            d.set("id", dev_id)
            d.set("name", "ts-" + other)
            d.find("address").text = (f"tcp://{netns.MACHINES[other]}:22000"
                                      if other != m else "dynamic")
            devices.append(d)
        folder = copy.deepcopy(template_folder)
        folder.set("id", FOLDER)
        folder.set("label", FOLDER)
        folder.set("path", self.env.sender_root if m == "a" else self.env.receiver_root)
        folder.set("fsWatcherEnabled", "true")
        folder.set("fsWatcherDelayS", "1")
        for el in folder.findall("device"):
            folder.remove(el)
        for dev_id in ids.values():
            fd = ET.SubElement(folder, "device", {"id": dev_id, "introducedBy": ""})
            ET.SubElement(fd, "encryptionPassword")
        index = list(root).index(root.find("gui"))
        for i, el in enumerate([folder] + devices):
            root.insert(index + i, el)
        gui = root.find("gui")
        gui.set("enabled", "true")
        gui.set("tls", "false")
        _set(gui, "address", GUI)
        _set(gui, "apikey", apikey)
        opts = root.find("options")
        for tag, value in [
                ("listenAddress", f"tcp://{netns.MACHINES[m]}:22000"),
                ("globalAnnounceEnabled", "false"), ("localAnnounceEnabled", "false"),
                ("relaysEnabled", "false"), ("natEnabled", "false"), ("urAccepted", "-1"),
                ("urSeen", "3"), ("crashReportingEnabled", "false"),
                ("autoUpgradeIntervalH", "0"), ("startBrowser", "false"),
                ("announceLANAddresses", "false"), ("setLowPriority", "false")]:
            _set(opts, tag, value)
        tree.write(path)

    def _rest(self, m, path):
        def get():
            req = urllib.request.Request(f"http://{GUI}{path}",
                                         headers={"X-API-Key": self._apikey})
            with urllib.request.urlopen(req, timeout=5) as r:
                return json.load(r)
        return self._threads[m].call(get)

    def start(self):
        e = self.env
        self._apikey = "tessera-bench-" + os.urandom(8).hex()
        homes, ids = {}, {}
        for m in ("a", "b"):
            homes[m], ids[m] = self._generate(m)
        self._ids = ids
        for m in ("a", "b"):
            root = e.sender_root if m == "a" else e.receiver_root
            os.makedirs(os.path.join(root, ".stfolder"), exist_ok=True)
            self._configure(m, homes[m], ids, self._apikey)
        env = dict(os.environ, STNORESTART="1", STNOUPGRADE="1", STNODEFAULTFOLDER="1")
        self._threads = {m: netns.NetnsThread(m) for m in ("a", "b")}
        for m, role in (("a", "sender"), ("b", "receiver")):
            p = self.spawn(m, ["syncthing", "serve", f"--home={homes[m]}", "--no-browser",
                               "--no-restart", "--no-upgrade",
                               f"--logfile={homes[m]}/syncthing.log"], f"syncthing-{m}.out",
                           env=env)
            e.tracker.add(role, p.pid)

        def connected():
            c = self._rest("a", "/rest/system/connections")["connections"]
            return c.get(ids["b"], {}).get("connected", False)
        wait_for(connected, 60, "the two Syncthing instances to connect")

        def idle():
            return all(self._rest(m, f"/rest/db/status?folder={FOLDER}")["state"] == "idle"
                       for m in ("a", "b"))
        wait_for(idle, 60, "both Syncthing folders to be idle")

    def done_hint(self):
        a = self._rest("a", f"/rest/db/status?folder={FOLDER}")
        if a["state"] != "idle":
            return False
        b = self._rest("b", f"/rest/db/status?folder={FOLDER}")
        if b["state"] != "idle" or b["needTotalItems"] != 0:
            return False
        c = self._rest("a", f"/rest/db/completion?folder={FOLDER}&device={self._ids['b']}")
        return c.get("completion", 0) >= 100 and c.get("needBytes", 1) == 0

    def stop(self):
        super().stop()
        for t in getattr(self, "_threads", {}).values():
            t.close()
