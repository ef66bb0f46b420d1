#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Runs inside the guest (run-in-vm.sh -- bash tests/vm/guest-testpmd.sh ...):
# DPDK's dpdk-testpmd forwarding on every NIC in DW_VM_NICS until the host
# creates STOP_FILE (or MAX_SEC pass), then the vfio lines of /proc/interrupts
# and testpmd's own statistics.
#
# usage: guest-testpmd.sh STOP_FILE [FWD_MODE [MAX_SEC [testpmd app args...]]]

set -u
stop=${1:?usage: guest-testpmd.sh STOP_FILE [FWD_MODE [MAX_SEC [args]]]}
mode=${2:-io}
max_s=${3:-120}
shift $(($# < 3 ? $# : 3))

[ -n "${DW_VM_NICS:-}" ] || { echo "guest-testpmd: no NICs (DW_VM_NICS)" >&2; exit 1; }
allow=()
for bdf in $DW_VM_NICS; do allow+=(-a "$bdf"); done

# testpmd (not interactive) leaves when its standard input gives a byte or
# EOF: hold a FIFO open until the host says the traffic is over.
fifo=$(mktemp -u /tmp/testpmd-in.XXXXXX)
mkfifo "$fifo"
# Two lcores on the single vCPU: the main one sleeps in read(), the
# forwarding one polls.
dpdk-testpmd --lcores 0@0,1@0 -n 1 "${allow[@]}" --log-level=lib.eal:notice -- \
	--port-topology=loop --forward-mode="$mode" --nb-cores=1 \
	--rxq=1 --txq=1 --rxd=512 --txd=512 --total-num-mbufs=4096 \
	--auto-start "$@" < "$fifo" &
pid=$!
exec 3> "$fifo"

t=0
while kill -0 "$pid" 2> /dev/null && [ ! -e "${DW_VM_HOST:-}$stop" ] &&
	[ "$t" -lt $((max_s * 5)) ]; do
	sleep 0.2
	t=$((t + 1))
done
if kill -0 "$pid" 2> /dev/null; then
	[ -e "${DW_VM_HOST:-}$stop" ] || echo "guest-testpmd: no stop file after ${max_s}s"
	echo "guest-testpmd: /proc/interrupts while testpmd runs:"
	grep -E 'vfio' /proc/interrupts || echo "guest-testpmd: no vfio interrupts"
fi
exec 3>&-
wait "$pid"
rc=$?
rm -f "$fifo"
echo "guest-testpmd: dpdk-testpmd exit status $rc"
exit "$rc"
