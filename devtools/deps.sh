#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Install the Debian packages in devtools/deps.txt (and any extra list given
# as arguments) when some are missing. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t pkgs < <(cat devtools/deps.txt "$@" | sed 's/#.*//' | tr -s ' \t' '\n' | sed '/^$/d')
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: need root to install: ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
