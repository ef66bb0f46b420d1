#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Runs inside the guest (run-in-vm.sh --nic e1000e -- bash tests/vm/guest-e1000e-bad.sh ...):
# dw-testpmd with bad --port devargs for dwork's native e1000e driver. Each
# must end with a non-zero exit and one log line naming the problem, never a
# crash or a hang; intr=poll must run in poll mode with its warning. Prints
# "guest-e1000e-bad: ok|FAIL: WHAT" per step and exits non-zero on a failure.
#
# usage: guest-e1000e-bad.sh DW_TESTPMD

set -u
bin=${1:?usage: guest-e1000e-bad.sh DW_TESTPMD}
bdf=${DW_VM_NICS%% *}
[ -n "$bdf" ] || { echo "guest-e1000e-bad: no NIC (DW_VM_NICS)" >&2; exit 1; }
failed=0

# step WHAT WANT_RC(0|nz) PATTERN PORT [app args...]
step() {
	local what=$1 want=$2 pat=$3 port=$4 out rc ok=1
	shift 4
	out=$(timeout 60 "$bin" --lcores 0@0,1@0 -n 1 -b "$bdf" --log-level=lib.eal:notice \
		--no-telemetry -- --port="$port" --forward-mode=io --nb-cores=1 \
		--total-num-mbufs=2048 --duration=1 "$@" 2>&1)
	rc=$?
	if [ "$want" = 0 ]; then [ "$rc" -eq 0 ] || ok=0; else { [ "$rc" -ne 0 ] && [ "$rc" -lt 124 ]; } || ok=0; fi
	grep -q -- "$pat" <<< "$out" || ok=0
	if [ "$ok" = 1 ]; then
		echo "guest-e1000e-bad: ok: $what (rc $rc): $(grep -m1 -- "$pat" <<< "$out")"
	else
		echo "guest-e1000e-bad: FAIL: $what (rc $rc, wanted ${want}, pattern '$pat')"
		sed 's/^/guest-e1000e-bad:   | /' <<< "$out" | tail -n 15
		failed=$((failed + 1))
	fi
}

step "no such PCI address" nz "0000:00:1f.7: no such PCI device" "e1000e:0000:00:1f.7"
step "unsupported device id (the host bridge)" nz "unsupported device 8086:" "e1000e:0000:00:00.0"
step "bad devargs" nz "itr_us=fast is not a number" "e1000e:$bdf,itr_us=fast"
step "unknown devargs key" nz "unknown key 'mtu'" "e1000e:$bdf,mtu=9000"
step "intr=poll: poll mode with a warning" 0 "intr=poll: rx queue polled" "e1000e:$bdf,intr=poll" \
	--rx-mode=interrupt
# Last: leaves the NIC without a driver.
echo "$bdf" > "/sys/bus/pci/devices/$bdf/driver/unbind"
step "device not bound to vfio-pci" nz "$bdf: bound to no driver, not vfio-pci" "e1000e:$bdf"
echo "guest-e1000e-bad: $failed failed"
[ "$failed" -eq 0 ]
