#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Host-side traffic peer for run-in-vm.sh's `--net tap` NIC (virtio-native-mq).

Sends UDP datagrams through the host's routing to the guest's address on the
tap (a static neighbour entry points it at the guest's MAC), spread over
--flows destination ports, and counts what the guest forwards back unchanged
(io forwarding: the frame returns with the guest's MAC as destination, so the
host stack drops it; a packet socket on the tap still sees it). Prints:

    tap_peer: sent=N received=N lost=N pct=P.P flows=F flows-back=F

With a multi-queue tap, Linux picks the tap queue of each frame by its flow
hash (then by the queue the guest last sent that flow on), and QEMU hands
what it reads from queue q to the NIC's rx queue q: several flows reach both
rx queues, and each flow stays on its queue.
"""

import argparse
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
MAGIC = b"DWMQ"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ifname", required=True, help="the host tap")
    ap.add_argument("--dst", required=True, help="the guest's IPv4 address")
    ap.add_argument("--port", type=int, default=41000, help="first destination port")
    ap.add_argument("--flows", type=int, default=16)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--rate", type=float, default=1000.0, help="frames per second")
    ap.add_argument("--wait-ready", type=float, default=0.0, metavar="SEC",
                    help="first send a probe every 200 ms until one comes back")
    ap.add_argument("--drain", type=float, default=3.0, metavar="SEC")
    ap.add_argument("--min-pct", type=float, default=0.0)
    ap.add_argument("--touch", metavar="FILE", help="create FILE at the end")
    args = ap.parse_args()

    rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    rx.bind((args.ifname, 0))
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, args.ifname.encode())
    got = set()
    probes = set()

    def poll(timeout):
        """Read what came back within @timeout s; True if a probe did."""
        seen = False
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if not select.select([rx], [], [], max(0.0, left))[0]:
                return seen
            buf, addr = rx.recvfrom(2048)
            # Our own sends show as outgoing; the guest's returns do not.
            if addr[2] == PACKET_OUTGOING or len(buf) < 42 + 9:
                continue
            if buf[12:14] != b"\x08\x00" or buf[23] != 17:
                continue
            ihl = (buf[14] & 0x0F) * 4
            payload = buf[14 + ihl + 8:]
            if payload[:4] != MAGIC:
                continue
            kind, seq = struct.unpack_from("!BI", payload, 4)
            if kind == 0:
                probes.add(seq)
                seen = True
            else:
                got.add(seq)

    def send(kind, seq, flow):
        tx.sendto(MAGIC + struct.pack("!BI", kind, seq) + bytes(50),
                  (args.dst, args.port + flow))

    t_ready = time.monotonic()
    if args.wait_ready > 0:
        deadline = t_ready + args.wait_ready
        n = 0
        while True:
            send(0, n, 0)
            n += 1
            if poll(0.2):
                break
            if time.monotonic() > deadline:
                print("tap_peer: no probe came back in %.0f s" % args.wait_ready)
                return 1
    t_send = time.monotonic()
    ready_s = t_send - t_ready
    for seq in range(args.count):
        send(1, seq, seq % args.flows)
        due = t_send + (seq + 1) / args.rate
        poll(max(0.0, due - time.monotonic()))
    send_s = time.monotonic() - t_send
    poll(args.drain)
    flows_back = len({seq % args.flows for seq in got})
    pct = 100.0 * len(got) / args.count if args.count else 100.0
    print("tap_peer: sent=%d received=%d lost=%d pct=%.1f flows=%d flows-back=%d "
          "ready=%.1fs send=%.2fs" % (args.count, len(got), args.count - len(got), pct,
                                      args.flows, flows_back, ready_s, send_s))
    if args.touch:
        with open(args.touch, "w", encoding="ascii") as f:
            f.write("done\n")
    return 0 if pct >= args.min_pct else 1


if __name__ == "__main__":
    sys.exit(main())
