#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Smoke tests of dw-testpmd (meson suite 'app'): test_app.sh DW_TESTPMD CASE
#   help      --help documents every option, exit 0
#   badargs   bad options, EAL arguments and set-ups exit non-zero with a message
#   null      net_null pair: io (poll), mac (adaptive), 2 queues with --config
#   ring      net_ring: flowgen at a rate in interrupt mode, loop topology
#   tap       net_tap moved into a netns, frames injected from the kernel side (root)
#   prompt    -i with commands on stdin (start/stop, show, set, port reset, quit)
#   virtio    net_virtio_user, with dpdk-testpmd txonly on net_vhost in another process
#   restart   stop/start keeps a --tx-rate generator's BH timer on its forwarding lcore
#   storm     io at full rate on net_ring + net_null while 'port reset' and removals land;
#             DW_STORM_ROUNDS (default 30) resets: the soak variant (doc/guides/netdev.md)
#   monitor   devtools/dw-monitor.py, two samples against a running dw-testpmd
# Exit 0 pass, 1 fail, 77 skip (meson's convention).
set -uo pipefail
app=$1
case_=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
eal=(--no-huge -m 256 --no-pci --log-level=lib.eal:warning --file-prefix="dwtp$$")

fail() {
	echo "FAIL: $*"
	echo "--- stdout"
	cat "$tmp/out" 2>/dev/null
	echo "--- stderr"
	tail -n 30 "$tmp/err" 2>/dev/null
	exit 1
}

# run ARGS...: dw-testpmd with output in $tmp/out, $tmp/err; sets $rc.
run() {
	"$app" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# port_count IDX rx|tx: from the summary line "Port N (name): rx A tx B ...".
port_count() {
	awk -v p="$1" -v f="$2" '$1 == "Port" && $2 == p && $4 == "rx" {
		v = (f == "rx") ? $5 : $7 } END { print v + 0 }' "$tmp/out"
}

# lcore_field NAME: value after NAME on the summary's lcore lines (first lcore).
lcore_field() {
	awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' \
		"$tmp/out" | tr -d '%'
}

expect_clean_exit() {
	[ "$rc" -eq 0 ] || fail "$1: exit status $rc"
	grep -q '^mbufs: all [0-9]* back in the pool' "$tmp/out" || fail "$1: mbufs missing"
	grep -q 'stopped and closed' "$tmp/out" || fail "$1: ports not closed"
}

# wait_rx_intr NAME PID MIN: the run in the background exits cleanly, port 0
# received MIN packets or more, and rx interrupts woke the lcore.
wait_rx_intr() {
	local rx wakes
	wait "$2"
	rc=$?
	expect_clean_exit "$1"
	rx=$(port_count 0 rx)
	wakes=$(awk '/wakeups: rx-intr/ { print $3; exit }' "$tmp/out")
	[ "$rx" -ge "$3" ] || fail "$1: rx $rx < $3"
	[ "${wakes:-0}" -gt 0 ] || fail "$1: no rx interrupt wakeups"
	echo "$1: rx $rx, rx-intr wakeups $wakes"
}

case $case_ in
help)
	run --help
	[ "$rc" -eq 0 ] || fail "--help exit $rc"
	for o in --interactive --auto-start --port= --rxq= --rxd= --txd= --burst= \
		--total-num-mbufs= --nb-cores= --config= --forward-mode= --port-topology= \
		--txpkts= --tx-rate= --tx-duration= --tx-first --flows= --rx-mode= --spin-us= \
		--busy-poll-budget= --no-rx-intr --no-lsc --stats-period= --duration= --slow-work --stats-file= \
		--fw-sleep-ms=; do
		grep -q -- "$o" "$tmp/out" || fail "--help does not document $o"
	done
	# Every option the parser knows is in the list above.
	n=$(grep -c '^	{ "' "$(dirname "$0")/args.c")
	[ "$n" -eq 28 ] || fail "args.c has $n options: update this test's list"
	echo "help: ok"
	;;
