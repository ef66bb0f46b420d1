#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Run dw-bench: dwork against the executors people use instead (slow path) and
# BH lanes / napi loop against an rte_ring handoff and an eventfd floor; write
# CSV, render PNG plots with gnuplot, and (full runs) update
# doc/guides/benchmarks.md.
#
#   devtools/bench.sh [--quick] [--out DIR] [--reps N] [--no-doc]
#
# --quick is the CI smoke test: a minute or so, CSV only, no figure asserted.
# Needs root for apt-get only when packages are missing (devtools/deps.txt).
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
out=build-bench/bench
reps=3
doc=1
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1; doc=0; reps=1 ;;
	--out) out=$2; shift ;;
	--reps) reps=$2; shift ;;
	--no-doc) doc=0 ;;
	*) echo "usage: $0 [--quick] [--out DIR] [--reps N] [--no-doc]" >&2; exit 2 ;;
	esac
	shift
done

devtools/deps.sh
if [ -f build-bench/build.ninja ]; then
	meson setup --reconfigure build-bench --buildtype=release -Dtests=false >/dev/null
else
	meson setup build-bench --buildtype=release -Dtests=false >/dev/null
fi
ninja -C build-bench app/dw-bench/dw-bench >/dev/null
ninja -C build-bench app/dw-testpmd/dw-testpmd >/dev/null 2>&1 || true
mkdir -p "$out"
bench=build-bench/app/dw-bench/dw-bench
ncpu=$(nproc)
args=(--reps "$reps" --out "$out")
[ "$quick" -eq 1 ] && args+=(--quick)

# What the machine was, and how loaded, around the run.
{
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "nproc=$ncpu"
	echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
	echo "kernel=$(uname -r)"
	echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
	echo "mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
	echo "dpdk=$(pkg-config --modversion libdpdk)"
	echo "glib=$(pkg-config --modversion glib-2.0)"
	echo "libuv=$(pkg-config --modversion libuv)"
	echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "commit=$(git rev-parse --short HEAD)"
	# The build is of the working tree: say when lib/ differs from the commit.
	echo "lib_changed_files=$(git status --porcelain lib drivers config | wc -l)"
} >"$out/machine.txt"

start=$(date +%s)
# Slow path: one lcore allowed on every CPU, so that neither the fixed pools
# (created by the main thread, inheriting its affinity) nor dwork's pools
# (which leave lcore CPUs alone when a node has others) lose a CPU to EAL.
"$bench" --no-huge --no-pci --file-prefix "dwbench-pool-$$" --lcores "0@(0-$((ncpu - 1)))" \
	--log-level=lib.eal:error -- --part pool "${args[@]}" | tee "$out/pool.log"
# Lcore part: two lcores, BH lanes and the napi loop.
"$bench" -l 0-1 --no-huge --no-pci --file-prefix "dwbench-lcore-$$" \
	--log-level=lib.eal:error -- --part lcore "${args[@]}" | tee "$out/lcore.log"
# Forwarding: dw-testpmd against dpdk-testpmd, net_null pair, io engine, one
# forwarding lcore each, the same duration; rates are the median of the
# per-second rx rates both print (first two seconds dropped as warm-up).
fwd_secs=10
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) m = 0; else if (NR % 2) m = v[(NR + 1) / 2]
	else m = (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f\n", m }'; }
[ "$quick" -eq 1 ] && fwd_secs=5 # two warm-up seconds are dropped
fwd_eal=(-l 0-1 --no-huge -m 512 --no-pci --vdev net_null0 --vdev net_null1 --log-level=lib.eal:error)
if [ -x build-bench/app/dw-testpmd/dw-testpmd ] && command -v dpdk-testpmd >/dev/null; then
	echo "rep,app,secs,mpps" >"$out/fwd.csv"
	# A few per cent of run-to-run noise: at least 5 alternated pairs in full runs.
	fwd_reps=$reps
	[ "$quick" -eq 0 ] && [ "$fwd_reps" -lt 5 ] && fwd_reps=5
	for rep in $(seq 0 $((fwd_reps - 1))); do
		build-bench/app/dw-testpmd/dw-testpmd "${fwd_eal[@]}" --file-prefix "dwbench-dwtp-$$" -- \
			--forward-mode=io --nb-cores=1 --stats-period=1 --total-num-mbufs=16384 --duration="$fwd_secs" \
			>"$out/fwd-dw-$rep.log" 2>&1 || true
		# "[ 3.0s] port 0: rx X Mpps tx ..." per second: sum the ports' rx.
		awk '/^\[ *[0-9.]+s\]/ { t = 0; for (i = 1; i <= NF; i++) if ($i == "rx") t += $(i + 1)
			print t }' "$out/fwd-dw-$rep.log" | tail -n +3 | median |
			sed "s/^/$rep,dw-testpmd,$fwd_secs,/" >>"$out/fwd.csv"
		timeout -s INT $((fwd_secs + 3)) dpdk-testpmd "${fwd_eal[@]}" --file-prefix "dwbench-tp-$$" -- \
			--forward-mode=io --nb-cores=1 --stats-period=1 --total-num-mbufs=16384 >"$out/fwd-dpdk-$rep.log" 2>&1 || true
		# "Rx-pps: N" once per port per second: sum the two ports of each second.
		awk '/Rx-pps:/ { t += $2; if (++p % 2 == 0) { print t / 1e6; t = 0 } }' \
			"$out/fwd-dpdk-$rep.log" | tail -n +3 | median |
			sed "s/^/$rep,dpdk-testpmd,$fwd_secs,/" >>"$out/fwd.csv"
	done
	cat "$out/fwd.csv"
