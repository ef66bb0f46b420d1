#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Runs inside the guest (bench-vm.sh boots it): on the NIC in DW_VM_NICS, one
# after the other, dpdk-testpmd (poll), dw-testpmd --rx-mode=poll and
# dw-testpmd --rx-mode=interrupt, each forwarding back out of the same port
# (--port-topology=loop, io). For each program and each phase in PHASES it
# (stdout line-buffered with stdbuf, so that the log shows when it is ready) prints "@@PHASE PROG PHASE@@", waits until the host creates
# DIR/PROG.PHASE (the host sends the phase's traffic in between), and prints
# the vCPU's idle share over the phase from /proc/stat:
#   bench: PROG PHASE idle=P% secs=S
# and, for dw-testpmd, the means of its per-second stats over the phase
# (port rx rate, lcore sleep share, wakeups per second by reason), and its
# wake-latency histogram from telemetry before it stops.
#
# With DW_VM_NATIVE=DRIVER (bench-vm.sh sets it for e1000e and dwvirtio), two more runs
# follow: dw-testpmd on dwork's native driver (EAL's PCI bus kept off the
# NIC with -b, --port=DRIVER:ADDR) in poll and in interrupt mode
# ("native-poll", "native-interrupt").
#
# usage: guest-bench.sh DW_TESTPMD DIR "PHASES" [MAX_SEC]

set -u
dwtp=${1:?usage: guest-bench.sh DW_TESTPMD DIR PHASES [MAX_SEC]}
dir=${2:?usage: guest-bench.sh DW_TESTPMD DIR PHASES [MAX_SEC]}
read -r -a phases <<< "${3:?usage: guest-bench.sh DW_TESTPMD DIR PHASES [MAX_SEC]}"
max_s=${4:-60}
nic=${DW_VM_NICS%% *}
common=(-a "$nic" -n 1 --log-level=lib.eal:notice)
app=(--port-topology=loop --forward-mode=io --nb-cores=1 --rxd=512 --txd=512
	--total-num-mbufs=4096)

# cpu_ticks: idle and total jiffies of the guest (one vCPU) into ticks_idle
# and ticks_total (the guest has no /dev/fd for process substitution).
cpu_ticks() {
	local _cpu user nice sys idle iow irq sirq steal
	read -r _cpu user nice sys idle iow irq sirq steal _ < /proc/stat
	ticks_idle=$((idle + iow))
	ticks_total=$((user + nice + sys + idle + iow + irq + sirq + steal))
}

# run_phases PROG: the phases of one program run.
run_phases() {
	local prog=$1 ph i0 t0 i1 t1 s0 s1 n
	for ph in "${phases[@]}"; do
		cpu_ticks
		i0=$ticks_idle t0=$ticks_total
		l0=$(wc -l < "$log")
		s0=$EPOCHREALTIME
		echo "@@PHASE $prog $ph@@"
		n=0
		while [ ! -e "${DW_VM_HOST:-}$dir/$prog.$ph" ] && [ "$n" -lt $((max_s * 10)) ]; do
			sleep 0.1
			n=$((n + 1))
		done
		cpu_ticks
		i1=$ticks_idle t1=$ticks_total
		s1=$EPOCHREALTIME
		awk -v p="$prog" -v ph="$ph" -v i="$((i1 - i0))" -v t="$((t1 - t0))" \
			-v a="$s0" -v b="$s1" 'BEGIN {
			printf "bench: %s %s idle=%.1f%% secs=%.1f\n", p, ph, t ? 100 * i / t : 0, b - a }'
		# dw-testpmd's --stats-period=1 lines printed during the phase:
		# mean port rx rate and lcore sleep share, wakeups by reason.
		awk -v p="$prog" -v ph="$ph" -v l0="$l0" 'NR <= l0 { next }
		/port 0: rx / { for (i = 1; i < NF; i++) if ($i == "rx") { rx += $(i + 1); np++; break } }
		/lcore [0-9]+ \(/ {
			for (i = 1; i < NF; i++) {
				if ($i == "sleep") sl += $(i + 1)
				if ($i == "rx" || $i == "timeout" || $i == "doorbell" || $i == "timer") w[$i] += $(i + 1)
			}
			nl++
		}
		END { if (nl) printf "bench: %s %s periods=%d port_rx_kpps=%.2f lcore_sleep=%.1f%% wakeups/s rx-intr=%.0f timeout=%.0f doorbell=%.0f timer=%.0f\n",
			p, ph, nl, np ? 1000 * rx / np : 0, sl / nl, w["rx"] / nl, w["timeout"] / nl, w["doorbell"] / nl, w["timer"] / nl }' "$log"
	done
}