badargs)
	for a in --forward-mode=bogus --rx-mode=sleepy --rxq=0 --rxq=99 --burst=abc \
		--config='(0,0)' --config='(4294967296,0,1)' --config='(0,4294967296,1)' \
		--config='(-1,0,1)' --config='(0,0,1)x' --duration=-1 --txpkts=10 --nosuch-option --port-topology=ring \
		--stats-period=x "--tx-duration=2" --busy-poll-budget=0 --busy-poll-budget=1000001 stray; do
		run "${eal[@]}" --vdev=net_null0 -- "$a"
		[ "$rc" -eq 2 ] || fail "'$a': exit $rc, not 2"
		grep -q '^dw-testpmd: ' "$tmp/err" || fail "'$a': no message"
		echo "'$a' -> exit $rc: $(head -n 1 "$tmp/err")"
	done
	run "${eal[@]}" --vdev=net_null0 -- --duration
	[ "$rc" -eq 2 ] && grep -q 'needs a value' "$tmp/err" || fail "missing value: $rc"
	run --no-such-eal-flag "${eal[@]}" -- --duration=1
	[ "$rc" -ne 0 ] && grep -q 'EAL initialisation failed' "$tmp/err" || fail "EAL: $rc"
	echo "bad EAL flag -> exit $rc"
	run "${eal[@]}" -l 0-1 -- --duration=1
	[ "$rc" -eq 1 ] && grep -q 'no ports' "$tmp/err" || fail "no ports: $rc"
	echo "no ports -> exit $rc: $(grep 'no ports' "$tmp/err")"
	run "${eal[@]}" -l 0 --vdev=net_null0 -- --duration=1
	[ "$rc" -eq 1 ] && grep -q 'no worker lcore' "$tmp/err" || fail "one lcore: $rc"
	run "${eal[@]}" -l 0-1 --vdev=net_null0 -- --config='(0,0,0)' --duration=1
	[ "$rc" -eq 1 ] && grep -q 'not an EAL worker lcore' "$tmp/err" || fail "main: $rc"
	run "${eal[@]}" -l 0-1 --vdev=net_null0 -- --port=net_bogus0 --duration=1
	[ "$rc" -eq 1 ] && grep -q 'cannot open --port=net_bogus0' "$tmp/err" || fail "port: $rc"
	echo "badargs: ok"
	;;
null)
	run "${eal[@]}" -l 0-1 --vdev=net_null0 --vdev=net_null1 -- --duration=2 \
		--stats-period=1
	expect_clean_exit "io/poll"
	rx=$(port_count 0 rx)
	tx=$(port_count 1 tx)
	[ "$rx" -gt 0 ] && [ "$tx" -gt 0 ] || fail "io: rx $rx tx $tx"
	echo "io poll: port 0 rx $rx, port 1 tx $tx"
	run "${eal[@]}" -l 0-1 --vdev=net_null0 --vdev=net_null1 -- --duration=2 \
		--forward-mode=mac --rx-mode=adaptive --rxq=2 \
		--config='(0,0,1),(0,1,1),(1,0,1),(1,1,1)'
	expect_clean_exit "mac/adaptive/2q"
	rx=$(port_count 1 rx)
	[ "$rx" -gt 0 ] || fail "mac: rx $rx"
	[ "$(grep -c 'lcore 1$' "$tmp/out")" -eq 4 ] || fail "--config: not 4 streams on lcore 1"
	echo "mac adaptive 2 queues: port 1 rx $rx"
	# Two forwarding lcores (on one CPU): queues round-robin, a tx queue each.
	run "${eal[@]}" --lcores='0@0,1@1,2@1' --vdev=net_null0 --vdev=net_null1 -- \
		--duration=1.5 --rxq=2 --forward-mode=macswap
	expect_clean_exit "2 lcores"
	grep -q 'port 1 rxq 1 -> port 0, lcore 2' "$tmp/out" || fail "2 lcores: not round-robin"
	grep -q 'Lcore 2: .* tx queue 1' "$tmp/out" || fail "2 lcores: lcore 2 has no tx queue 1"
	[ "$(port_count 1 tx)" -gt 0 ] || fail "2 lcores: nothing sent"
	echo "2 lcores, 2 queues: port 1 tx $(port_count 1 tx)"
	run "${eal[@]}" -l 0-1 --vdev=net_null0 -- --duration=1.5 --slow-work \
		--stats-file="$tmp/stats.json" --fw-sleep-ms=20
	expect_clean_exit "slow-work"
	[ -s "$tmp/stats.json" ] || fail "no stats export"
	grep -q 'firmware commands' "$tmp/out" || fail "no slow work report"
	for sig in INT TERM; do
		"$app" "${eal[@]}" -l 0-1 --vdev=net_null0 --vdev=net_null1 -- \
			--forward-mode=macswap >"$tmp/out" 2>"$tmp/err" &
		pid=$!
		sleep 1.5
		if [ "$sig" = INT ] && command -v dpdk-telemetry.py >/dev/null; then
			echo /dwork/testpmd/stats | timeout 10 dpdk-telemetry.py -f "dwtp$$" \
				>"$tmp/tel" 2>&1
			grep -q '"engine": "macswap"' "$tmp/tel" || fail "telemetry: $(cat "$tmp/tel")"
			echo "telemetry: $(grep -o '"/dwork/testpmd/stats".\{0,80\}' "$tmp/tel")"
		fi
		kill -"$sig" "$pid"
		wait "$pid"
		rc=$?
		expect_clean_exit "SIG$sig"
		[ "$(port_count 0 rx)" -gt 0 ] || fail "SIG$sig: nothing received"
		echo "SIG$sig: clean exit"
	done
	echo "null: ok"
	;;
