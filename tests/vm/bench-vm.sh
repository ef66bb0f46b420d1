#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Figures for the VFIO path (doc/guides/vm.md, "Figures"): for each NIC
# model, one guest boot in which guest-bench.sh runs dpdk-testpmd (poll),
# dw-testpmd in poll mode and dw-testpmd in interrupt mode on the NIC bound
# to vfio-pci, one after the other, each forwarding (io) back out of the same
# port (for e1000e and virtio also dw-testpmd on dwork's native driver, poll
# and interrupt, with control-command latency on virtio); for each of them and
# each phase (idle, then udp_peer.py streams at
# rising rates) the host prints one row:
#
#   nic prog phase offered_pps sent back pct back_kpps guest_idle% qemu_cpu% qsock_drop
#
# back_kpps: frames that came back per second of sending; guest_idle%: the
# guest vCPU's idle share over the phase (/proc/stat); qemu_cpu%: the QEMU
# process's host CPU over the phase (/proc/PID/stat), 100 = one host core;
# qsock_drop: datagrams the host kernel dropped on QEMU's netdev socket over
# the phase (/proc/net/udp "drops": QEMU did not read them in time, e.g.
# while the guest's rx ring had no free buffer and QEMU stopped reading).
# Then dw-testpmd's summaries (sleep share, wakeups, median wake latency)
# and its lcore's wake-latency histogram (telemetry /dwork/lcore/info,1).
# Not a test: nothing is asserted. Takes about 90 s per NIC.
#
# usage: bench-vm.sh [NIC...]          (default: virtio vmxnet3)
# env:   DW_VM_DW_TESTPMD (dw-testpmd binary), DW_VM_BENCH_PHASES
#        (default "idle:0:3 low:2000:3 mid:20000:3 high:80000:3 after:0:3",
#        name:frames_per_s:seconds; "idle" comes before the first frame,
#        while dw-testpmd's napi self-test still bounds the sleeps, "after"
#        once the rx interrupt has proven itself), DW_VM_UDP_BASE

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
nics=("$@")
[ ${#nics[@]} -gt 0 ] || nics=(virtio vmxnet3)
read -r -a phase_conf <<< "${DW_VM_BENCH_PHASES:-idle:0:3 low:2000:3 mid:20000:3 high:80000:3 after:0:3}"
base=${DW_VM_UDP_BASE:-$((40000 + 2 * (RANDOM % 4000)))}
dwtp=${DW_VM_DW_TESTPMD:-$here/../../build/app/dw-testpmd/dw-testpmd}
[ -x "$dwtp" ] || { echo "bench-vm: no dw-testpmd at $dwtp (DW_VM_DW_TESTPMD)" >&2; exit 1; }
dwtp=$(cd "$(dirname "$dwtp")" && pwd)/$(basename "$dwtp")
hz=$(getconf CLK_TCK)

work=$(mktemp -d /tmp/dw-bench-vm.XXXXXX)
[ -n "${DW_VM_BENCH_KEEP:-}" ] && echo "bench-vm: keeping $work"
[ -n "${DW_VM_BENCH_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
phase_names=()
for p in "${phase_conf[@]}"; do phase_names+=("${p%%:*}"); done

# qemu_sock_drops PORT: the drops counter of the UDP socket bound to
# 127.0.0.1:PORT (QEMU's side of the socket netdev), 0 if none.
qemu_sock_drops() {
	awk -v a="$(printf '0100007F:%04X' "$1")" '$2 == a { d = $NF } END { print d + 0 }' /proc/net/udp
}

# qemu_ticks PID: utime + stime of the QEMU process, in clock ticks.
qemu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2> /dev/null || echo 0
}

echo "bench-vm: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
for nic in "${nics[@]}"; do
	out=$work/$nic.vm
	# The guest waits for DIR/PROG.PHASE: one directory per boot.
	mkdir -p "$work/$nic"
	# e1000e, virtio: also dwork's native driver, poll and interrupt
	# (guest-bench.sh's native-* runs).
	native=()
	case $nic in
	e1000e) native=(--env DW_VM_NATIVE=e1000e) ;;
	virtio) native=(--env DW_VM_NATIVE=dwvirtio) ;;
	esac
	"$here/run-in-vm.sh" --nic "$nic" "${native[@]}" --udp-base "$base" --timeout 600 --log "$work/$nic.console" \
		--cwd / -- bash "$here/guest-bench.sh" "$dwtp" "$work/$nic" "${phase_names[*]}" 30 > "$out" 2>&1 &
	vm_pid=$!
	qpid=
	while IFS= read -r line; do
		case $line in
		'@@PHASE '*) ;;
		*) continue ;;
		esac
		read -r _ prog ph <<< "${line%@@}"
		[ -n "$qpid" ] || qpid=$(pgrep -f "^qemu-system.*localaddr=127.0.0.1:$base" | head -n 1)
		rate=0
		secs=3
		for p in "${phase_conf[@]}"; do
			if [ "${p%%:*}" = "$ph" ]; then
				IFS=: read -r _ rate secs <<< "$p"
			fi
		done
		q0=$(qemu_ticks "$qpid")
		d0=$(qemu_sock_drops "$base")
		t0=$EPOCHREALTIME
		if [ "$rate" -eq 0 ]; then
			sleep "$secs"
			res="sent=0 unique=0 pct=0 send=${secs}s"
		else
			res=$(python3 "$here/udp_peer.py" --qemu-port "$base" --wait-ready 60 \
				--count $((rate * secs)) --rate "$rate" --drain 1 2>&1 | grep '^udp_peer: sent=')
		fi
		q1=$(qemu_ticks "$qpid")
		d1=$(qemu_sock_drops "$base")
		t1=$EPOCHREALTIME
		touch "$work/$nic/$prog.$ph"
		echo "$nic $prog $ph $rate $res q=$((q1 - q0)) qd=$((d1 - d0)) t0=$t0 t1=$t1" >> "$work/rows"
		echo "  $nic $prog $ph: $res" >&2
	done < <(tail -n +1 -F --pid="$vm_pid" "$out" 2> /dev/null)
	wait "$vm_pid"
	echo "bench-vm: $nic guest exit status $?"
	printf '%-8s %-16s %-5s %8s %7s %7s %6s %9s %7s %7s %10s\n' nic prog phase offered sent back \
		pct back_kpps g_idle% qemu% qsock_drop
	# One row per phase: the host's counts joined with the guest's idle share.
	awk -v nic="$nic" -v hz="$hz" '
	FNR == NR && /^bench: .* idle=/ {
		x = $4; sub(/^idle=/, "", x); idle[$2 " " $3] = x; next
	}
	FNR == NR { next }
	$1 == nic {
		split("", v)
		for (i = 5; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		s = v["send"]; sub(/s$/, "", s)
		printf "%-8s %-16s %-5s %8d %7d %7d %6.1f %9.2f %7s %7.0f %10d\n", nic, $2, $3, $4,
			v["sent"], v["unique"], v["pct"], (s > 0 ? v["unique"] / s / 1000 : 0),
			idle[$2 " " $3], 100 * v["q"] / hz / (v["t1"] - v["t0"]), v["qd"]
	}' "$out" "$work/rows" | tee -a "$work/table"
	grep -E '^bench: ' "$out" | grep -v ' idle=' | grep -v ' periods=' | sed "s/^/  $nic /"
	grep -E '^bench: .* periods=' "$out" | sed "s/^bench: /  $nic /"
	grep -E '^run-in-vm: prepare' "$out"
done
echo "bench-vm: load average $(cut -d' ' -f1-3 /proc/loadavg) at end"
