#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the raw outputs of scripts/bench/guest.sh into results.

    report.py RUNDIR                 write RUNDIR/results.{md,csv}, ratios.png
    report.py --compare RUN1 RUN2    how far the ratios of two runs differ

RUNDIR holds one raw/<mode>/ folder per VM boot (mode "wall": real time,
"icount": QEMU -icount, where guest time counts guest instructions) and
meta.txt written by bench.sh. Every figure is a median over the rounds;
the spread is min..max. A ratio is vlo/anchor of the medians; its spread
is min..max of the ratios of the rounds (vlo and anchor of round i were
measured back to back).

The XDP cases (x*) compare variants of vlo with each other or with veth
(the "anchor" column names the denominator): vlo = program in driver mode
on vlob, vlogen = the same program in generic mode (xdpgeneric) on vlob,
veth = driver mode on a veth, vlonoxdp = no program, vlonogso = no program
and GSO/TSO off. Their rates are counted by the XDP program in its map
(xdp_pps of vlo_bench_gen), the TCP ones by iperf3; raw/<mode>/xdp.csv
holds, per measurement, the program's own count and vlob's XDP counters,
tabulated as a cross-check.
"""

import csv
import json
import os
import re
import statistics
import sys

# metric -> (case, title, unit, higher_is_better, anchor, target)
# target: ("min", x) = ratio must be >= x; ("max", x) = ratio <= x.
METRICS = [
    ("tcp1", "tcp1", "TCP bulk, 1 stream", "Gbit/s", True, "lo", ("min", 0.95)),
    ("tcp4", "tcp4", "TCP bulk, 4 streams", "Gbit/s", True, "lo", ("min", 0.95)),
    ("tcp_rr_p50", "tcp_rr", "TCP request/response p50", "us", False, "lo", ("max", 1.05)),
    ("tcp_rr_p99", "tcp_rr", "TCP request/response p99", "us", False, "lo", None),
    ("udp_rr_p50", "udp_rr", "UDP request/response p50", "us", False, "lo", ("max", 1.05)),
    ("udp_rr_p99", "udp_rr", "UDP request/response p99", "us", False, "lo", None),
    ("udp_rral_p50", "udp_rral", "UDP request/response p50, vlob accept_local=1", "us", False, "lo", None),
    ("udp64", "udp64", "UDP 64 B datagrams, unconnected receiver", "pkt/s", True, "lo", ("min", 0.95)),
    ("udp64c", "udp64c", "UDP 64 B datagrams, connected receiver", "pkt/s", True, "lo", None),
    ("udp64al", "udp64al", "UDP 64 B datagrams, unconnected, vlob accept_local=1", "pkt/s", True, "lo", None),
    ("raw64", "raw64", "AF_PACKET 64 B frames, vlo->itself vs veth->peer", "pkt/s", True, "veth", None),
    ("mtu1500", "mtu1500", "TCP 1 stream, MTU 1500", "Gbit/s", True, "lo", ("min", 0.95)),
    ("mtu9000", "mtu9000", "TCP 1 stream, MTU 9000", "Gbit/s", True, "lo", ("min", 0.95)),
    # XDP: numerator always the "vlo" variant (driver-mode program on vlob).
    ("xdrop_gen", "xdrop", "XDP_DROP, 64 B AF_PACKET frames: vlo driver mode vs generic",
     "pkt/s", True, "vlogen", ("min", 1.0)),
    ("xdrop_veth", "xdrop", "XDP_DROP, 64 B AF_PACKET frames: vlo driver mode vs veth driver mode",
     "pkt/s", True, "veth", None),
    ("xdropudp_gen", "xdropudp", "XDP_DROP, 64 B UDP via vlo-route: vlo driver mode vs generic",
     "pkt/s", True, "vlogen", ("min", 1.0)),
    ("xtgen", "xtgen", "XDP_DROP of 64 B XDP frames (live frames into ndo_xdp_xmit): vlo vs veth",
     "pkt/s", True, "veth", ("min", 1.0)),
    ("xpass1500", "xpass1500", "TCP 1 stream, MTU 1500: XDP_PASS program vs none",
     "Gbit/s", True, "vlonoxdp", ("min", 0.95)),
    ("xpass1500_gso", "xpass1500", "TCP 1 stream, MTU 1500: XDP_PASS program vs none, GSO/TSO off",
     "Gbit/s", True, "vlonogso", None),
    ("xpass65536", "xpass65536", "TCP 1 stream, MTU 65536: XDP_PASS xdp.frags program vs none",
     "Gbit/s", True, "vlonoxdp", ("min", 0.95)),
    ("xpass65536_gso", "xpass65536",
     "TCP 1 stream, MTU 65536: XDP_PASS xdp.frags program vs none, GSO/TSO off",
     "Gbit/s", True, "vlonogso", None),
]
XDP_CASES = ("xdrop", "xdropudp", "xtgen", "xpass1500", "xpass65536")
# What each XDP variant attaches (guest.sh run_xdp_case): ip's mode.
XDP_MODE_WANTED = {"vlo": "drv", "vlogen": "generic", "veth": "drv"}
MODES = [("wall", "wall clock (TCG)"), ("icount", "guest instructions (TCG -icount)")]


def read_kv(path):
    """KEY=VALUE pairs of vlo_bench_gen's output lines (all of them: with
    -x it prints the XDP program's count on a second line)."""
    kv = {}
    with open(path) as f:
        for line in f:
            toks = line.split()
            if toks and all("=" in t for t in toks):
                kv.update(t.split("=", 1) for t in toks)
    return kv if "pps" in kv or "xdp_pps" in kv else None


