#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Install dependencies, build dwork and run the demo on DPDK vdevs (no hugepages needed).
set -euo pipefail
cd "$(dirname "$0")/.."
devtools/deps.sh
if [ ! -f build/build.ninja ]; then meson setup build >/dev/null; fi
ninja -C build
exec build/app/dw-wqdemo --no-huge -m 256 --no-pci --file-prefix=dwdemo$$ \
	--vdev=net_null0 --vdev=net_null1 --log-level=lib.eal:warning -- "$@"
