#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Runs inside the guest (run-in-vm.sh -- bash tests/vm/guest-dwtestpmd.sh ...):
# dwork's dw-testpmd on every NIC in DW_VM_NICS (drivers/net/ethdev over
# DPDK's PMD, the NIC bound to vfio-pci), each port forwarding back out of
# itself (--port-topology=loop), until the host creates STOP_FILE (or MAX_SEC
# pass); then SIGINT, which makes dw-testpmd print its summary and exit.
# The vfio lines of /proc/interrupts are printed once forwarding has started
# ("guest-dwtestpmd: irq-start") and before the stop ("irq-stop"), so the
# caller can see the rx vector count rise.
#
# usage: guest-dwtestpmd.sh DW_TESTPMD STOP_FILE [FWD_MODE [MAX_SEC [app args...]]]
#   e.g. guest-dwtestpmd.sh build/app/dw-testpmd/dw-testpmd /tmp/stop io 120 --rx-mode=interrupt
# env: DW_VM_NATIVE=DRIVER[,devargs]: open the NICs with dwork's native driver
#   (--port=DRIVER:ADDR[,devargs]) and keep EAL's PCI bus off them (-b ADDR),
#   e.g. DW_VM_NATIVE=e1000e,itr_us=20 or DW_VM_NATIVE=dwvirtio
# env: DW_VM_EAL_ARGS: more EAL arguments (space-separated), e.g. --iova-mode=pa
#   for a sanitizer build, whose hugepage addresses exceed the vIOMMU's
#   39-bit DMA mask in IOVA-as-VA mode
# env: DW_VM_LCORES: EAL --lcores (default 0@0,1@0: main and forwarding
#   lcore on the single vCPU), e.g. 0@0,1@0,2@1 with --nb-cores=2 on two vCPUs
# env: DW_VM_IDLE_S=N: once the stop file is there (the host's traffic is
#   over), read the forwarding lcore's wakeups ("show lcores") twice, N s
#   apart, and print "guest-dwtestpmd: idle N s: timeout A -> B, rx-intr C -> D"
#   before the stop: what the lcore did with no frame coming in