def sockperf_pct(path, pct):
    pat = re.compile(r"percentile %s\s*=\s*([0-9.]+)" % re.escape(pct))
    with open(path, errors="replace") as f:
        for line in f:
            m = pat.search(line)
            if m:
                return float(m.group(1))
    return None


def value_of(metric, case, path):
    """The figure of one measurement, or None if the run produced none."""
    if not os.path.exists(path):
        return None
    try:
        if case in ("xdrop", "xdropudp", "xtgen"):
            kv = read_kv(path)
            return float(kv["xdp_pps"]) if kv and "xdp_pps" in kv else None
        if metric in ("tcp1", "tcp4", "mtu1500", "mtu9000") or case.startswith("xpass"):
            with open(path) as f:
                d = json.load(f)
            return d["end"]["sum_received"]["bits_per_second"] / 1e9
        if metric.endswith("_p50"):
            return sockperf_pct(path, "50.000")
        if metric.endswith("_p99"):
            return sockperf_pct(path, "99.000")
        kv = read_kv(path)
        return float(kv["pps"]) if kv else None
    except (ValueError, KeyError, json.JSONDecodeError):
        return None


def cpu_fields(s):
    # user nice system idle iowait irq softirq steal ...
    return [int(x) for x in s.split()]


def load_runs(rawdir):
    """{(case, variant, round): {"rc":, "busy":, "softirq":, "dev_tx":, "lo_tx":}}"""
    runs = {}
    path = os.path.join(rawdir, "runs.csv")
    if not os.path.exists(path):
        return runs
    with open(path) as f:
        for row in csv.DictReader(f):
            a = cpu_fields(row["cpu_before"])
            b = cpu_fields(row["cpu_after"])
            d = [y - x for x, y in zip(a, b)]
            total = sum(d[:8]) or 1
            runs[(row["case"], row["variant"], int(row["round"]))] = {
                "rc": int(row["rc"]),
                "busy": 1 - (d[3] + d[4]) / total,
                "softirq": d[6] / total,
                "vlob_tx": int(row["vlob_tx_packets"]),
                "lo_tx": int(row["lo_tx_packets"]),
            }
    return runs


def load_xdp(rawdir):
    """{(case, variant, round): row of xdp.csv} (guest.sh run_xdp_case)."""
    out = {}
    path = os.path.join(rawdir, "xdp.csv")
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for row in csv.DictReader(f):
            out[(row["case"], row["variant"], int(row["round"]))] = row
    return out