ring)
	run "${eal[@]}" -l 0-1 --vdev=net_ring0 -- --duration=2.5 --forward-mode=flowgen \
		--flows=16 --tx-rate=20000 --tx-duration=1 --rx-mode=interrupt \
		--port-topology=loop --stats-period=1
	expect_clean_exit "ring"
	rx=$(port_count 0 rx)
	tx=$(port_count 0 tx)
	[ "$tx" -ge 15000 ] && [ "$tx" -le 25000 ] || fail "ring: tx $tx, expected ~20000"
	[ "$rx" -eq "$tx" ] || fail "ring: rx $rx != tx $tx"
	sleep_pct=$(lcore_field sleep)
	[ "${sleep_pct%.*}" -ge 50 ] || fail "ring: lcore slept only $sleep_pct%"
	echo "ring: rx $rx tx $tx, lcore slept $sleep_pct%"
	# io between two rings, seeded with --tx-first: the burst keeps circulating.
	run "${eal[@]}" -l 0-1 --vdev=net_ring0 --vdev=net_ring1 -- --duration=1.5 --tx-first \
		--rx-mode=adaptive
	expect_clean_exit "ring io"
	rx=$(port_count 1 rx)
	[ "$rx" -gt 1000 ] || fail "ring io: rx $rx"
	echo "ring io --tx-first: port 1 rx $rx"
	;;
tap)
	[ "$(id -u)" -eq 0 ] || { echo "tap: needs root"; exit 77; }
	command -v ip >/dev/null && command -v python3 >/dev/null || exit 77
	ifc=dwtp$$
	ns=dwtpns$$
	# --duration only bounds a hung run: the test stops it with SIGINT once the
	# kernel says dw-testpmd has read the frames (a fixed duration raced the
	# injection on a loaded machine).
	"$app" "${eal[@]}" -l 0-1 --vdev="net_tap0,iface=$ifc" -- --forward-mode=rxonly \
		--rx-mode=interrupt --duration=45 >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	# Move the interface only once the port has started ("Forwarding engine"
	# is printed after every port started). net_tap creates the interface at
	# probe with a detached keep-alive queue and attaches its rx queue at
	# start with TUNSETIFF by name in its own namespace: if the name has left
	# for the netns by then, the kernel creates a second tap of that name
	# there. Seen on a loaded 2-CPU machine (probe to start > 1 s): the netns
	# tap had "numqueues 0 numdisabled 1" (ip -d link), the twin left behind
	# "numqueues 1", and every injected frame was dropped by tun_net_xmit
	# (kfree_skb reason DEV_READY: no queue attached) while dw-testpmd read
	# only the twin's own IPv6 chatter.
	for _ in $(seq 200); do
		grep -q '^Forwarding engine ' "$tmp/out" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -q '^Forwarding engine ' "$tmp/out" || { kill -INT "$pid"; fail "tap: no start"; }
	ip netns add "$ns" || fail "ip netns add"
	trap 'kill -INT "$pid" 2>/dev/null; ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"' EXIT
	ip link set "$ifc" netns "$ns" && ip -n "$ns" link set "$ifc" up || fail "move $ifc"
	! ip -n "$ns" -d link show "$ifc" | grep -q 'numqueues 0 ' ||
		fail "tap: rx queue not attached: $(ip -n "$ns" -d link show "$ifc")"
	sleep 1
	ip netns exec "$ns" python3 -c "
