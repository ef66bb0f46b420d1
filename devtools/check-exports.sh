#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# libdwork.so exports its public dw_* API and nothing else (lib/libdwork.map).
# Fails when the shared library exports
#   - a symbol that does not start with dw_, or
#   - a dw_* symbol of the ABI node that no installed header declares,
#   - an INTERNAL symbol that the map's INTERNAL node does not list,
# or when a function or variable declared in an installed header is not
# exported (a new public call missing from the map).
# Usage: devtools/check-exports.sh [build-dir]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
bdir=${1:-build}
lib="$bdir/libdwork.so"
[ -f "$lib" ] || { echo "check-exports: $lib not built" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# name@@NODE for every defined dynamic symbol (the version nodes themselves are type A).
nm -D --defined-only "$lib" | awk '$2 != "A" {print $3}' | sed 's/@@*/ /' | sort >"$tmp/exported"

# Installed headers as meson will install them.
meson introspect "$bdir" --installed |
	python3 -c 'import json, sys; [print(k) for k, v in json.load(sys.stdin).items() if k.endswith(".h")]' \
		>"$tmp/headers"
inc=()
for d in config lib/* drivers/net/*; do [ -d "$d" ] && inc+=("-I$d"); done
while read -r h; do printf '#include "%s"\n' "$h"; done <"$tmp/headers" >"$tmp/all.c"
# Functions declared (not defined: static inlines are NF) in those headers, as the compiler sees them.
cc -std=gnu11 -D_GNU_SOURCE "${inc[@]}" $(pkg-config --cflags libdpdk) -fsyntax-only \
	-aux-info "$tmp/aux" "$tmp/all.c"
grep -F -f <(sed 's|.*|/* &:|' "$tmp/headers") "$tmp/aux" | grep ':NC \*/' |
	sed -E 's/.*[ *](dw_[a-z0-9_]+) \(.*/\1/' >"$tmp/declared"
# Variables: extern declarations in the same headers.
xargs cat <"$tmp/headers" | sed -nE 's/^extern [^(]*[ *](dw_[a-z0-9_]+)(\[.*\])?;.*/\1/p' >>"$tmp/declared"
sort -u -o "$tmp/declared" "$tmp/declared"
# The INTERNAL node's names, from the map.
sed -n '/^INTERNAL/,/^}/p' lib/libdwork.map | sed -nE 's/^[[:space:]]*(dw_[a-z0-9_]+);.*/\1/p' |
	sort >"$tmp/internal"

rc=0
bad() {
	echo "check-exports: $*" >&2
	rc=1
}
while read -r sym node; do
	case "$sym" in
	dw_*) ;;
	*)
		bad "$sym is exported but is not dw_* (internal: it must stay local, see lib/libdwork.map)"
		continue
		;;
	esac
	if [ "$node" = INTERNAL ]; then
		grep -qx "$sym" "$tmp/internal" || bad "$sym exported as INTERNAL but not listed there"
	elif ! grep -qx "$sym" "$tmp/declared"; then
		bad "$sym ($node) is exported but no installed header declares it"
	fi
done <"$tmp/exported"
awk '{print $1}' "$tmp/exported" >"$tmp/names"
while read -r sym; do
	grep -qx "$sym" "$tmp/names" || bad "$sym is declared in an installed header but not exported (add it to lib/libdwork.map)"
done <"$tmp/declared"
n=$(wc -l <"$tmp/exported")
[ $rc -eq 0 ] && echo "check-exports: $lib exports $n symbols, all public dw_* API"
exit $rc
