#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Request/response benchmark: a UDP client in one network namespace, an echo
# server in another, and between them, in turn:
#   dw-testpmd (io engine, two net_tap ports, one forwarding lcore) in poll,
#   interrupt and adaptive rx mode; dpdk-testpmd the same way (poll only);
#   a Linux bridge over two veth pairs (the kernel floor).
# For each and each request rate: p50/p99/max round-trip time and the
# forwarder's CPU (all its threads, % of one CPU) over the measured window.
# Writes rr.csv, renders rr.png with gnuplot when present.
#
#   devtools/rr-bench.sh [--out DIR] [--secs S] [--reps N] [--rates "100 1000 10000"] [--quick]
#
# Needs root (namespaces, tap devices). Addresses are 10.77.0.1/.2 inside
# private namespaces; nothing leaves the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

out=build-bench/bench
secs=3
reps=1
rates="100 1000 10000"
while [ $# -gt 0 ]; do
	case $1 in
	--out) out=$2; shift ;;
	--secs) secs=$2; shift ;;
	--reps) reps=$2; shift ;;
	--rates) rates=$2; shift ;;
	--quick) secs=1; rates="100 1000" ;;
	*) echo "usage: $0 [--out DIR] [--secs S] [--reps N] [--rates LIST] [--quick]" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "rr-bench: needs root (netns, tap)" >&2; exit 1; }

if [ ! -x build-bench/app/dw-testpmd/dw-testpmd ]; then
	if [ -f build-bench/build.ninja ]; then
		meson setup --reconfigure build-bench --buildtype=release -Dtests=false >/dev/null
	else
		meson setup build-bench --buildtype=release -Dtests=false >/dev/null
	fi
	ninja -C build-bench app/dw-testpmd/dw-testpmd >/dev/null
fi
mkdir -p "$out"
rr=app/dw-bench/rr.py
run=0
# Fresh names per setup: a deleted namespace goes away asynchronously.
names() {
	run=$((run + 1))
	tag=$$_$run
	nsc=rrc$tag
	nss=rrs$tag
	tap0=rrt0_$tag
	tap1=rrt1_$tag
}
names
port=7777
fwd_pid=
echo_pid=

cleanup() {
	if [ -n "$echo_pid" ]; then kill "$echo_pid" 2>/dev/null || true; wait "$echo_pid" 2>/dev/null || true; fi
	if [ -n "$fwd_pid" ]; then kill -INT "$fwd_pid" 2>/dev/null || true; wait "$fwd_pid" 2>/dev/null || true; fi
	ip netns del "$nsc" 2>/dev/null || true
	ip netns del "$nss" 2>/dev/null || true
	ip link del "rrbr$tag" 2>/dev/null || true
	echo_pid= fwd_pid=
	return 0
}
trap cleanup EXIT

# CPU time (ns) of every thread of a process so far.
cpu_ns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# Put interface $1 into namespace $2 with address $3; static neighbour $4 -> $5.
ns_if() {
	local dev=$1 ns=$2 addr=$3
	ip link set "$dev" netns "$ns"
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
	ip netns exec "$ns" ip addr add "$addr/24" dev "$dev"
	ip netns exec "$ns" ip link set "$dev" up
	ip netns exec "$ns" ip link set lo up
}

# Client and server ends: $1 client dev, $2 server dev (already in the namespaces).
static_arp() {
	local cmac smac
	cmac=$(ip netns exec "$nsc" cat "/sys/class/net/$1/address")
	smac=$(ip netns exec "$nss" cat "/sys/class/net/$2/address")
	ip netns exec "$nsc" ip neigh replace 10.77.0.2 lladdr "$smac" dev "$1" nud permanent
	ip netns exec "$nss" ip neigh replace 10.77.0.1 lladdr "$cmac" dev "$2" nud permanent
}

