#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Live view of a running dwork process, in the spirit of the kernel's
tools/workqueue/wq_monitor.py: every interval, per workqueue, per worker pool,
per port and per napi lcore, the rates since the previous sample.

It reads DPDK telemetry (/dwork/wq/*, /dwork/pool/*, /dwork/port/*,
/dwork/lcore/*) over the process's telemetry socket. Standard library only.

  devtools/dw-monitor.py --file-prefix NAME [-i SECONDS] [-n COUNT]
  devtools/dw-monitor.py --socket PATH ...
"""

import argparse
import json
import os
import socket
import sys
import time


def default_socket(prefix):
    """Where EAL puts the telemetry socket of --file-prefix=prefix."""
    if os.geteuid() == 0:
        base = "/var/run/dpdk"
    else:
        base = os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")
    return os.path.join(base, prefix, "dpdk_telemetry.v2")


class Telemetry:
    """One connection; DPDK answers one JSON object per command."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.connect(path)
        greeting = json.loads(self.sock.recv(16384).decode())
        self.max_len = int(greeting.get("max_output_len", 16384))

    def query(self, cmd):
        self.sock.send(cmd.encode())
        reply = json.loads(self.sock.recv(self.max_len).decode())
        return reply.get(cmd.split(",")[0])

    def close(self):
        self.sock.close()


# Section of the view -> (list command, info command): one info call per listed key.
SECTIONS = {
    "wq": ("/dwork/wq/list", "/dwork/wq/info"),
    "pool": ("/dwork/pool/list", "/dwork/pool/info"),
    "port": ("/dwork/port/list", "/dwork/port/info"),
    "lcore": ("/dwork/lcore/list", "/dwork/lcore/info"),
}


def sample(tel):
    """Everything the view needs, as {section: {key: dict of counters}}."""
    snap = {"t": time.monotonic()}
    for section, (list_cmd, info_cmd) in SECTIONS.items():
        snap[section] = {}
        for key in tel.query(list_cmd) or []:
            info = tel.query("%s,%s" % (info_cmd, key))
            if isinstance(info, dict):
                snap[section][key] = info
    return snap


def rate(cur, prev, key, dt):
    """Per-second rate of counter key; the total when there is no previous sample."""
    now = cur.get(key, 0)
    if prev is None:
        return now
    return max(0, now - prev.get(key, 0)) / dt if dt > 0 else 0


def show(snap, prev, out):
    dt = snap["t"] - prev["t"] if prev else 0
    unit = "/s" if prev else ""
    out.write(time.strftime("%H:%M:%S") + ("" if prev else "  (totals since start)") + "\n")

    out.write("%-24s %10s %10s %10s %10s %8s %8s\n" % (
        "workqueue", "queued" + unit, "started", "completed", "cancelled", "pending", "running"))
    for name, w in sorted(snap["wq"].items()):
        p = prev["wq"].get(name) if prev else None
        out.write("%-24s %10.0f %10.0f %10.0f %10.0f %8d %8d\n" % (
            name[:24], rate(w, p, "queued", dt), rate(w, p, "started", dt),
            rate(w, p, "completed", dt), rate(w, p, "cancelled", dt),
            w.get("pending", 0), w.get("running", 0)))

    out.write("%-12s %6s %8s %5s %5s %8s %10s %10s\n" % (
        "pool", "node", "kind", "wrk", "idle", "running", "started", "cm_wakeups"))
    for pid, pl in sorted(snap["pool"].items(), key=lambda kv: int(kv[0])):
        p = prev["pool"].get(pid) if prev else None
        out.write("%-12s %6s %8s %5d %5d %8d %10.0f %10.0f\n" % (
            "pool %s" % pid, pl.get("node", "?"), str(pl.get("kind", "?"))[:8],
            pl.get("workers", 0), pl.get("idle", 0), pl.get("running", 0),
            rate(pl, p, "started", dt), rate(pl, p, "cm_wakeups", dt)))

    if snap["port"]:
        out.write("%-24s %12s %12s %10s\n" % ("port", "rx pkts" + unit, "tx pkts", "missed"))
    for port, pt in sorted(snap["port"].items(), key=lambda kv: int(kv[0])):
        p = prev["port"].get(port) if prev else None
        out.write("%-24s %12.0f %12.0f %10.0f\n" % (
            ("%s %s" % (port, pt.get("name", "")))[:24], rate(pt, p, "ipackets", dt),
            rate(pt, p, "opackets", dt), rate(pt, p, "imissed", dt)))

    if snap["lcore"]:
        out.write("%-8s %-10s %6s %6s %10s %8s %8s %8s %8s\n" % (
            "lcore", "mode", "busy%", "sleep%", "parks" + unit, "rx", "doorbell", "timer",
            "timeout"))
    for lc, info in sorted(snap["lcore"].items(), key=lambda kv: int(kv[0])):
        p = prev["lcore"].get(lc) if prev else None
        busy, sleep = info.get("busy_ns", 0), info.get("sleep_ns", 0)
        total = busy + info.get("poll_ns", 0) + sleep
        if p is not None:
            busy -= p.get("busy_ns", 0)
            sleep -= p.get("sleep_ns", 0)
            total -= p.get("busy_ns", 0) + p.get("poll_ns", 0) + p.get("sleep_ns", 0)
        out.write("%-8s %-10s %6.1f %6.1f %10.0f %8.0f %8.0f %8.0f %8.0f\n" % (
            lc, str(info.get("mode", "?"))[:10], 100.0 * busy / total if total else 0,
            100.0 * sleep / total if total else 0, rate(info, p, "parks", dt),
            rate(info, p, "wake_rx", dt), rate(info, p, "wake_doorbell", dt),
            rate(info, p, "wake_timer", dt), rate(info, p, "wake_timeout", dt)))
    out.write("\n")
    out.flush()


def main():
    ap = argparse.ArgumentParser(description="Per-workqueue and per-lcore rates of a running "
                                 "dwork process, from DPDK telemetry.")
    ap.add_argument("--file-prefix", default="rte", help="EAL --file-prefix of the process")
    ap.add_argument("--socket", help="telemetry socket path (overrides --file-prefix)")
    ap.add_argument("-i", "--interval", type=float, default=1.0, help="seconds between samples")
    ap.add_argument("-n", "--count", type=int, default=0, help="samples to print (0: until ^C)")
    args = ap.parse_args()
    if args.interval <= 0:
        ap.error("--interval must be positive")

    path = args.socket or default_socket(args.file_prefix)
    try:
        tel = Telemetry(path)
    except OSError as e:
        print("dw-monitor: cannot connect to %s: %s" % (path, e.strerror or e), file=sys.stderr)
        return 1
    prev = None
    shown = 0
    try:
        while args.count == 0 or shown < args.count:
            snap = sample(tel)
            show(snap, prev, sys.stdout)
            prev = snap
            shown += 1
            if args.count == 0 or shown < args.count:
                time.sleep(args.interval)
    except KeyboardInterrupt:
        pass
    except (OSError, ValueError) as e:
        print("dw-monitor: telemetry: %s" % e, file=sys.stderr)
        return 1
    finally:
        tel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