def xdp_path_ok(case, v, run, xrow):
    """Did this XDP measurement go where its variant says? The program
    attached in the wanted mode counted frames; vlo variants crossed vlob
    (ndo_xdp_xmit frames do not count as vlob's TX: not for xtgen), veth
    ones did not."""
    if xrow is not None and xrow.get("mode"):
        if int(xrow["prog_packets"] or 0) <= 0:
            return False
        want = XDP_MODE_WANTED.get(v)
        if want and xrow.get("attached_mode") != want:
            return False
    if v.startswith("vlo") and case != "xtgen" and run["vlob_tx"] == 0:
        return False
    if not v.startswith("vlo") and run["vlob_tx"] != 0:
        return False
    return True


def spread(vals):
    return (min(vals), max(vals)) if vals else (None, None)


def analyse_mode(rawdir):
    runs = load_runs(rawdir)
    xdp = load_xdp(rawdir)
    rows = []
    for metric, case, title, unit, higher, anchor, target in METRICS:
        rounds = sorted({r for (c, v, r) in runs if c == case})
        if not rounds:
            continue
        vals = {"vlo": {}, anchor: {}}
        path_ok = True
        for r in rounds:
            for v in ("vlo", anchor):
                if (case, v, r) not in runs or runs[(case, v, r)]["rc"]:
                    continue
                x = value_of(metric, case, os.path.join(rawdir, "%s.%s.r%d.out" % (case, v, r)))
                if x is not None and x > 0:
                    vals[v][r] = x
                run = runs[(case, v, r)]
                if case in XDP_CASES:
                    if not xdp_path_ok(case, v, run, xdp.get((case, v, r))):
                        path_ok = False
                # The vlo variant must have crossed vlob, the anchor not.
                elif v == "vlo" and run["vlob_tx"] == 0:
                    path_ok = False
                elif v != "vlo" and run["vlob_tx"] != 0:
                    path_ok = False
        vv = list(vals["vlo"].values())
        av = list(vals[anchor].values())
        if not vv or not av:
            continue
        paired = [vals["vlo"][r] / vals[anchor][r] for r in rounds
                  if r in vals["vlo"] and r in vals[anchor]]
        ratio = statistics.median(vv) / statistics.median(av)
        verdict = ""
        if target:
            kind, x = target
            ok = ratio >= x if kind == "min" else ratio <= x
            verdict = "meets" if ok else "MISSES"
        busy = [runs[(case, "vlo", r)]["softirq"] for r in vals["vlo"]]
        abusy = [runs[(case, anchor, r)]["softirq"] for r in vals[anchor]]
        rows.append({
            "metric": metric, "title": title, "unit": unit,
            "better": "higher" if higher else "lower", "anchor": anchor,
            "n": min(len(vv), len(av)),
            "vlo_median": statistics.median(vv), "vlo_min": min(vv), "vlo_max": max(vv),
            "anchor_median": statistics.median(av), "anchor_min": min(av),
            "anchor_max": max(av),
            "ratio": ratio,
            "ratio_min": spread(paired)[0], "ratio_max": spread(paired)[1],
            "target": ("" if not target else
                       (">= %.2f" % target[1] if target[0] == "min" else "<= %.2f" % target[1])),
            "verdict": verdict,
            "path_ok": path_ok,
            "vlo_softirq": statistics.median(busy) if busy else 0,
            "anchor_softirq": statistics.median(abusy) if abusy else 0,
        })
    return rows


