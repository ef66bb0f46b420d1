#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Run one command inside a throw-away QEMU guest whose emulated NIC(s) sit
# behind an emulated Intel IOMMU and are bound to vfio-pci. The guest sees the
# host's root file system (read only, with a tmpfs overlay), so it runs what
# was built on the host. See doc/guides/vm.md.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
	cat <<EOF
usage: ${0##*/} [options] -- CMD [ARGS...]

Boots a QEMU (TCG) q35 guest with an Intel vIOMMU, binds its NIC(s) to
vfio-pci, mounts hugetlbfs on /dev/hugepages, runs CMD with bash in DIR and
exits with CMD's status (124: guest timed out, 125: guest setup failed).

options:
  --nic MODEL        NIC model: virtio, vmxnet3 or e1000e (default virtio);
                     give it twice for two NICs (PCI 0000:00:10.0, 0000:00:11.0)
  --net MODE         udp (default): NIC i is a QEMU socket netdev that
                     listens on 127.0.0.1:(BASE+2i) and sends to
                     127.0.0.1:(BASE+2i+1), for a host-side peer (udp_peer.py);
                     hub: all NICs on one QEMU hub (looped inside the guest);
                     tap: NIC 0 on the host tap --tap-ifname (one NIC only;
                     the tap must exist, multi_queue when --queues > 1);
                     none: NICs without a backend
  --tap-ifname NAME  the host tap of --net tap
  --queues Q         queue pairs of the tap backend and of a virtio NIC
                     (default 1; > 1: mq=on, 2Q+2 MSI-X vectors)
  --udp-base PORT    BASE above (default 47000)
  --hugepages N      2 MiB hugepages reserved at boot (default 128; each
                     costs about 5 ms of boot under TCG)
  --mem MIB          guest memory (default 1024)
  --cpus N           guest vCPUs (default 1; every vCPU spinning in a poll
                     loop burns one host core)
  --cwd DIR          host directory to run CMD in (default: the current one)
  --timeout SEC      kill the guest after SEC seconds (default 300)
  --pmds LIST        DPDK plugins to keep (default: "$default_pmds")
  --log FILE         full console log (default: CACHE/last-console.log)
  --env VAR=VALUE    set VAR in CMD's environment (repeatable)
  --monitor PATH     QEMU human monitor on the unix socket PATH (for
                     "set_link nI off|on": NIC i's netdev is nI)
  -v, --verbose      copy the whole guest console to stderr as it runs
  -h, --help         this text

In the guest CMD also sees DW_VM=1, DW_VM_NICS (the NICs' PCI addresses)
and DW_VM_HOST=/host: a direct, uncached view of the host's root, for files
the host writes while the guest runs.

environment:
  DW_VM_CACHE        cache directory (default tests/vm/out): guest kernel,
                     modules, initramfs, logs
  DW_VM_KERNEL_PKG   Debian kernel package (default: what linux-image-amd64
                     depends on)

host packages (Debian 12, see tests/vm/deps.txt): qemu-system-x86
busybox-static kmod cpio; dpdk-dev for dpdk-testpmd; python3 for udp_peer.py.
EOF
}

die() {
	echo "run-in-vm: $*" >&2
	exit 125
}

default_pmds="bus_pci bus_vdev mempool_ring net_virtio net_vmxnet3 net_e1000"
nics=()
net=udp
udp_base=47000
hugepages=128
mem=1024
cpus=1
cwd=$PWD
timeout_s=300
pmds=$default_pmds
log=
verbose=0
envs=()
monitor=
tap_ifname=
queues=1

while [ $# -gt 0 ]; do
	case $1 in
	--nic) nics+=("$2"); shift 2 ;;
	--net) net=$2; shift 2 ;;
	--udp-base) udp_base=$2; shift 2 ;;
	--hugepages) hugepages=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--cwd) cwd=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--pmds) pmds=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--env) envs+=("$2"); shift 2 ;;
	--monitor) monitor=$2; shift 2 ;;
	--tap-ifname) tap_ifname=$2; shift 2 ;;
	--queues) queues=$2; shift 2 ;;
	-v|--verbose) verbose=1; shift ;;
	-h|--help) usage; exit 0 ;;
	--) shift; break ;;
	*) usage >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || { usage >&2; exit 2; }
