#!/bin/busybox sh
# SPDX-License-Identifier: BSD-3-Clause
#
# PID 1 of the dwork test guest (see run-in-vm.sh and doc/guides/vm.md).
#
# Runs from the initramfs that run-in-vm.sh builds: loads the modules listed
# in /dwvm/modules (already in dependency order), mounts the host's root read
# only over virtio-9p with a tmpfs overlay on top, hands the NICs listed in
# /dwvm/config to vfio-pci, runs /dwvm/cmd.sh with the host's bash inside that
# root and powers off. The host reads the console between the markers.
# shellcheck shell=sh disable=SC1091

/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

. /dwvm/config

say() { echo "dwvm-guest: $*"; }

fail() {
	say "$*"
	echo "@@DWVM-END rc=125@@"
	sync
	poweroff -f
	sleep 5
	exit 1
}

# Claim the NICs for vfio-pci before any driver (virtio_pci above all) can
# bind them: with driver_override set, only vfio-pci will probe them.
for bdf in $DWVM_NICS; do
	[ -e "/sys/bus/pci/devices/$bdf" ] || fail "no PCI device $bdf"
	echo vfio-pci > "/sys/bus/pci/devices/$bdf/driver_override" ||
		fail "cannot set driver_override on $bdf"
done

# busybox insmod knows nothing of soft dependencies; the host resolved them.
while read -r ko; do
	insmod "/dwvm/ko/$ko" || fail "insmod $ko failed"
done < /dwvm/modules

mkdir -p /host /ovl /newroot
mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=262144 hostroot /host ||
	fail "cannot mount the host root over 9p"
mount -t tmpfs -o mode=755 ovl /ovl
mkdir -p /ovl/upper /ovl/work
mount -t overlay -o lowerdir=/host,upperdir=/ovl/upper,workdir=/ovl/work \
	overlay /newroot || fail "cannot mount the overlay root"

r=/newroot
mkdir -p $r/host $r/proc $r/sys $r/dev $r/run $r/tmp
# /host: a direct view of the host root, for files the host changes while
# the guest runs (the overlay may cache what it has already looked up).
mount --bind /host $r/host
mount -t proc proc $r/proc
mount -t sysfs sysfs $r/sys
mount -t devtmpfs devtmpfs $r/dev
mkdir -p $r/dev/pts $r/dev/shm $r/dev/hugepages
mount -t devpts devpts $r/dev/pts
mount -t tmpfs -o mode=1777 shm $r/dev/shm
mount -t hugetlbfs -o mode=755 hugetlbfs $r/dev/hugepages
# DPDK refuses to load plugins from a world-writable directory tree.
mount -t tmpfs -o mode=755 run $r/run
# /tmp stays the overlay's: a checkout or build under the host's /tmp (CI clones
# there) must be visible to the guest; writes land in the tmpfs upper layer.

# Load only the PMDs asked for: EAL always scans its compiled-in plugin
# directory, and dlopen()ing 380 libraries over 9p takes minutes under TCG.
# Debian's plugin directory also holds the real files of libraries that
# programs link directly (by soname, libX.so.23, through symlinks in libdir);
# EAL dlopen()s only the names ending in .so or .so.23.0 (ABI version). So the
# trimmed directory has every soname, and the full name only for the PMDs
# asked for.
if [ -n "$DWVM_PMD_DIR" ] && [ -d "$r$DWVM_PMD_DIR" ]; then
	all=/run/dwvm/pmds-all
	trim=$r/run/dwvm/pmds
	mkdir -p "$r$all" "$trim"
	mount --bind "$r$DWVM_PMD_DIR" "$r$all"
	for f in "$r$all"/*.so.*.*; do
		[ -e "$f" ] && ln -s "$all/${f##*/}" "$trim/$(basename "${f%.*}")"
	done
	for p in $DWVM_PMDS; do
		for f in "$r$all/librte_$p".so.*.*; do
			[ -e "$f" ] && ln -s "$all/${f##*/}" "$trim/${f##*/}"
		done
	done
	mount --bind $trim "$r$DWVM_PMD_DIR"
fi

if [ -n "$DWVM_NICS" ]; then
	for mod in vfio_iommu_type1 vfio_pci; do
		grep -q "^$mod " /proc/modules || fail "module $mod is not loaded"
	done
	for bdf in $DWVM_NICS; do
		echo "$bdf" > /sys/bus/pci/drivers_probe
		drv=$(readlink "/sys/bus/pci/devices/$bdf/driver")
		[ "${drv##*/}" = vfio-pci ] || fail "$bdf is bound to '${drv##*/}', not vfio-pci"
		grp=$(readlink "/sys/bus/pci/devices/$bdf/iommu_group")
		say "$bdf -> vfio-pci, iommu group ${grp##*/}"
	done
fi

mkdir -p $r/run/dwvm
cp /dwvm/cmd.sh $r/run/dwvm/cmd.sh
read -r up _ < /proc/uptime
echo "@@DWVM-BEGIN uptime=$up@@"
chroot $r /usr/bin/env -i \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root TERM=dumb LANG=C.UTF-8 DW_VM=1 DW_VM_HOST=/host \
	DW_VM_NICS="$DWVM_NICS" \
	/bin/bash /run/dwvm/cmd.sh < /dev/null > /dev/console 2>&1
rc=$?
read -r up _ < /proc/uptime
echo "@@DWVM-END rc=$rc uptime=$up@@"
sync
poweroff -f
sleep 5