set -u
bin=${1:?usage: guest-dwtestpmd.sh DW_TESTPMD STOP_FILE [FWD_MODE [MAX_SEC [args]]]}
stop=${2:?usage: guest-dwtestpmd.sh DW_TESTPMD STOP_FILE [FWD_MODE [MAX_SEC [args]]]}
mode=${3:-io}
max_s=${4:-120}
shift $(($# < 4 ? $# : 4))

[ -n "${DW_VM_NICS:-}" ] || { echo "guest-dwtestpmd: no NICs (DW_VM_NICS)" >&2; exit 1; }
allow=()
ports=()
native=${DW_VM_NATIVE:-}
for bdf in $DW_VM_NICS; do
	if [ -n "$native" ]; then
		allow+=(-b "$bdf")
		ports+=("--port=${native%%,*}:$bdf${native#"${native%%,*}"}")
	else
		allow+=(-a "$bdf")
	fi
done

# "show lcores" at the prompt; prints its first lcore's wakeups line
# ("  wakeups: rx-intr N doorbell N bh-timer N timeout N ...") once it is out.
show_wakeups() {
	local n0 t
	n0=$(grep -c '^  wakeups:' "$log")
	echo "show lcores" >&3
	for ((t = 0; t < 50; t++)); do
		[ "$(grep -c '^  wakeups:' "$log")" -gt "$n0" ] && break
		sleep 0.1
	done
	grep '^  wakeups:' "$log" | sed -n "$((n0 + 1))p"
}

# The idle window (DW_VM_IDLE_S): wakeups read twice over a quiet interval.
idle_window() {
	local a b
	a=$(show_wakeups)
	sleep "$idle_s"
	b=$(show_wakeups)
	echo "guest-dwtestpmd: idle $idle_s s: timeout $(wk_field "$a" timeout) -> $(wk_field "$b" timeout)," \
		"rx-intr $(wk_field "$a" rx-intr) -> $(wk_field "$b" rx-intr)," \
		"doorbell $(wk_field "$a" doorbell) -> $(wk_field "$b" doorbell)"
}

# wk_field LINE NAME: the count after NAME in a wakeups line ("none" if absent).
wk_field() {
	local v
	v=$(sed -n "s/.* $2 \([0-9][0-9]*\).*/\1/p" <<< "$1")
	echo "${v:-none}"
}

irq_lines() {
	grep -E 'vfio' /proc/interrupts | sed "s/^/guest-dwtestpmd: $1: /" ||
		echo "guest-dwtestpmd: $1: no vfio interrupts"
}

# Two lcores on the single vCPU, as guest-testpmd.sh: the main (control)
# lcore mostly sleeps, the forwarding lcore polls or parks. No telemetry
# socket: nothing reads it here.
# DW_VM_CMDS ("cmd1;cmd2;..."): prompt commands, one every 0.4 s once
# forwarding runs, through a fifo on dw-testpmd's stdin (-i --auto-start).
cmds=()
[ -z "${DW_VM_CMDS:-}" ] || IFS=';' read -r -a cmds <<< "$DW_VM_CMDS"
idle_s=${DW_VM_IDLE_S:-0}
stdin=/dev/null
prompt=()
if [ ${#cmds[@]} -gt 0 ] || [ "$idle_s" -gt 0 ]; then
	stdin=$(mktemp -u /tmp/dw-testpmd-cmds.XXXXXX)
	mkfifo "$stdin"
	prompt=(-i --auto-start)
fi
log=$(mktemp /tmp/dw-testpmd.XXXXXX)
read -r -a eal_extra <<< "${DW_VM_EAL_ARGS:-}"
"$bin" --lcores "${DW_VM_LCORES:-0@0,1@0}" -n 1 "${allow[@]}" "${eal_extra[@]}" --log-level=lib.eal:notice --no-telemetry -- \
	--port-topology=loop --forward-mode="$mode" --nb-cores=1 \
	--rxq=1 --rxd=512 --txd=512 --total-num-mbufs=4096 "${ports[@]}" "${prompt[@]}" "$@" \
	< "$stdin" > "$log" 2>&1 &
pid=$!
[ "$stdin" = /dev/null ] || exec 3> "$stdin"
ci=0
tail -n +1 -f --pid="$pid" "$log" &
tail_pid=$!

t=0
started=0
# (Commands still to send keep the loop going past the stop file.)
while kill -0 "$pid" 2> /dev/null && [ "$t" -lt $((max_s * 5)) ] &&
	{ [ ! -e "${DW_VM_HOST:-}$stop" ] || [ "$ci" -lt ${#cmds[@]} ]; }; do
	if [ "$started" = 0 ] && grep -q '^Forwarding engine' "$log"; then
		sleep 0.2
		irq_lines irq-start
		started=1
	elif [ "$started" = 1 ] && [ "$ci" -lt ${#cmds[@]} ] && [ $((t % 2)) = 0 ]; then
		echo "guest-dwtestpmd: cmd: ${cmds[$ci]}"
		echo "${cmds[$ci]}" >&3
		ci=$((ci + 1))
	fi
	sleep 0.2
	t=$((t + 1))
done
if kill -0 "$pid" 2> /dev/null; then
	[ -e "${DW_VM_HOST:-}$stop" ] || echo "guest-dwtestpmd: no stop file after ${max_s}s"
	[ "$idle_s" -eq 0 ] || idle_window
	irq_lines irq-stop
	kill -INT "$pid"
fi
wait "$pid"
rc=$?
wait "$tail_pid" 2> /dev/null
rm -f "$log"
[ "$stdin" = /dev/null ] || rm -f "$stdin"
echo "guest-dwtestpmd: dw-testpmd exit status $rc"
exit "$rc"
