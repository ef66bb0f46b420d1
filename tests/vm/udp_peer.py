#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Host-side traffic peer for run-in-vm.sh's `--net udp` NICs.

QEMU's socket netdev (udp mode) carries each Ethernet frame as the payload of
one UDP datagram on loopback. This tool sends numbered frames to the guest NIC
at a chosen rate and counts the numbered frames that come back (forwarded by
whatever runs in the guest), then prints one summary line:

    udp_peer: sent=N received=N unique=N dup=N foreign=N lost=N pct=P.P

With --wait-ready it first sends a probe frame every 200 ms until one comes
back, so it can be started before the guest has booted. With --min-pct it
exits 1 when fewer frames came back than that share of those sent. With
--rx-port the frames are counted where another guest NIC sends them; frames
coming back to the sending port then count as foreign.
"""

import argparse
import os
import random
import select
import socket
import struct
import sys
import time

MAGIC = b"DWVM"
KIND_PROBE = 1
KIND_DATA = 2
ETHERTYPE = 0x88B5  # IEEE local experimental
HDR = struct.Struct("!6s6sH4sBII")  # dst, src, type, magic, kind, run, seq


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


def frame(args, kind, run, seq):
    head = HDR.pack(args.dst, args.src, ETHERTYPE, MAGIC, kind, run, seq)
    return head + bytes(max(0, args.size - len(head)))


def parse(buf, run):
    """Return (kind, seq) for one of our frames of this run, else None."""
    if len(buf) < HDR.size:
        return None
    _, _, etype, magic, kind, frun, seq = HDR.unpack_from(buf)
    if etype != ETHERTYPE or magic != MAGIC or frun != run:
        return None
    return kind, seq


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--qemu-port", type=int, default=47000,
                    help="QEMU's localaddr port (run-in-vm.sh --udp-base)")
    ap.add_argument("--port", type=int, default=None,
                    help="our port, QEMU's udp= port (default qemu-port+1)")
    ap.add_argument("--rx-port", type=int, default=None,
                    help="count frames arriving here instead (the udp= port "
                         "of another guest NIC, when the guest forwards "
                         "between two NICs)")
    ap.add_argument("--count", type=int, default=1000, help="frames to send")
    ap.add_argument("--rate", type=float, default=2000.0,
                    help="frames per second (0: as fast as possible)")
    ap.add_argument("--gaps", metavar="MIN_MS,MAX_MS", default=None,
                    help="random gaps between frames, uniform in [MIN, MAX] ms "
                         "(instead of --rate)")
    ap.add_argument("--seed", type=int, default=None,
                    help="seed of --gaps (default: random, printed)")
    ap.add_argument("--size", type=int, default=64, help="frame size, no FCS")
    ap.add_argument("--dst", type=mac, default=mac("52:54:00:d0:00:01"))
    ap.add_argument("--src", type=mac, default=mac("02:00:00:00:00:02"))
    ap.add_argument("--wait-ready", type=float, default=0.0, metavar="SEC",
                    help="probe until a frame comes back, give up after SEC")
    ap.add_argument("--drain", type=float, default=2.0, metavar="SEC",
                    help="keep counting this long after the last frame is sent")
    ap.add_argument("--min-pct", type=float, default=None,
                    help="exit 1 if fewer than this %% of frames came back")
    ap.add_argument("--touch", metavar="FILE",
                    help="create FILE when done (tells the guest to stop)")
    args = ap.parse_args()
    if args.port is None:
        args.port = args.qemu_port + 1

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind(("127.0.0.1", args.port))
    sock.setblocking(False)
    rx_sock = sock
    if args.rx_port is not None and args.rx_port != args.port:
        rx_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rx_sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        rx_sock.bind(("127.0.0.1", args.rx_port))
        rx_sock.setblocking(False)
    socks = [rx_sock] if rx_sock is sock else [rx_sock, sock]
    peer = ("127.0.0.1", args.qemu_port)
    run = int.from_bytes(os.urandom(4), "little")
    seen = set()
    stats = {"received": 0, "dup": 0, "foreign": 0, "probes": 0}

    def receive():
        for s in socks:
            drain(s)

    def drain(s):
        while True:
            try:
                buf = s.recv(65536)
            except BlockingIOError:
                return
            got = parse(buf, run) if s is rx_sock else None
            if got is None:
                stats["foreign"] += 1
            elif got[0] == KIND_PROBE:
                stats["probes"] += 1
            else:
                stats["received"] += 1
                if got[1] in seen:
                    stats["dup"] += 1
                seen.add(got[1])

    def send(buf):
        try:
            sock.sendto(buf, peer)
        except (BlockingIOError, ConnectionRefusedError):
            pass  # QEMU not listening yet: the frame is lost, as on a wire

    t_start = time.monotonic()
    ready_s = 0.0
    if args.wait_ready > 0:
        deadline = t_start + args.wait_ready
        seq = 0
        while stats["probes"] == 0:
            if time.monotonic() > deadline:
                print("udp_peer: nothing came back within %.0fs" %
                      args.wait_ready, flush=True)
                finish(args)
                return 2
            send(frame(args, KIND_PROBE, run, seq))
            seq += 1
            select.select(socks, [], [], 0.2)
            receive()
        ready_s = time.monotonic() - t_start
        # Let probes still in flight come back before counting.
        time.sleep(0.3)
        receive()

    gap_ms = None
    if args.gaps is not None:
        gap_ms = [float(x) for x in args.gaps.split(",")]
        seed = args.seed if args.seed is not None else random.randrange(1 << 30)
        rng = random.Random(seed)
        print("udp_peer: gaps %.1f-%.1f ms, seed %d" % (gap_ms[0], gap_ms[1], seed),
              flush=True)
    t_send = time.monotonic()
    due = t_send
    for seq in range(args.count):
        if gap_ms is not None or args.rate > 0:
            if gap_ms is not None:
                due += rng.uniform(gap_ms[0], gap_ms[1]) / 1000.0 if seq > 0 else 0.0
            else:
                due = t_send + seq / args.rate
            while True:
                delay = due - time.monotonic()
                if delay <= 0:
                    break
                select.select(socks, [], [], delay)
                receive()
        send(frame(args, KIND_DATA, run, seq))
        receive()
    send_s = time.monotonic() - t_send
    deadline = time.monotonic() + args.drain
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or len(seen) == args.count:
            break
        select.select(socks, [], [], min(left, 0.1))
        receive()
    receive()

    unique = len(seen)
    pct = 100.0 * unique / args.count if args.count else 100.0
    print("udp_peer: sent=%d received=%d unique=%d dup=%d foreign=%d "
          "lost=%d pct=%.1f ready=%.1fs send=%.2fs rate=%.0fpps" %
          (args.count, stats["received"], unique, stats["dup"],
           stats["foreign"], args.count - unique, pct, ready_s, send_s,
           args.count / send_s if send_s > 0 else 0.0), flush=True)
    if unique < args.count:
        print("udp_peer: lost seq ranges: " + gaps(seen, args.count), flush=True)
    finish(args)
    if args.min_pct is not None and pct < args.min_pct:
        return 1
    return 0


def gaps(seen, count, limit=8):
    """The first few runs of missing sequence numbers, as "a-b c-d ..."."""
    out, start = [], None
    for seq in range(count + 1):
        missing = seq < count and seq not in seen
        if missing and start is None:
            start = seq
        elif not missing and start is not None:
            out.append("%d-%d" % (start, seq - 1))
            start = None
    more = " ..." if len(out) > limit else ""
    return " ".join(out[:limit]) + more


def finish(args):
    if args.touch:
        with open(args.touch, "w", encoding="ascii") as f:
            f.write("done\n")


if __name__ == "__main__":
    sys.exit(main())
