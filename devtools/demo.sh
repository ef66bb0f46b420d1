#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Install dependencies, build dwork and run the demo on DPDK vdevs (no hugepages needed).
set -euo pipefail
cd "$(dirname "$0")/.."
devtools/deps.sh
if [ ! -f build/build.ninja ]; then meson setup build >/dev/null; fi
ninja -C build

# The demo: dw-testpmd in interrupt mode, traffic then idle.
#
# With dpdk-testpmd (Debian's dpdk-dev): dw-testpmd receives on a virtio-user
# port whose rx queue has a real interrupt eventfd; the peer is dpdk-testpmd
# in another process, sending txonly on the vhost side for 3 seconds between
# idle periods. The lcore's wakeups are counted by reason: "rx" wakeups are
# the queue's interrupt fd.
# Without it: txonly at 200k pps on net_ring vdevs for 3 seconds, then idle;
# rings have no rx interrupt, so the lcore sleeps on dwork's bounded sleep
# ramp (wakeups by "timeout" and by the generator's BH timer).
app=build/app/dw-testpmd/dw-testpmd
eal=(--no-huge -m 256 --no-pci --log-level=lib.eal:warning --log-level=pmd.*:error)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if command -v dpdk-testpmd >/dev/null; then
	echo "== dw-testpmd --rx-mode=interrupt on net_virtio_user0 (rx interrupt: eventfd)"
	echo "== peer: dpdk-testpmd txonly on net_vhost0: idle 2 s, traffic 3 s, then idle"
	sock=$tmp/vhost.sock
	# The peer's lcores share CPU 0; dw-testpmd forwards on lcore 1 (CPU 1).
	# The peer starts sending 2 s after dw-testpmd's first stats line, not on
	# a fixed clock: configuring rx interrupts makes DPDK's virtio-user PMD
	# reset the device (a vhost-user stop and restart), and a txonly lcore
	# that is already sending into the vhost port during that restart leaves
	# the rx ring stuck (seen on a loaded machine: 288 frames, then none).
	{
		for _ in $(seq 600); do
			grep -q '^\[' "$tmp/app.out" 2>/dev/null && break
			sleep 0.1
		done
		sleep 2
		echo "set fwd txonly"
		echo "start"
		sleep 3
		echo "stop"
		sleep 3
		echo "quit"
	} | dpdk-testpmd --no-huge -m 512 --no-pci --lcores='0@0,1@0' --file-prefix=dwdemopeer$$ \
		--log-level=lib.eal:warning --vdev="net_vhost0,iface=$sock,queues=1" -- -i \
		--total-num-mbufs=8192 >"$tmp/peer.log" 2>&1 &
	peer=$!
	# The peer's EAL can take seconds on a loaded machine: wait up to 60 s.
	for _ in $(seq 600); do [ -S "$sock" ] && break; sleep 0.1; done
	if [ ! -S "$sock" ]; then
		echo "demo: the peer (dpdk-testpmd) did not create $sock within 60 s; its log:" >&2
		cat "$tmp/peer.log" >&2
		exit 1
	fi
	set +e
	"$app" "${eal[@]}" -l 0-1 --file-prefix=dwdemo$$ \
		--vdev="net_virtio_user0,path=$sock,queues=1" -- \
		--forward-mode=rxonly --rx-mode=interrupt --stats-period=1 --duration=10 \
		--slow-work --stats-file="$tmp/stats.json" "$@" 2>"$tmp/app.err" | tee "$tmp/app.out"
	rc=${PIPESTATUS[0]}
	wait "$peer"
	set -e
	echo
	echo "The 'rx' wakeups are the virtio-user queue's interrupt eventfd: under traffic the"
	echo "lcore wakes on rx interrupts and polls in between; while the peer is idle it"
	echo "sleeps (~100%). The ~100 'timeout' wakeups per idle second are dwork's bound on"
	echo "sleeps for queues it cannot re-check after arming (virtio-user in DPDK 22.11,"
	echo "see doc/guides/netdev.md), not polling. The peer (dpdk-testpmd) sent:"
	grep -E 'TX-packets' "$tmp/peer.log" | tail -n 1 || true
else
	echo "== dpdk-testpmd not found: dw-testpmd txonly on net_ring vdevs"
	echo "== rings have no rx interrupt: the lcore sleeps on the bounded sleep ramp"
	set +e
	"$app" "${eal[@]}" -l 0-1 --file-prefix=dwdemo$$ --vdev=net_ring0 --vdev=net_ring1 -- \
		--forward-mode=txonly --tx-rate=200000 --tx-duration=3 --rx-mode=interrupt \
		--stats-period=1 --duration=6 "$@" 2>"$tmp/app.err"
	rc=$?
	set -e
fi
exit "$rc"