import socket, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('$ifc', 0))
for i in range(200):
    s.send(b'\x02' * 6 + b'\x02\x00\x00\x00\x00\x01' + b'\x88\xb5' + bytes(50))
    if i % 20 == 0:
        time.sleep(0.05)
" || fail "inject"
	# tun counts a TX packet when the reader (the PMD) takes it off the queue.
	for _ in $(seq 200); do
		sent=$(ip netns exec "$ns" cat "/sys/class/net/$ifc/statistics/tx_packets")
		[ "${sent:-0}" -ge 200 ] && break
		sleep 0.1
	done
	echo "tap: kernel tx $sent, dropped $(ip netns exec "$ns" cat \
		"/sys/class/net/$ifc/statistics/tx_dropped")"
	kill -INT "$pid"
	wait_rx_intr tap "$pid" 200
	;;
prompt)
	{
		sleep 0.5
		for c in "show config" start "show lcores" "set rx-mode interrupt" \
			"set rx-mode adaptive" "show wq" "show pools" "set fwd macswap" \
			"show port stats" stop "port reset 0" "port stop all" "port start all" \
			"set fwd bogus" "port frob 0" "clear port stats" start "show lcores" "port remove 1" "show port stats" quit; do
			echo "$c"
			sleep 0.3
		done
	} | "$app" "${eal[@]}" -l 0-1 --vdev=net_null0 --vdev=net_null1 -- -i --slow-work \
		--stats-file="$tmp/stats.json" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	expect_clean_exit "prompt"
	for want in 'Forwarding started: io' 'Rx mode interrupt' 'Rx mode adaptive' \
		'testpmd_slow' 'Worker pools:' 'Forwarding engine macswap' 'Port 0: reset done' \
		'Port 1: stop done' 'Port 0: start done' "Bad engine 'bogus'" \
		'Usage: port stop' 'Counters cleared' 'Lcore 1: adaptive, running' \
		'Port 1: removal raised' 'Port 1 closed after removal' 'Port 1: closed (removed)'; do
		grep -q -- "$want" "$tmp/out" || fail "prompt: no '$want'"
	done
	grep -q 'reset by the driver' "$tmp/err" || fail "prompt: reset event not on the wq"
	echo "prompt: ok"
	;;
restart)
	{
		sleep 0.5
		echo start
		sleep 1
		echo stop
		echo "clear port stats"
		echo start
		sleep 1.5
		echo stop
		echo quit
	} | "$app" "${eal[@]}" -l 0-1 --vdev=net_null0,no-rx=1 -- -i --forward-mode=txonly \
		--tx-rate=2000 --rx-mode=interrupt >"$tmp/out" 2>"$tmp/err"
	rc=$?
	expect_clean_exit "restart"
	# The second summary (after the clear): the lcore still wakes on its own BH timer.
	timer=$(awk '/wakeups: rx-intr/ { v = $7 } END { print v + 0 }' "$tmp/out")
	# 2000 pps wakes it hundreds of times (660 plain); 0 when the lane was lost.
	[ "$timer" -ge 20 ] || fail "restart: bh-timer wakeups $timer < 20 after stop/start"
	echo "restart: bh-timer wakeups after stop/start: $timer"
	;;
storm)
	rounds=${DW_STORM_ROUNDS:-30}
	{
		sleep 0.5
		echo start
		for i in $(seq "$rounds"); do
			echo "port reset $((i % 3 == 0 ? 2 : i % 2))"
			[ "$i" -eq $((rounds / 2)) ] && echo "port remove 2"
		done
		echo "port reset all"
		sleep 0.3
		echo stop
		echo quit
	} | "$app" "${eal[@]}" -l 0-1 --vdev=net_ring0 --vdev=net_null0 --vdev=net_null1 -- \
		-i --forward-mode=io >"$tmp/out" 2>"$tmp/err"
	rc=$?
	expect_clean_exit "storm"
	# Every reset succeeds but those of port 2 once it is removed (ENODEV).
	done_=$(grep -c 'reset done' "$tmp/out")
	[ "$done_" -ge $((rounds - rounds / 3)) ] || fail "storm: $done_ of $rounds resets done"
	! grep 'reset: ' "$tmp/out" | grep -qv '^Port 2: reset: No such device' ||
		fail "storm: a reset failed"
	grep -q 'Port 2 closed after removal' "$tmp/out" || fail "storm: removal not handled"
	# io forwards every packet it receives or drops it: rx = tx + app drops over all ports.
	read -r rx tx drops < <(awk '$1 == "Port" && $4 == "rx" {
		rx += $5; tx += $7; d += $13 } END { print rx + 0, tx + 0, d + 0 }' "$tmp/out")
	[ "$rx" -gt 0 ] || fail "storm: nothing forwarded"
	[ "$rx" -eq $((tx + drops)) ] || fail "storm: rx $rx != tx $tx + drops $drops"
	echo "storm: $done_ resets while forwarding, rx $rx = tx $tx + drops $drops"
	;;