def analyse_scale(rawdir, ncpus):
    path = os.path.join(rawdir, "scale.csv")
    if not os.path.exists(path):
        return []
    data = {}
    with open(path) as f:
        rows_in = list(csv.DictReader(f))
    # Percpu counts populated pages of the per-CPU chunks, which the
    # allocator populates on demand and frees lazily in the background: a
    # round that starts after another one populated pages pays less. So
    # per-CPU memory is measured from one baseline per device count, the
    # lowest level seen before any round: the level after creating N
    # devices, minus that, over N.
    base = {}
    for row in rows_in:
        n = int(row["n"])
        base[n] = min(base.get(n, float("inf")), float(row["percpu0_kb"]))
    for row in rows_in:
        n = int(row["n"])
        k = row["kind"]
        g = lambda key: float(row[key])
        d = data.setdefault((n, k), {"create": [], "delete": [], "create2": [],
                                     "rmmod": [], "slab": [], "percpu": [],
                                     "memfree": [], "leak": []})
        d["create"].append(g("create_s") / n * 1e3)
        d["delete"].append(g("delete_s") / n * 1e3)
        d["create2"].append(g("create2_s") / n * 1e3)
        d["rmmod"].append(g("rmmod_s"))
        d["slab"].append((g("slab1_kb") - g("slab0_kb")) * 1024 / n)
        d["percpu"].append((g("percpu1_kb") - base[n]) * 1024 / n)
        d["memfree"].append((g("free0_kb") - g("free1_kb")) * 1024 / n)
        d["leak"].append((g("slab3_kb") - g("slab0_kb")) * 1024 / n)
    rows = []
    # vlo's per-CPU counters: six u64 (struct vlo_pcpu_stats), dummy's
    # pcpu_lstats two: the target allows vlo the difference per CPU.
    # They are not slab memory: Slab is held to dummy's plus that much.
    allowance = (48 - 16) * ncpus
    for n in sorted({n for (n, k) in data}):
        if (n, "vlo") not in data or (n, "dummy") not in data:
            continue
        v, d = data[(n, "vlo")], data[(n, "dummy")]
        specs = [
            ("vlo", "create", "create, per device (ip -batch)", "ms", ("max", 1.0)),
            ("vlo-noplugin", "create",
             "create, per device, iproute2 without link_vlo.so", "ms", None),
            ("vlo", "delete", "delete, per device (ip -batch)", "ms", ("max", 1.0)),
            ("vlo", "rmmod", "rmmod with all present", "s", None),
            ("vlo", "slab", "Slab per device", "B", ("mem", allowance)),
            # Page-granular, from the common baseline (above).
            ("vlo", "percpu", "Percpu per device (from the lowest level seen)", "B", None),
            # Coarse: pages parked on the per-CPU free lists do not count
            # as free, so small runs can show 0. Meaningful at 10,000.
            ("vlo", "memfree", "MemFree drop per device (coarse)", "B", None),
        ]
        for kind, key, title, unit, target in specs:
            if (n, kind) not in data:
                continue
            v = data[(n, kind)]
            vm, dm = statistics.median(v[key]), statistics.median(d[key])
            ratio = vm / dm if dm else float("nan")
            verdict, tgt = "", ""
            if target and target[0] == "max":
                tgt = "<= 1.00"
                # Deletion waits for RCU grace periods, which both kinds
                # wait for alike: a ratio within 1% of 1 is a tie.
                if ratio <= 1.0:
                    verdict = "meets"
                elif ratio <= 1.01:
                    verdict = "ties (within 1%)"
                else:
                    verdict = "MISSES"
            elif target:
                tgt = "<= dummy + %d B" % allowance
                verdict = "meets" if vm <= dm + allowance else "MISSES"
            rows.append({
                "metric": "scale%d_%s%s" % (n, key, "_noplugin" if kind != "vlo" else ""),
                "title": "%d devices: %s" % (n, title),
                "unit": unit, "better": "lower", "anchor": "dummy",
                "n": min(len(v[key]), len(d[key])),
                "vlo_median": vm, "vlo_min": min(v[key]), "vlo_max": max(v[key]),
                "anchor_median": dm, "anchor_min": min(d[key]), "anchor_max": max(d[key]),
                "ratio": ratio, "ratio_min": None, "ratio_max": None,
                "target": tgt, "verdict": verdict, "path_ok": True,
                "vlo_softirq": 0, "anchor_softirq": 0,
            })
        v = data[(n, "vlo")]
        rows.append({
            "metric": "scale%d_residue" % n,
            "title": "%d devices: Slab left after rmmod, per device" % n,
            "unit": "B", "better": "lower", "anchor": "dummy",
            "n": min(len(v["leak"]), len(d["leak"])),
            "vlo_median": statistics.median(v["leak"]), "vlo_min": min(v["leak"]),
            "vlo_max": max(v["leak"]),
            "anchor_median": statistics.median(d["leak"]), "anchor_min": min(d["leak"]),
            "anchor_max": max(d["leak"]), "ratio": float("nan"),
            "ratio_min": None, "ratio_max": None, "target": "", "verdict": "",
            "path_ok": True, "vlo_softirq": 0, "anchor_softirq": 0,
        })
    return rows