fi
# The same forwarding under callgrind: instructions the forwarding lcore's
# thread executed per forwarded packet, a count that does not depend on the
# machine's load (full runs only; valgrind is optional).
if [ "$quick" -eq 0 ] && command -v valgrind >/dev/null && [ -x build-bench/app/dw-testpmd/dw-testpmd ] &&
	command -v dpdk-testpmd >/dev/null; then
	cg=$out/callgrind
	rm -rf "$cg" && mkdir -p "$cg"
	cg_run() { # $1 name, $2 seconds until SIGINT, then the command: a callgrind file per thread, $cg/$1-NN
		local name=$1 secs=$2
		shift 2
		timeout -s INT "$secs" valgrind --tool=callgrind --separate-threads=yes \
			--callgrind-out-file="$cg/$name" "$@" >"$cg/$name.log" 2>&1 || true
	}
	# The forwarding lcore's thread is the busiest one but the main thread (file -01).
	fwd_ir() {
		local f
		for f in "$cg/$1"-[0-9]*; do
			case $f in *-01) continue ;; esac
			awk '/^summary:/ { print $2 }' "$f"
		done | sort -g | tail -n1
	}
	cg_run dw 60 build-bench/app/dw-testpmd/dw-testpmd "${fwd_eal[@]}" --file-prefix "dwbench-cgdw-$$" -- \
		--forward-mode=io --nb-cores=1 --stats-period=1 --total-num-mbufs=16384 --duration=4
	cg_run dpdk 12 dpdk-testpmd "${fwd_eal[@]}" --file-prefix "dwbench-cgtp-$$" -- \
		--forward-mode=io --nb-cores=1 --stats-period=1 --total-num-mbufs=16384
	# Packets forwarded: the ports' rx in dw-testpmd's summary, the accumulated RX-packets in dpdk-testpmd's.
	dw_pk=$(awk '/^Port [0-9]+ \(.*\): rx / { t += $5 } END { print t + 0 }' "$cg/dw.log")
	tp_pk=$(awk '/Accumulated forward statistics/ { f = 1 } f && /RX-packets:/ { print $2; exit }' "$cg/dpdk.log")
	ir_row() { # app, callgrind name, packets
		awk -v a="$1" -v p="${3:-0}" -v i="$(fwd_ir "$2")" \
			'BEGIN { printf "%s,%.0f,%.0f,%.2f\n", a, p, i, (p > 0 ? i / p : 0) }'
	}
	{
		echo "app,packets,instructions,per_packet"
		ir_row dw-testpmd dw "$dw_pk"
		ir_row dpdk-testpmd dpdk "$tp_pk"
	} >"$out/fwd_ir.csv"
	cat "$out/fwd_ir.csv"
fi
# Request/response through the forwarders (root: namespaces and tap devices).
if [ "$(id -u)" -eq 0 ]; then
	rr_args=(--out "$out" --reps "$reps")
	[ "$quick" -eq 1 ] && rr_args=(--out "$out" --quick)
	devtools/rr-bench.sh "${rr_args[@]}" || echo "bench.sh: rr-bench failed" >&2
fi
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"
echo "seconds=$(($(date +%s) - start))" >>"$out/machine.txt"

# Summaries (medians over repetitions), plots, and the guide.
python3 app/dw-bench/report.py --out "$out" --summaries
if command -v gnuplot >/dev/null; then
	(cd "$out" && gnuplot "$OLDPWD/app/dw-bench/plots.gp")
fi
if [ "$doc" -eq 1 ]; then
	mkdir -p doc/guides/img
	cp "$out"/*.png doc/guides/img/ 2>/dev/null || true
	python3 app/dw-bench/report.py --out "$out" --doc doc/guides/benchmarks.md
fi
echo "bench.sh: CSV and plots in $out ($(($(date +%s) - start)) s)"