# Measure every rate against the path set up; $1 rep, $2 forwarder, $3 mode, $4 pid (or empty).
measure() {
	local rep=$1 fwd=$2 mode=$3 pid=$4 rate c0 c1 t0 t1 row cpu
	ip netns exec "$nss" python3 "$rr" echo --port $port --seconds 600 &
	echo_pid=$!
	sleep 0.5
	for rate in $rates; do
		c0=0 c1=0
		[ -n "$pid" ] && c0=$(cpu_ns "$pid")
		t0=$(date +%s%N)
		row=$(ip netns exec "$nsc" timeout $((secs * 3 + 30)) python3 "$rr" client --dst 10.77.0.2 \
			--port $port --rate "$rate" --count $((rate * secs)) --seconds $((secs * 3)) \
			--label "$rep,$fwd,$mode,$rate") ||
			row="$rep,$fwd,$mode,$rate,0,0,0,0,nan,nan,nan"
		t1=$(date +%s%N)
		[ -n "$pid" ] && c1=$(cpu_ns "$pid")
		cpu=$(awk -v c=$((c1 - c0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.1f", (t > 0) ? 100 * c / t : 0 }')
		[ -n "$pid" ] || cpu=nan
		echo "$row,$cpu" | tee -a "$out/rr.csv"
	done
	kill "$echo_pid" 2>/dev/null
	wait "$echo_pid" 2>/dev/null || true
	echo_pid=
}

# Start a forwarder on two net_tap ports, wire the taps into the namespaces.
# $1 dw|dpdk, $2 rx mode (dw only).
forwarder() {
	local kind=$1 mode=$2 eal log i
	names
	eal=(-l 0-1 --no-huge -m 512 --no-pci --file-prefix "rr$kind$tag" --log-level=lib.eal:error
		--vdev "net_tap0,iface=$tap0" --vdev "net_tap1,iface=$tap1")
	log="$out/rr-$kind-$mode.log"
	if [ "$kind" = dw ]; then
		build-bench/app/dw-testpmd/dw-testpmd "${eal[@]}" -- --forward-mode=io --nb-cores=1 \
			--rx-mode="$mode" --total-num-mbufs=8192 --duration=3600 >"$log" 2>&1 &
	else
		dpdk-testpmd "${eal[@]}" -- --forward-mode=io --nb-cores=1 --total-num-mbufs=8192 \
			--stats-period=3600 >"$log" 2>&1 &
	fi
	fwd_pid=$!
	# Started ports have their tap interfaces up (net_tap sets IFF_UP by name in
	# this namespace): only then may they move.
	for i in $(seq 1 300); do
		ip link show "$tap0" 2>/dev/null | grep -q '[<,]UP[,>]' &&
			ip link show "$tap1" 2>/dev/null | grep -q '[<,]UP[,>]' && break
		sleep 0.1
	done
	sleep 0.5
	ip netns add "$nsc"
	ip netns add "$nss"
	ns_if "$tap0" "$nsc" 10.77.0.1
	ns_if "$tap1" "$nss" 10.77.0.2
	static_arp "$tap0" "$tap1"
}

bridge() {
	names
	ip netns add "$nsc"
	ip netns add "$nss"
	ip link add "rrbr$tag" type bridge
	ip link add "rrvc$tag" type veth peer name "rrbc$tag"
	ip link add "rrvs$tag" type veth peer name "rrbs$tag"
	ip link set "rrbc$tag" master "rrbr$tag" up
	ip link set "rrbs$tag" master "rrbr$tag" up
	ip link set "rrbr$tag" up
	ns_if "rrvc$tag" "$nsc" 10.77.0.1
	ns_if "rrvs$tag" "$nss" 10.77.0.2
	static_arp "rrvc$tag" "rrvs$tag"
}

echo "rep,forwarder,mode,rate,sent,received,lost,rate_achieved,p50_us,p99_us,max_us,fwd_cpu_pct" >"$out/rr.csv"
for rep in $(seq 0 $((reps - 1))); do
	for m in poll interrupt adaptive; do
		forwarder dw "$m"
		measure "$rep" dw-testpmd "$m" "$fwd_pid"
		cleanup
	done
	if command -v dpdk-testpmd >/dev/null; then
		forwarder dpdk poll
		measure "$rep" dpdk-testpmd poll "$fwd_pid"
		cleanup
	fi
	bridge
	measure "$rep" linux-bridge kernel ""
	cleanup
done
python3 "$rr" summary --csv "$out/rr.csv"
if command -v gnuplot >/dev/null; then
	(cd "$out" && gnuplot "$OLDPWD/app/dw-bench/rr.gp") || true
fi
echo "rr-bench: $out/rr.csv"
