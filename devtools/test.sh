#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Build dwork three ways and run its test suites:
#   build/       every suite but vm (unit, cm, stress, integration)
#   build-asan/  the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   build-tsan/  the concurrency suites (tagged tsan) under ThreadSanitizer
# plus clang-format, a stand-alone compile of every public header, a Context:
# line on every public call (devtools/check-context.py), the export check of
# libdwork.so (devtools/check-exports.sh) and a quick
# dw-bench smoke run (devtools/bench.sh --quick: exits 0 and writes its CSV).
# Integration tests create network namespaces and tap devices: run as root.
# Ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
devtools/deps.sh || exit 1

passed=0
failed=0
note() { printf '\n=== %s\n' "$*"; }

# Count meson's "Ok:" / "Fail:" / "Timeout:" lines into the totals.
tally() {
	local log=$1 ok fail to
	ok=$(awk '/^Ok:/ {print $2}' "$log" | tail -n1)
	fail=$(awk '/^Fail:/ {print $2}' "$log" | tail -n1)
	to=$(awk '/^Timeout:/ {print $2}' "$log" | tail -n1)
	passed=$((passed + ${ok:-0}))
	failed=$((failed + ${fail:-0} + ${to:-0}))
	if [ -z "$ok" ]; then
		failed=$((failed + 1)) # the run itself broke
	fi
}

setup() {
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi && ninja -C "$dir"
}

run_suites() {
	local dir=$1 log
	shift
	log=$(mktemp)
	meson test -C "$dir" --print-errorlogs "$@" 2>&1 | tee "$log"
	tally "$log"
	rm -f "$log"
}

note "style: clang-format"
bad=$(git ls-files '*.c' '*.h' | xargs clang-format --dry-run -Werror 2>&1 | grep -c 'error:' || true)
if [ "$bad" -eq 0 ]; then passed=$((passed + 1)); else
	git ls-files '*.c' '*.h' | xargs clang-format --dry-run -Werror 2>&1 | grep 'error:' | head
	failed=$((failed + 1))
fi

note "public headers compile on their own"
if devtools/check-headers.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

note "every public call documents its Context:"
if devtools/check-context.py; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

note "plain build"
if setup build; then
	run_suites build --no-suite vm
else
	failed=$((failed + 1))
fi

note "libdwork.so exports the public dw_* API only"
if [ -f build/build.ninja ] && devtools/check-exports.sh build; then passed=$((passed + 1)); else
	failed=$((failed + 1))
fi

# Stage an install of build/, build examples/l2fwd-dw out of tree with only
# its libdwork.pc (prefix rewritten into the stage), run it briefly on vdevs.
example_check() {
	local stage="$PWD/build/stage" tmp pc prefix rc=1
	tmp=$(mktemp -d)
	rm -rf "$stage"
	if meson install -C build --destdir "$stage" --quiet >/dev/null &&
		pc=$(find "$stage" -name libdwork.pc | head -n 1) && [ -n "$pc" ] &&
		prefix=$(sed -n 's/^prefix=//p' "$pc") &&
		sed "s|^prefix=.*|prefix=$stage$prefix|" "$pc" >"$tmp/libdwork.pc" &&
		cp -r examples/l2fwd-dw "$tmp/src" &&
		PKG_CONFIG_PATH="$tmp" make -C "$tmp/src" &&
		LD_LIBRARY_PATH="$(dirname "$(dirname "$pc")")" timeout 60 "$tmp/src/l2fwd-dw" \
			--no-huge -m 256 --no-pci -l 0-1 --file-prefix="dwex$$" \
			--log-level=lib.eal:warning --vdev=net_null0 --vdev=net_null1 -- \
			-T 0.5 --duration 1.5 --mode adaptive | tee "$tmp/out" &&
		grep -q 'rx [1-9]' "$tmp/out" && grep -q 'done, 0 mbufs missing' "$tmp/out"; then
		rc=0
	fi
	rm -rf "$tmp"
	return $rc
}

note "out-of-tree example against the staged install"
if [ -f build/build.ninja ] && example_check; then passed=$((passed + 1)); else
	failed=$((failed + 1))
fi

note "ASan + UBSan build"
if setup build-asan -Db_sanitize=address,undefined -Db_lundef=false; then
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		DW_TEST_TIME_SCALE=2 DW_STRESS_OPS=1000000 \
		run_suites build-asan --no-suite vm --timeout-multiplier 3
else
	failed=$((failed + 1))
fi

note "TSan build (concurrency suites)"
if setup build-tsan -Db_sanitize=thread -Db_lundef=false; then
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
		DW_TEST_TIME_SCALE=8 DW_STRESS_OPS=300000 \
		run_suites build-tsan --suite tsan --timeout-multiplier 4
else
	failed=$((failed + 1))
fi

note "benchmark smoke test: devtools/bench.sh --quick (CSV only, no figure asserted)"
benchout=$(mktemp -d)
if devtools/bench.sh --quick --out "$benchout" >"$benchout/bench.log" 2>&1 &&
	[ -s "$benchout/s1_sleep_ratio.csv" ] && [ -s "$benchout/lcore_lat.csv" ]; then
	passed=$((passed + 1))
else
	tail -n 20 "$benchout/bench.log"
	failed=$((failed + 1))
fi
rm -rf "$benchout"

note "vm suite: QEMU guest, NICs on vfio-pci (tests/vm)"
if devtools/deps.sh tests/vm/deps.txt; then
	run_suites build --suite vm
else
	failed=$((failed + 1))
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
