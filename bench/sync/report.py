"""Renders results as markdown: one row per (workload, system) with medians over the runs, then
where each Tessera target of issue 4 stands. Pure functions; no I/O."""
import statistics

# Issue 4's targets. W1 compares with rsync measured in the same benchmark run when there is one,
# else with the reference figures for rsync.
RSYNC_REFERENCE = {"W1": {"seconds": 4.4, "wire_bytes": 212 * 2**20}}
TARGETS = {
    "W1": "<= 1.3x rsync's seconds, <= 60% of rsync's wire bytes",
    "W2": "<= 4 KiB on the wire, other side updated within 1 s",
    "W3": "<= 256 KiB on the wire",
    "W4": "<= 64 KiB on the wire",
    "RSS": "peak RSS of a daemon <= 64 MiB",
}
SYSTEM_NAMES = {"tessera": "Tessera", "rsync": "rsync", "syncthing": "Syncthing"}


def fmt_bytes(n):
    if n is None:
        return "—"
    if n < 1024:
        return f"{n:.0f} B"
    if n < 2**20:
        return f"{n / 1024:.1f} KiB"
    return f"{n / 2**20:.1f} MiB"


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(results, system, workload):
    rows = [r for r in results if r["system"] == system and r["workload"] == workload]
    ok = [r for r in rows if "error" not in r]
    if not ok:
        return {"runs": 0, "errors": [r["error"] for r in rows]}
    roles = []
    for r in ok:
        for role in r["procs"]:
            if role not in roles:
                roles.append(role)
    procs = {role: {
        "peak_rss_kib": _median([r["procs"].get(role, {}).get("peak_rss_kib") for r in ok]),
        "cpu_s": _median([r["procs"].get(role, {}).get("cpu_s") for r in ok])} for role in roles}
    return {"runs": len(ok), "errors": [r["error"] for r in rows if "error" in r],
            "seconds": _median([r["seconds"] for r in ok]),
            "wire_bytes": _median([r["wire_bytes"] for r in ok]),
            "procs": procs, "info": ok[0].get("info", {}),
            "stale_empty_dirs": max(r.get("stale_empty_dirs", 0) for r in ok)}


def _verdict(met, text):
    return ("met" if met else "**not met**") + f": {text}"


def tessera_targets(results, workloads):
    """{workload or "RSS": verdict string} for Tessera."""
    out = {}
    t = {w: summarize(results, "tessera", w) for w in workloads}
    r = {w: summarize(results, "rsync", w) for w in workloads}
    for w in workloads:
        s = t[w]
        if not s["runs"]:
            out[w] = "not measured" + (f" ({s['errors'][0]})" if s["errors"] else "")
            continue
        sec, wire = s["seconds"], s["wire_bytes"]
        if w == "W1":
            ref, src = r[w], "rsync in this run"
            if not ref["runs"]:
                ref, src = RSYNC_REFERENCE["W1"], "rsync's reference figures"
            lim_s, lim_b = 1.3 * ref["seconds"], 0.6 * ref["wire_bytes"]
            out[w] = _verdict(sec <= lim_s and wire <= lim_b,
                              f"{sec:.2f} s vs <= {lim_s:.2f} s, {fmt_bytes(wire)} vs "
                              f"<= {fmt_bytes(lim_b)} ({src})")
        elif w == "W2":
            out[w] = _verdict(wire <= 4096 and sec <= 1.0,
                              f"{fmt_bytes(wire)} vs <= 4 KiB, {sec:.2f} s vs <= 1 s")
        elif w == "W3":
            out[w] = _verdict(wire <= 256 * 1024, f"{fmt_bytes(wire)} vs <= 256 KiB")
        elif w == "W4":
            out[w] = _verdict(wire <= 64 * 1024, f"{fmt_bytes(wire)} vs <= 64 KiB")
    peaks = [p["peak_rss_kib"] for w in workloads if t[w]["runs"]
             for role, p in t[w]["procs"].items() if role.startswith("daemon")
             and p["peak_rss_kib"] is not None]
    if peaks:
        peak = max(peaks) * 1024
        out["RSS"] = _verdict(peak <= 64 * 2**20, f"{fmt_bytes(peak)} vs <= 64 MiB")
    else:
        out["RSS"] = "not measured"
    return out


def _procs_cell(procs, key):
    parts = []
    for role, p in procs.items():
        v = p.get(key)
        if v is None:
            parts.append(f"{role} ?")
        elif key == "peak_rss_kib":
            parts.append(f"{role} {fmt_bytes(v * 1024)}")
        else:
            parts.append(f"{role} {v:.2f}")
    return "; ".join(parts) or "—"


def render(meta, results, systems, workloads):
    lines = []
    runs = meta["runs"]
    lines.append(f"Medians of {runs} run{'s' if runs != 1 else ''}"
                 f"{' (--quick: small W1 tree)' if meta['quick'] else ''}; "
                 f"wire = all frames both ways on the veth links, headers included.")
    lines.append("")
    lines.append("| workload | system | seconds | wire | peak RSS | CPU seconds | Tessera target |")
    lines.append("|---|---|---|---|---|---|---|")
    verdicts = tessera_targets(results, workloads) if "tessera" in systems else {}
    for w in workloads:
        for s in systems:
            name = SYSTEM_NAMES.get(s, s)
            target = verdicts.get(w, "") if s == "tessera" else ""
            if s in meta["unavailable"] and not any(r["system"] == s for r in results):
                lines.append(f"| {w} | {name} | not available ({meta['unavailable'][s]}) "
                             f"| | | | {'not measured' if s == 'tessera' else ''} |")
                continue
            sm = summarize(results, s, w)
            if not sm["runs"]:
                err = sm["errors"][0] if sm["errors"] else meta["unavailable"].get(s, "no run")
                lines.append(f"| {w} | {name} | failed ({err}) | | | | {target} |")
                continue
            note = f" ({sm['runs']}/{runs} ok)" if sm["runs"] != runs else ""
            if sm["stale_empty_dirs"]:
                note += f" (left {sm['stale_empty_dirs']} stale empty dirs)"
            lines.append(f"| {w} | {name} | {sm['seconds']:.2f}{note} | "
                         f"{fmt_bytes(sm['wire_bytes'])} | {_procs_cell(sm['procs'], 'peak_rss_kib')}"
                         f" | {_procs_cell(sm['procs'], 'cpu_s')} | {target} |")
    if "tessera" in systems:
        lines.append("")
        lines.append("| Tessera target | where it stands |")
        lines.append("|---|---|")
        for w in workloads + ["RSS"]:
            lines.append(f"| {w}: {TARGETS[w]} | {verdicts.get(w, 'not measured')} |")
    info = []
    for w in workloads:
        for s in systems:
            sm = summarize(results, s, w)
            if sm["runs"] and sm["info"]:
                info.append(f"{w}: " + ", ".join(f"{k} {v}" for k, v in sm["info"].items()))
                break
    lines.append("")
    lines.extend(f"- {i}" for i in info)
    for s in systems:
        if s in meta["unavailable"] and any(r["system"] == s for r in results):
            lines.append(f"- {SYSTEM_NAMES.get(s, s)}: {meta['unavailable'][s]}")
    la = meta["machine"]
    lines.append(f"- machine: {la['cpus']} CPUs, kernel {la['kernel']}, load average "
                 f"{la['loadavg_before'][0]:.1f} before / {la['loadavg_after'][0]:.1f} after")
    return "\n".join(lines)
