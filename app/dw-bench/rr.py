#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""UDP request/response pair for devtools/rr-bench.sh (python3 stdlib only).

  rr.py echo --port P --seconds S
      answer every datagram on UDP port P with the same bytes, for S seconds.
  rr.py client --dst IP --port P --rate R --count N [--seconds S] [--label TEXT]
      send N requests (or as many as S seconds allow) paced at R per second,
      one outstanding at a time; print
      one CSV row: label,sent,received,lost,rate_achieved,p50_us,p99_us,max_us

  rr.py summary --csv rr.csv
      medians over repetitions per forwarder, mode and rate: writes rr.dat
      beside the CSV (one gnuplot block per forwarder/mode) and prints a
      markdown table with p99 against dpdk-testpmd's in the same run.

Every loop is bounded (a deadline or a count); sockets time out.
"""
import argparse
import socket
import struct
import sys
import time

REQ = struct.Struct("!QQ")  # sequence number, client send time (ns)
TIMEOUT_S = 0.2


def echo(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", args.port))
    s.settimeout(0.5)
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        try:
            data, peer = s.recvfrom(2048)
        except socket.timeout:
            continue
        s.sendto(data, peer)
    return 0


def percentile(sorted_v, q):
    if not sorted_v:
        return float("nan")
    i = min(len(sorted_v) - 1, max(0, int(round(q * (len(sorted_v) - 1)))))
    return sorted_v[i]


def client(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((args.dst, args.port))
    s.settimeout(TIMEOUT_S)
    gap_ns = int(1e9 / args.rate)
    pad = b"\0" * max(0, args.size - REQ.size)
    # Warm the path (ARP is static; this fills caches and wakes nothing up
    # for long): a few untimed requests, each may be lost.
    for i in range(3):
        try:
            s.send(REQ.pack(1 << 62 | i, 0) + pad)
            s.recv(2048)
        except (socket.timeout, ConnectionRefusedError):
            pass
    rtts = []
    lost = 0
    sent = 0
    start = time.monotonic_ns()
    stop = start + int(args.seconds * 1e9)
    nxt = start
    for seq in range(args.count):
        if time.monotonic_ns() >= stop:
            break  # a slow path: what was sent in the time allowed counts
        sent += 1
        now = time.monotonic_ns()
        if nxt > now:
            time.sleep((nxt - now) / 1e9)
        nxt += gap_ns
        t0 = time.monotonic_ns()
        try:
            s.send(REQ.pack(seq, t0) + pad)
            while True:  # bounded by the socket timeout per recv
                data = s.recv(2048)
                t1 = time.monotonic_ns()
                got, _ = REQ.unpack_from(data)
                if got == seq:
                    rtts.append((t1 - t0) / 1000.0)
                    break
                if t1 - t0 > TIMEOUT_S * 1e9:
                    raise socket.timeout
        except (socket.timeout, ConnectionRefusedError):
            lost += 1
        if nxt < time.monotonic_ns() - 100 * gap_ns:
            nxt = time.monotonic_ns()  # fell far behind (losses): do not burst
    secs = (time.monotonic_ns() - start) / 1e9
    rtts.sort()
    print("%s,%d,%d,%d,%.1f,%.1f,%.1f,%.1f" % (
        args.label, sent, len(rtts), lost, sent / secs if secs > 0 else 0.0,
        percentile(rtts, 0.50), percentile(rtts, 0.99), rtts[-1] if rtts else float("nan")))
    return 0


SERIES = [("dw-testpmd", "poll"), ("dw-testpmd", "interrupt"), ("dw-testpmd", "adaptive"),
          ("dpdk-testpmd", "poll"), ("linux-bridge", "kernel")]
COLS = ("p50_us", "p99_us", "max_us", "fwd_cpu_pct", "lost", "rate_achieved")


def median(v):
    v = sorted(x for x in v if x == x)  # drop nan
    if not v:
        return float("nan")
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def summary(args):
    import csv
    import os
    rows = list(csv.DictReader(open(args.csv)))
    med = {}
    for fwd, mode in SERIES:
        for rate in sorted({int(r["rate"]) for r in rows}):
            sel = [r for r in rows if r["forwarder"] == fwd and r["mode"] == mode and int(r["rate"]) == rate]
            if sel:
                med[(fwd, mode, rate)] = {c: median([float(r[c]) for r in sel]) for c in COLS}
                med[(fwd, mode, rate)]["reps"] = len(sel)
    dat = os.path.join(os.path.dirname(os.path.abspath(args.csv)), "rr.dat")
    with open(dat, "w") as f:
        for fwd, mode in SERIES:
            f.write("# %s %s: rate p50 p99 max cpu\n" % (fwd, mode))
            for (a, b, rate), m in sorted(med.items(), key=lambda kv: kv[0][2]):
                if (a, b) == (fwd, mode):
                    f.write("%d %.1f %.1f %.1f %s\n" % (rate, m["p50_us"], m["p99_us"], m["max_us"],
                                                       "nan" if m["fwd_cpu_pct"] != m["fwd_cpu_pct"]
                                                       else "%.1f" % m["fwd_cpu_pct"]))
            f.write("\n\n")
    print("| forwarder | mode | req/s | p50 us | p99 us | max us | p99 / dpdk-testpmd p99 "
          "| p50 / dw poll p50 | forwarder CPU % | lost |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for (fwd, mode, rate), m in sorted(med.items(), key=lambda kv: (kv[0][2], SERIES.index(kv[0][:2]))):
        ref = med.get(("dpdk-testpmd", "poll", rate))
        poll = med.get(("dw-testpmd", "poll", rate))
        r99 = "%.2f" % (m["p99_us"] / ref["p99_us"]) if ref and ref["p99_us"] > 0 else "-"
        r50 = "%.2f" % (m["p50_us"] / poll["p50_us"]) if poll and poll["p50_us"] > 0 else "-"
        cpu = "-" if m["fwd_cpu_pct"] != m["fwd_cpu_pct"] else "%.1f" % m["fwd_cpu_pct"]
        print("| %s | %s | %d | %.0f | %.0f | %.0f | %s | %s | %s | %d |" % (
            fwd, mode, rate, m["p50_us"], m["p99_us"], m["max_us"], r99, r50, cpu, m["lost"]))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("echo")
    e.add_argument("--port", type=int, default=7777)
    e.add_argument("--seconds", type=float, default=60.0)
    c = sub.add_parser("client")
    c.add_argument("--dst", required=True)
    c.add_argument("--port", type=int, default=7777)
    c.add_argument("--rate", type=float, required=True)
    c.add_argument("--count", type=int, required=True)
    c.add_argument("--size", type=int, default=64)
    c.add_argument("--seconds", type=float, default=30.0, help="stop sending after this long")
    c.add_argument("--label", default="rr")
    m = sub.add_parser("summary")
    m.add_argument("--csv", required=True)
    a = p.parse_args()
    if a.cmd == "summary":
        return summary(a)
    if a.cmd == "echo":
        if a.seconds <= 0 or a.seconds > 3600:
            p.error("--seconds must be in (0, 3600]")
        return echo(a)
    if a.rate <= 0 or a.rate > 1e6 or a.count <= 0 or a.count > 10000000:
        p.error("--rate in (0, 1e6], --count in (0, 1e7]")
    return client(a)


if __name__ == "__main__":
    sys.exit(main())