def profile_counts(rawdir):
    """fib_table_lookup and netif_rx counts per looped packet, per case."""
    out = []
    for case in ("udp64", "udp_rr", "tcp_rr", "tcp1"):
        line = {"case": case}
        for v in ("vlo", "lo"):
            p = os.path.join(rawdir, "prof.%s.%s.stat" % (case, v))
            if not os.path.exists(p):
                continue
            ev = {}
            with open(p) as f:
                for row in f:
                    parts = row.strip().split(",")
                    if len(parts) > 2 and parts[0].isdigit():
                        ev[parts[2]] = int(parts[0])
            pk = ev.get("net:netif_receive_skb", 0)
            if pk:
                line[v] = ev.get("fib:fib_table_lookup", 0) / pk
        if "vlo" in line and "lo" in line:
            out.append(line)
    return out


def xdp_summary(rawdir):
    """Per XDP case and variant, over the rounds: how the program was
    attached (or why not), what it counted, what vlob's own counters say,
    and vlob's GSO/TSO state while attached and after detaching."""
    xdp = load_xdp(rawdir)
    out = []
    keys = sorted({(c, v) for (c, v, r) in xdp},
                  key=lambda k: (XDP_CASES.index(k[0]) if k[0] in XDP_CASES else 99, k[1]))
    for case, v in keys:
        rs = [xdp[k] for k in sorted(xdp) if k[0] == case and k[1] == v]
        ok = [x for x in rs if x["attach_rc"] == "0"]
        num = lambda key: sum(int(x.get(key) or 0) for x in ok)
        drv = None
        if ok and ok[0]["mode"]:
            # vlob's own per-queue verdict counters against the program's
            # count: equal when the driver runs the program (driver mode
            # on vlob); zero when it does not (generic mode, veth).
            prog = num("prog_packets")
            key = "rxq_xdp_pass" if case.startswith("xpass") else "rxq_xdp_drop"
            drv = (num(key), prog)
        out.append({
            "case": case, "variant": v, "rounds": len(rs),
            "attach_failed": len(rs) - len(ok),
            "attach_msg": "; ".join(sorted({x["attach_msg"] for x in rs
                                            if x["attach_rc"] != "0" and x["attach_msg"]})),
            "mode": "/".join(sorted({x["mode"] for x in rs if x["mode"]})) or "none",
            "attached": "/".join(sorted({x["attached_mode"] for x in ok})) or "-",
            "prog_packets": num("prog_packets") if ok and ok[0]["mode"] else None,
            "drv": drv,
            "ring_full": num("rx_ring_full"), "xmit": num("tx_xdp_xmit"),
            "xmit_err": num("tx_xdp_xmit_errors"), "xdp_err": num("rxq_xdp_errors"),
            "aborted": num("rxq_xdp_aborted"), "backlog": num("rx_backlog_drops"),
            "off_on": "/".join(sorted({x["offloads_attached"] for x in ok})) or "-",
            "off_after": "/".join(sorted({x["offloads_after"] for x in rs})) or "-",
        })
    return out


def fmt(x, unit=""):
    if x is None:
        return "-"
    if isinstance(x, float) and x != x:
        return "-"
    if unit == "pkt/s":
        return "%.0f" % x
    if abs(x) >= 100:
        return "%.0f" % x
    if abs(x) >= 10:
        return "%.1f" % x
    return "%.3f" % x


def read_meta(rundir):
    meta = {}
    p = os.path.join(rundir, "meta.txt")
    if os.path.exists(p):
        with open(p) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    meta[k] = v
    return meta