virtio)
	command -v dpdk-testpmd >/dev/null || { echo "virtio: no dpdk-testpmd"; exit 77; }
	sock=$tmp/vh.sock
	timeout 30 dpdk-testpmd --no-huge -m 512 --no-pci --lcores='0@0,1@0' \
		--file-prefix="dwtpvh$$" --log-level=lib.eal:warning \
		--vdev="net_vhost0,iface=$sock,queues=1" -- --forward-mode=txonly --auto-start \
		--stats-period=1 --total-num-mbufs=8192 >"$tmp/peer" 2>&1 &
	peer=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
	[ -S "$sock" ] || fail "vhost socket not created"
	"$app" "${eal[@]}" -l 0-1 --vdev="net_virtio_user0,path=$sock,queues=1" -- \
		--forward-mode=rxonly --rx-mode=interrupt --duration=60 >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	# Traffic for 2 s once forwarding runs (a loaded machine may take a while to get there).
	for _ in $(seq 300); do grep -q 'Forwarding engine' "$tmp/out" && break; sleep 0.1; done
	grep -q 'Forwarding engine' "$tmp/out" || fail "virtio: dw-testpmd did not start"
	sleep 2
	# The vhost side leaves first (virtio-user in DPDK 22.11 must outlive its peer).
	kill -INT "$peer"
	wait "$peer"
	sleep 1
	kill -INT "$pid"
	wait_rx_intr virtio "$pid" 1
	grep -q 'link down' "$tmp/err" || fail "virtio: link-down event not handled"
	echo "virtio peer: $(grep TX-packets "$tmp/peer" | tail -n 1)"
	;;
monitor)
	# devtools/dw-monitor.py against a running dw-testpmd: two samples, a second apart.
	mon="$(dirname "$0")/../../devtools/dw-monitor.py"
	command -v python3 >/dev/null || exit 77
	"$app" "${eal[@]}" -l 0-1 --vdev=net_ring0 -- --forward-mode=flowgen --flows=16 \
		--tx-rate=20000 --rx-mode=interrupt --port-topology=loop --duration=20 \
		>"$tmp/out" 2>"$tmp/err" &
	pid=$!
	sock=$(python3 -c "import sys; sys.path.insert(0, sys.argv[1]); import importlib; \
m = importlib.import_module('dw-monitor'); print(m.default_socket(sys.argv[2]))" \
		"$(dirname "$mon")" "dwtp$$")
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
	timeout 20 python3 "$mon" --file-prefix "dwtp$$" -n 2 -i 1 >"$tmp/mon" 2>&1 ||
		{ kill "$pid"; cat "$tmp/mon"; fail "monitor: exit status $?"; }
	kill -INT "$pid"
	wait "$pid" || fail "monitor: dw-testpmd exit status $?"
	cat "$tmp/mon"
	[ "$(grep -c '^workqueue ' "$tmp/mon")" -eq 2 ] || fail "monitor: not two samples"
	grep -q '^workqueue  *queued/s' "$tmp/mon" || fail "monitor: no rates in the second sample"
	grep -q '^events_bh ' "$tmp/mon" || fail "monitor: no events_bh line"
	grep -q '^0 net_ring0 ' "$tmp/mon" || fail "monitor: no port line"
	# The second sample's lcore line: interrupt mode, parks and timer wakeups per second.
	awk '$1 == "1" && $2 == "interrupt" { n++; if (n == 2 && $5 > 0 && $8 > 0) ok = 1 }
		END { exit !ok }' "$tmp/mon" || fail "monitor: lcore 1 rates missing"
	echo "monitor: ok"
	;;
*)
	echo "unknown case $case_"
	exit 1
	;;
esac
exit 0