[ ${#nics[@]} -gt 0 ] || nics=(virtio)
[ ${#nics[@]} -le 2 ] || die "at most two NICs"
case $net in udp|hub|none) ;; tap)
	[ -n "$tap_ifname" ] || die "--net tap needs --tap-ifname"
	[ ${#nics[@]} -eq 1 ] || die "--net tap takes one NIC" ;;
*) die "unknown --net $net" ;; esac
cwd=$(cd "$cwd" && pwd) || die "no directory $cwd"
# A guest whose hugepages leave the kernel too little memory hangs silently
# at boot; refuse instead.
[ $((hugepages * 2 + 384)) -le "$mem" ] ||
	die "--hugepages $hugepages (2 MiB each) needs --mem >= $((hugepages * 2 + 384))"

for tool in qemu-system-x86_64 busybox cpio depmod modprobe apt-get dpkg-deb; do
	command -v "$tool" > /dev/null ||
		die "$tool not found; apt-get install $(tr '\n' ' ' < "$here/deps.txt")"
done
busybox_bin=$(command -v busybox)
# The static busybox is the one that works as PID 1 in an empty initramfs.
if ldd "$busybox_bin" > /dev/null 2>&1; then
	[ -x /bin/busybox.static ] || die "busybox is dynamically linked; install busybox-static"
	busybox_bin=/bin/busybox.static
fi

cache=${DW_VM_CACHE:-$here/out}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
log=${log:-$cache/last-console.log}

# --- (a) guest kernel and modules, from Debian's package, extracted only ---
t0=$EPOCHREALTIME
kpkg=${DW_VM_KERNEL_PKG:-}
if [ -z "$kpkg" ]; then
	kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	[ -n "$kpkg" ] || kpkg=$(cat "$cache/kernel-pkg" 2>/dev/null || true)
	[ -n "$kpkg" ] || die "cannot resolve linux-image-amd64 (run apt-get update)"
fi
kroot=$cache/kernel/$kpkg
# Runs sharing a cache must not extract the kernel over each other.
exec 9> "$cache/.fetch.lock"
flock 9
if [ ! -e "$kroot/.done" ]; then
	echo "run-in-vm: fetching $kpkg into $kroot" >&2
	rm -rf "$kroot"
	mkdir -p "$kroot/deb"
	(cd "$kroot/deb" && apt-get download -q "$kpkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2) ||
		die "apt-get download $kpkg failed"
	dpkg-deb -x "$kroot"/deb/*.deb "$kroot/root"
	rm -rf "$kroot/deb"
	kver=$(basename "$(ls -d "$kroot"/root/lib/modules/*)")
	depmod -b "$kroot/root" "$kver"
	echo "$kpkg" > "$cache/kernel-pkg"
	touch "$kroot/.done"
fi
flock -u 9
kver=$(basename "$(ls -d "$kroot"/root/lib/modules/*)")
vmlinuz=$kroot/root/boot/vmlinuz-$kver

# --- (b) initramfs: static busybox, modules in load order, init, command ---
run=$(mktemp -d "$cache/run.XXXXXX")
trap 'rm -rf "$run"' EXIT
ird=$run/initramfs
mkdir -p "$ird"/{bin,dev,proc,sys,dwvm/ko}
cp "$busybox_bin" "$ird/bin/busybox"
cp "$here/guest-init.sh" "$ird/init"
chmod 755 "$ird/init"
mods=(9p 9pnet_virtio virtio_pci overlay vfio_iommu_type1 vfio-pci)
for m in "${mods[@]}"; do
	modprobe -d "$kroot/root" -S "$kver" --show-depends "$m" ||
		die "module $m not found in $kpkg"
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' > "$run/ko.list"
while read -r ko; do
	cp "$ko" "$ird/dwvm/ko/"
	basename "$ko"
done < "$run/ko.list" > "$ird/dwvm/modules"

bdfs=()
for i in "${!nics[@]}"; do bdfs+=("$(printf '0000:00:%02x.0' $((16 + i)))"); done
pmd_dir=$(find /usr/lib/x86_64-linux-gnu/dpdk -maxdepth 1 -name 'pmds-*' -type d 2>/dev/null | head -n 1)
{
	printf 'DWVM_NICS=%q\n' "${bdfs[*]}"
	printf 'DWVM_PMD_DIR=%q\n' "$pmd_dir"
	printf 'DWVM_PMDS=%q\n' "$pmds"
} > "$ird/dwvm/config"
{
	echo 'set -e'
	for e in "${envs[@]}"; do printf 'export %q\n' "$e"; done
	printf 'cd %q\n' "$cwd"
	echo 'set +e'
	printf '%q ' "$@"
	echo
} > "$ird/dwvm/cmd.sh"
(cd "$ird" && find . | cpio -o -H newc --quiet) > "$run/initramfs.cpio"
t_prep=$EPOCHREALTIME

# --- (c) boot ---
# Several vCPUs: one host thread each (multi-threaded TCG), as the mq case needs.
accel=tcg
[ "$cpus" -le 1 ] || accel=tcg,thread=multi
# shellcheck disable=SC2054 # the commas are QEMU's
qemu=(qemu-system-x86_64 -nodefaults -no-user-config -display none
	-machine q35,kernel-irqchip=split -accel "$accel" -cpu max
	-smp "$cpus" -m "$mem" -no-reboot
	-device intel-iommu,intremap=on,caching-mode=on
	-kernel "$vmlinuz" -initrd "$run/initramfs.cpio"
	-append "console=ttyS0 intel_iommu=on iommu=pt no_timer_check panic=-1 quiet loglevel=4 hugepagesz=2M hugepages=$hugepages"
	-chardev stdio,id=con0,signal=off -serial chardev:con0
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap)
[ -z "$monitor" ] || qemu+=(-monitor "unix:$monitor,server=on,wait=off")
for i in "${!nics[@]}"; do
	mac=$(printf '52:54:00:d0:00:%02x' $((i + 1)))
	case $net in
	udp)
		lport=$((udp_base + 2 * i))
		qemu+=(-netdev "socket,id=n$i,udp=127.0.0.1:$((lport + 1)),localaddr=127.0.0.1:$lport") ;;
	hub) qemu+=(-netdev "hubport,id=n$i,hubid=0") ;;
	# One fd per queue: QEMU hands what it reads on tap queue q to the
	# NIC's rx queue q (no RSS negotiated).
	tap) qemu+=(-netdev "tap,id=n$i,ifname=$tap_ifname,script=no,downscript=no,vhost=off,queues=$queues") ;;
	none) ;;
	esac
	nd=",netdev=n$i"
	[ "$net" = none ] && nd=
	addr=$(printf '0x%x' $((16 + i)))
	case ${nics[$i]} in
	virtio)
		mq=
		[ "$queues" -le 1 ] || mq=",mq=on,vectors=$((2 * queues + 2))"
		qemu+=(-device "virtio-net-pci$nd,mac=$mac,addr=$addr,disable-legacy=on,iommu_platform=on,ats=on$mq") ;;
	vmxnet3) qemu+=(-device "vmxnet3$nd,mac=$mac,addr=$addr") ;;
	e1000e) qemu+=(-device "e1000e$nd,mac=$mac,addr=$addr") ;;
	*) die "unknown NIC model ${nics[$i]}" ;;
	esac
done

# --- (d)+(e) the guest runs the command; the console is parsed on the fly ---
# Host clock at the markers: the guest's uptime says little when the host is
# loaded (TCG vCPU threads get descheduled).
console_filter() {
	local line rc='' t_begin=''
	: > "$log"
	while IFS= read -r line; do
		line=${line%$'\r'}
		printf '%s\n' "$line" >> "$log"
		[ "$verbose" = 1 ] && printf '%s\n' "$line" >&2
		case $line in
		'@@DWVM-BEGIN '*)
			t_begin=$EPOCHREALTIME
			continue ;;
		'@@DWVM-END rc='*)
			rc=${line#@@DWVM-END rc=}
			rc=${rc%% *}
			echo "$rc $t_begin $EPOCHREALTIME" > "$run/rc"
			t_begin= ;;
		esac
		if [ -n "$t_begin" ] && [ "$verbose" != 1 ]; then
			printf '%s\n' "$line"
		fi
	done
}

t_boot=$EPOCHREALTIME
set +e
timeout -k 10 "$timeout_s" "${qemu[@]}" < /dev/null 2> "$run/qemu.err" | console_filter
qemu_rc=${PIPESTATUS[0]}
set -e
t_end=$EPOCHREALTIME

if [ -s "$run/qemu.err" ]; then
	grep -vE 'warning: (host doesn.t support requested feature|nic .* has no peer)' "$run/qemu.err" >&2 || true
fi
if [ ! -s "$run/rc" ]; then
	if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
		echo "run-in-vm: guest timed out after ${timeout_s}s; console log: $log" >&2
		tail -n 20 "$log" >&2
		exit 124
	fi
	echo "run-in-vm: guest ended without a status (qemu rc $qemu_rc); console log: $log" >&2
	tail -n 30 "$log" >&2
	exit 125
fi
read -r rc t_begin t_cmd_end < "$run/rc"
awk -v a="$t0" -v p="$t_prep" -v b="$t_boot" -v c="${t_begin:-$t_boot}" -v d="$t_cmd_end" \
	-v e="$t_end" -v rc="$rc" 'BEGIN {
	printf "run-in-vm: prepare %.1fs, boot %.1fs, command %.1fs, power-off %.1fs, total %.1fs, rc %d\n",
		p - a, c - b, d - c, e - d, e - a, rc > "/dev/stderr"
}'
if [ "$rc" -eq 125 ]; then
	echo "run-in-vm: guest setup failed; console log: $log" >&2
	grep 'dwvm-guest' "$log" >&2 || true
fi
exit "$rc"
