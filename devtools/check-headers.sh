#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Every installed header must compile on its own (STYLE.md rule 11).
set -euo pipefail
cd "$(dirname "$0")/.."
inc=()
for d in config lib/* drivers/bus/* drivers/net/*; do [ -d "$d" ] && inc+=("-I$d"); done
rc=0
tmp=$(mktemp --suffix=.c)
for h in config/dw_*.h lib/*/dw_*.h drivers/bus/*/dw_*.h drivers/net/*/dw_*.h; do
	[ -f "$h" ] || continue
	printf '#include "%s"\n' "$(basename "$h")" >"$tmp"
	if ! cc -std=gnu11 -D_GNU_SOURCE -fsyntax-only -Wall -Werror "${inc[@]}" $(pkg-config --cflags libdpdk) "$tmp"; then
		echo "check-headers: $h does not compile on its own" >&2
		rc=1
	fi
done
rm -f "$tmp"
[ $rc -eq 0 ] && echo "all public headers compile on their own"
exit $rc