def write_results(rundir):
    meta = read_meta(rundir)
    ncpus = int(meta.get("guest_cpus", "1") or 1)
    allrows = []
    sections = []
    for mode, mtitle in MODES:
        rawdir = os.path.join(rundir, "raw", mode)
        if not os.path.isdir(rawdir):
            continue
        rows = analyse_mode(rawdir) + analyse_scale(rawdir, ncpus)
        for r in rows:
            r["mode"] = mode
        allrows += rows
        sections.append((mode, mtitle, rows, profile_counts(rawdir), xdp_summary(rawdir)))

    fields = ["mode", "metric", "title", "unit", "better", "anchor", "n",
              "vlo_median", "vlo_min", "vlo_max", "anchor_median", "anchor_min",
              "anchor_max", "ratio", "ratio_min", "ratio_max", "target", "verdict",
              "path_ok", "vlo_softirq", "anchor_softirq"]
    with open(os.path.join(rundir, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for r in allrows:
            w.writerow({k: ("%.6g" % r[k] if isinstance(r[k], float) else r[k])
                        for k in fields})

    md = ["# vlo benchmark results", ""]
    for k in ("date", "mode", "commit", "vlo_ko_sha256", "host_cpu", "host_cpus",
              "host_mem_mb", "host_load_start", "host_load_end", "guest_kernel",
              "guest_cpus", "qemu", "wall_rounds", "wall_duration", "wall_scale",
              "icount_rounds", "icount_duration", "icount_scale", "icount",
              "elapsed_s"):
        if k in meta:
            md.append("- %s: %s" % (k, meta[k]))
    md.append("")
    md.append("Ratios are vlo/anchor of the medians; the spread in brackets is "
              "min..max of the per-round ratios (vlo and anchor measured back "
              "to back). Latency and per-device cost: lower is better, so the "
              "target is a maximum.")
    for mode, mtitle, rows, prof, xsum in sections:
        md += ["", "## %s" % mtitle, "",
               "| case | unit | vlo median [min..max] | anchor | anchor median [min..max] "
               "| ratio [round min..max] | target | |",
               "|---|---|---|---|---|---|---|---|"]
        for r in rows:
            rr = fmt(r["ratio"])
            if r["ratio_min"] is not None:
                rr += " [%s..%s]" % (fmt(r["ratio_min"]), fmt(r["ratio_max"]))
            note = r["verdict"] + ("" if r["path_ok"] else " (path check failed)")
            md.append("| %s | %s | %s [%s..%s] | %s | %s [%s..%s] | %s | %s | %s |" % (
                r["title"], r["unit"], fmt(r["vlo_median"], r["unit"]),
                fmt(r["vlo_min"], r["unit"]), fmt(r["vlo_max"], r["unit"]), r["anchor"],
                fmt(r["anchor_median"], r["unit"]), fmt(r["anchor_min"], r["unit"]),
                fmt(r["anchor_max"], r["unit"]), rr, r["target"], note))
        if prof:
            md += ["", "fib_table_lookup calls per received packet "
                   "(perf stat tracepoints, profile phase):", "",
                   "| case | vlo | lo |", "|---|---|---|"]
            for p in prof:
                md.append("| %s | %.2f | %.2f |" % (p["case"], p["vlo"], p["lo"]))
        if xsum:
            sender = ""
            ip = os.path.join(rundir, "raw", mode, "info.txt")
            if os.path.exists(ip):
                with open(ip) as f:
                    for line in f:
                        if line.startswith("xdp_sender="):
                            sender = line.split("=", 1)[1].strip()
            if sender:
                md += ["", "XDP frames for the xtgen case were sent by: %s "
                       "(BPF_PROG_RUN live frames redirected into the device's "
                       "ndo_xdp_xmit)." % sender]
            md += ["", "XDP cases: variants vlo = program in driver mode on vlob, "
                   "vlogen = generic mode on vlob, veth = driver mode on the veth "
                   "(vbrx), vlonoxdp = no program, vlonogso = no program, GSO/TSO "
                   "off. Per case and variant, summed over the rounds: the "
                   "program's own count (its map), vlob's counters (ethtool -S "
                   "deltas while attached: rxN_xdp_drop or rxN_xdp_pass summed "
                   "over queues, rx_ring_full, tx_xdp_xmit, tx_xdp_xmit_errors, "
                   "rxN_xdp_errors), vlob's GSO/TSO while attached and after.", "",
                   "| case | variant | attach | ip shows | program count | vlob verdict count "
                   "| ring full | xdp_xmit / errors | xdp errors | offloads attached "
                   "| offloads after |",
                   "|---|---|---|---|---|---|---|---|---|---|---|"]
            for x in xsum:
                att = x["mode"]
                if x["attach_failed"]:
                    att += " (refused %d/%d: %s)" % (x["attach_failed"], x["rounds"],
                                                    x["attach_msg"] or "?")
                drv = "-"
                if x["drv"] is not None:
                    d, p = x["drv"]
                    drv = "%d (%s)" % (d, "= program" if d == p else
                                       ("driver does not run it" if d == 0 else
                                        "differs by %+d" % (d - p)))
                md.append("| %s | %s | %s | %s | %s | %s | %d | %d / %d | %d | %s | %s |" % (
                    x["case"], x["variant"], att, x["attached"],
                    "-" if x["prog_packets"] is None else "%d" % x["prog_packets"],
                    drv, x["ring_full"], x["xmit"], x["xmit_err"], x["xdp_err"],
                    x["off_on"], x["off_after"]))
    with open(os.path.join(rundir, "results.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    plot(rundir, allrows)
    return allrows


def plot(rundir, rows):
    """Forest plot of the ratios: one dot per metric and clock mode, the
    whisker spans the per-round ratios, log scale so that 0.5 and 2 are
    as far from parity."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report.py: python3-matplotlib missing: no ratios.png", file=sys.stderr)
        return
    metrics = []
    for r in rows:
        if r["metric"] not in metrics and r["ratio"] == r["ratio"] and r["ratio"] > 0:
            metrics.append(r["metric"])
    modes = [m for m, _ in MODES if any(r["mode"] == m for r in rows)]
    if not metrics:
        return
    titles = {}
    for r in rows:
        t = "%s (%s better)" % (r["title"], r["better"])
        if r["target"]:
            t += ", target %s" % r["target"]
        titles[r["metric"]] = t
    fig, ax = plt.subplots(figsize=(11, 0.32 * len(metrics) * len(modes) + 1.8))
    h = 0.8 / len(modes)
    style = {"wall": ("#4c72b0", "o"), "icount": ("#dd8452", "s")}
    for i, mode in enumerate(modes):
        ys, xs, lo, hi = [], [], [], []
        for j, m in enumerate(metrics):
            r = next((r for r in rows if r["mode"] == mode and r["metric"] == m), None)
            if not r:
                continue
            ys.append(j + i * h)
            xs.append(r["ratio"])
            mn = r["ratio_min"] if r["ratio_min"] is not None else r["ratio"]
            mx = r["ratio_max"] if r["ratio_max"] is not None else r["ratio"]
            lo.append(max(0, r["ratio"] - mn))
            hi.append(max(0, mx - r["ratio"]))
        color, marker = style.get(mode, ("grey", "o"))
        ax.errorbar(xs, ys, xerr=[lo, hi], fmt=marker, color=color, label=mode,
                    capsize=2, markersize=5, linewidth=1)
    ax.set_xscale("log", base=2)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.axvspan(0.95, 1.05, color="green", alpha=0.12, label="0.95..1.05")
    ax.set_yticks([j + h * (len(modes) - 1) / 2 for j in range(len(metrics))])
    ax.set_yticklabels([titles[m] for m in metrics], fontsize=7)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%.2g"))
    ax.set_xlabel("vlo / anchor, log scale (lo; veth for raw frames; dummy for scale;"
                  " XDP variants: results.md)")
    ax.set_title("vlo vs anchor: median ratio; whiskers: per-round min..max")
    ax.grid(axis="x", which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(rundir, "ratios.png"), dpi=110)


def compare(run1, run2):
    def load(run):
        with open(os.path.join(run, "results.csv")) as f:
            return {(r["mode"], r["metric"]): r for r in csv.DictReader(f)}
    a, b = load(run1), load(run2)
    print("| mode | metric | ratio run 1 | ratio run 2 | difference |")
    print("|---|---|---|---|---|")
    for key in a:
        if key not in b:
            continue
        try:
            x, y = float(a[key]["ratio"]), float(b[key]["ratio"])
        except ValueError:
            continue
        if x != x or y != y:
            continue
        print("| %s | %s | %.3f | %.3f | %+.1f%% |" % (key[0], key[1], x, y,
                                                     (y - x) / x * 100))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--compare":
        compare(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    write_results(sys.argv[1])


if __name__ == "__main__":
    main()