# wait_line FILE REGEX PID: until the program printed REGEX (or died).
wait_line() {
	local n=0
	while kill -0 "$3" 2> /dev/null && ! grep -qE "$2" "$1" && [ "$n" -lt 600 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	sleep 0.5
}

log=$(mktemp /tmp/bench.XXXXXX)

# dpdk-testpmd leaves when its standard input gives EOF (guest-testpmd.sh).
fifo=$(mktemp -u /tmp/testpmd-in.XXXXXX)
mkfifo "$fifo"
stdbuf -oL dpdk-testpmd --lcores 0@0,1@0 "${common[@]}" -- "${app[@]}" --rxq=1 --txq=1 \
	--auto-start < "$fifo" > "$log" 2>&1 &
pid=$!
exec 3> "$fifo"
wait_line "$log" 'Press enter to exit' "$pid"
run_phases dpdk-poll
exec 3>&-
wait "$pid"
echo "bench: dpdk-poll exit $?"
grep -E 'Accumulated|RX-packets|TX-packets' "$log" | sed 's/^/bench: dpdk-poll /'
rm -f "$fifo"

# DW_VM_NATIVE (set by bench-vm.sh): dw-testpmd on the native driver too.
# The native runs take prompt commands on a fifo; on dwvirtio, after its
# phases native-interrupt sends 20 promisc toggles and reports the control
# commands' latency.
runs=(dw-poll dw-interrupt)
[ -z "${DW_VM_NATIVE:-}" ] || runs+=(native-poll native-interrupt)
for run in "${runs[@]}"; do
	mode=${run#*-}
	eal=("${common[@]}")
	extra=()
	stdin=/dev/null
	if [ "${run%%-*}" = native ]; then
		eal=(-b "$nic" -n 1 --log-level=lib.eal:notice)
		extra=(--port="$DW_VM_NATIVE:$nic" -i --auto-start)
		stdin=$(mktemp -u /tmp/dwtp-in.XXXXXX)
		mkfifo "$stdin"
	fi
	: > "$log"
	stdbuf -oL "$dwtp" --lcores 0@0,1@0 "${eal[@]}" -- "${app[@]}" \
		--rxq=1 --rx-mode="$mode" --stats-period=1 "${extra[@]}" < "$stdin" > "$log" 2>&1 &
	pid=$!
	[ "$stdin" = /dev/null ] || exec 3> "$stdin"
	wait_line "$log" '^Forwarding engine' "$pid"
	run_phases "$run"
	if [ "$run" = native-interrupt ] && [ "${DW_VM_NATIVE%%,*}" = dwvirtio ]; then
		for i in $(seq 1 10); do
			echo "set promisc 0 off" >&3
			sleep 0.2
			echo "set promisc 0 on" >&3
			sleep 0.2
		done
		sleep 0.5
		grep -o 'control command [0-9.]* us' "$log" | awk '{ print $3 }' | sort -n |
			awk -v p="$run" '{ v[NR] = $1 } END { if (NR) printf "bench: %s ctrl_us n=%d median=%.1f max=%.1f\n", p, NR, v[int((NR + 1) / 2)], v[NR] }'
	fi
	# napi's wake-latency histogram of the forwarding lcore, through EAL's
	# telemetry socket: bucket i counts wakes that took [2^i, 2^(i+1)) ns.
	python3 -c '
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("/run/dpdk/rte/dpdk_telemetry.v2")
s.recv(4096)
s.send(b"/dwork/lcore/info,1")
d = json.loads(s.recv(65536).decode())["/dwork/lcore/info"]
h = d.get("wake_lat_log2_ns", [])
print("bench: %s wake_lat_log2_ns %s" % (sys.argv[1], " ".join(
    "%d:%d" % (i, n) for i, n in enumerate(h) if n)))
' "$run" 2>&1 | sed 's/^Traceback.*/bench: telemetry query failed/' | grep '^bench: '
	kill -INT "$pid"
	wait "$pid"
	echo "bench: $run exit $?"
	[ "$stdin" = /dev/null ] || { exec 3>&-; rm -f "$stdin"; }
	grep -E '^(==== |Port 0 \(|  busy |  loops |  wakeups:|mbufs:|.*MSI-X|.*fall)' "$log" |
		sed "s/^/bench: $run /"
done
rm -f "$log"
exit 0
