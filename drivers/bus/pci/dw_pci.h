/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_PCI_H
#define DW_PCI_H

/**
 * @file
 * The VFIO PCI layer of dwork's native drivers.
 *
 * A native driver (drivers/net/e1000e, a future virtio-net) opens its device
 * by PCI address through this layer instead of DPDK's PCI bus: the device
 * must be bound to vfio-pci and EAL must not probe it (give EAL `-b ADDR`,
 * or no `-a` for it, and keep VFIO enabled). The layer uses only DPDK's
 * public rte_vfio.h: rte_vfio_setup_device() puts the device's IOMMU group in
 * EAL's default container, so all EAL memory (mbuf pools included) is DMA
 * mapped and rte_mbuf_data_iova() / rte_mem_virt2iova() give the addresses a
 * device may use.
 *
 * What it offers: open by address with the checks a driver needs before
 * touching the device (each failure is one log line and a distinct errno),
 * config space access, bus mastering, BAR mapping through the VFIO region
 * info, MSI-X vectors as eventfds (VFIO_DEVICE_SET_IRQS), and a close that
 * releases everything in reverse order.
 *
 * Threads: one struct dw_pci_dev is owned by one driver; calls on it are
 * serialized by the caller (a port's control lock). Register access through
 * the mapped BARs (dw_pci_read32() / dw_pci_write32()) is the caller's
 * business and needs no call into this layer.
 *
 * Log type: pmd.bus.dw_pci.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_io.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A PCI address: domain:bus:device.function. */
struct dw_pci_addr {
	uint32_t domain;
	uint8_t bus;
	uint8_t dev;  /**< 0 .. 31 */
	uint8_t func; /**< 0 .. 7 */
};

/** Room for "dddd:bb:dd.f" and its NUL (a longer domain needs more). */
#define DW_PCI_ADDR_LEN 16
/** Most MSI-X vectors the layer sets up for one device. */
#define DW_PCI_MSIX_MAX 32
/** Default sysfs directory of PCI devices. */
#define DW_PCI_SYSFS_DEVICES "/sys/bus/pci/devices"

/**
 * Parse @p s, "DDDD:BB:DD.F" or "BB:DD.F" (hex; the domain defaults to 0),
 * which must end at the string's end or at a comma (devargs that follow).
 *
 * @return The number of characters parsed (> 0); -EINVAL (NULL argument,
 *   not an address, a field out of range). Logs nothing: callers trying
 *   several syntaxes decide what to report.
 * Context: any thread; does not sleep.
 */
int dw_pci_addr_parse(const char *s, struct dw_pci_addr *addr);

/**
 * Format @p addr as "dddd:bb:dd.f" into @p buf of @p len bytes.
 * @return 0; -ENOSPC (@p len too small; @p buf then holds a truncated string).
 * Context: any thread; does not sleep.
 */
int dw_pci_addr_fmt(const struct dw_pci_addr *addr, char *buf, size_t len);

/** How to open a device; every field but size may be left 0. */
struct dw_pci_conf {
	size_t size;	 /**< sizeof(struct dw_pci_conf). */
	uint32_t flags;	 /**< DW_PCI_F_* flags. */
	uint16_t vendor; /**< Required vendor id; 0: any. */
	/** Accepted device ids (with vendor); NULL: any. Ends at a 0 entry. */
	const uint16_t *devices;
	/** BAR the driver needs (checked at open) and its least size. */
	uint8_t bar;
	uint64_t bar_min_size; /**< 0: no BAR is required. */
	/** sysfs directory of PCI devices; NULL: DW_PCI_SYSFS_DEVICES (tests). */
	const char *sysfs_devices;
};

/** Fail the open with -ENOTSUP when the device has no MSI-X (default: allowed). */
#define DW_PCI_F_NEED_MSIX (1u << 0)
/** Every flag dw_pci_open() accepts. */
#define DW_PCI_F_ALL DW_PCI_F_NEED_MSIX

struct dw_pci_dev;

/**
 * Open the device at @p addr through VFIO.
 *
 * Checks, in order, each with one log line naming the device and the
 * problem: the address parses (EINVAL); sysfs has the device (ENODEV); its
 * vendor and device ids are accepted (ENOTSUP); it is bound to vfio-pci
 * (EPERM: "bound to DRIVER, not vfio-pci" or "bound to no driver"); it has
 * an IOMMU group (ENXIO); VFIO gives a device fd (EIO: group not viable,
 * /dev/vfio missing, EAL without VFIO); the required BAR exists and is
 * large enough (ENOSPC); MSI-X exists when DW_PCI_F_NEED_MSIX (ENOTSUP).
 *
 * @return The device, or NULL with rte_errno set to one of the above, EINVAL
 *   (NULL or bad @p conf: size, unknown flags), ENOMEM or EBUSY (already open
 *   through this layer).
 * Context: control thread after rte_eal_init() (for the VFIO steps; the
 *   sysfs checks run without EAL); sleeps.
 */
struct dw_pci_dev *dw_pci_open(const char *addr, const struct dw_pci_conf *conf);

/**
 * Release everything: MSI-X off and its eventfds closed, BARs unmapped, bus
 * mastering off, the device returned to VFIO (rte_vfio_release_device()).
 * NULL is accepted (nothing to do).
 *
 * @return 0; or the first error met (everything is released anyway).
 * Context: control thread; sleeps. No handler may still wait on the MSI-X fds.
 */
int dw_pci_close(struct dw_pci_dev *dev);

/**
 * The device's address, as given to dw_pci_open() and normalized.
 * Context: any thread (fixed at open); does not sleep.
 */
const struct dw_pci_addr *dw_pci_dev_addr(const struct dw_pci_dev *dev);
/**
 * "dddd:bb:dd.f" of @p dev (lives as long as @p dev).
 * Context: any thread (fixed at open); does not sleep.
 */
const char *dw_pci_dev_name(const struct dw_pci_dev *dev);
/**
 * Vendor id of @p dev.
 * Context: any thread (fixed at open); does not sleep.
 */
uint16_t dw_pci_vendor_id(const struct dw_pci_dev *dev);
/**
 * Device id of @p dev.
 * Context: any thread (fixed at open); does not sleep.
 */
uint16_t dw_pci_device_id(const struct dw_pci_dev *dev);

/**
 * Read @p len bytes of config space at @p off into @p buf.
 * @return 0; -EINVAL (NULL argument, range past the config region); -EIO.
 * Context: control thread; may sleep (a pread on the VFIO fd).
 */
int dw_pci_cfg_read(struct dw_pci_dev *dev, unsigned int off, void *buf, size_t len);

/**
 * Write @p len bytes from @p buf to config space at @p off.
 * @return 0; -EINVAL; -EIO. Context: as dw_pci_cfg_read().
 */
int dw_pci_cfg_write(struct dw_pci_dev *dev, unsigned int off, const void *buf, size_t len);

/**
 * Turn bus mastering (DMA by the device) on or off in the command register.
 * @return 0; -EINVAL (NULL dev); -EIO. Context: as dw_pci_cfg_read().
 */
int dw_pci_bus_master(struct dw_pci_dev *dev, bool on);

/**
 * Map BAR @p bar (memory BARs only; once, then the same mapping is returned).
 *
 * @param len Set to the BAR's size; may be NULL.
 * @return The mapping, or NULL with rte_errno: EINVAL (NULL dev, bar > 5),
 *   ENOENT (no such BAR or an I/O BAR), ENOTSUP (VFIO does not allow mmap
 *   of it), ENOMEM (mmap failed).
 * Context: control thread; sleeps.
 */
void *dw_pci_bar_map(struct dw_pci_dev *dev, unsigned int bar, uint64_t *len);

/**
 * Number of MSI-X vectors the device offers (VFIO's irq info), 0 if none.
 * Context: any thread (fixed at open).
 */
unsigned int dw_pci_msix_count(const struct dw_pci_dev *dev);

/**
 * Enable @p n MSI-X vectors, each signalling its own eventfd (non-blocking,
 * close-on-exec, owned by the layer).
 *
 * @return 0; -EINVAL (NULL dev, @p n 0 or over DW_PCI_MSIX_MAX); -ENOTSUP
 *   (the device offers fewer than @p n vectors or none); -EBUSY (already
 *   enabled: disable first); -EMFILE/-ENOMEM (eventfd); -EIO (VFIO refused).
 * Context: control thread; sleeps.
 */
int dw_pci_msix_enable(struct dw_pci_dev *dev, unsigned int n);

/**
 * Eventfd of vector @p v, for lib/irq or an epoll set (never close it).
 * @return The fd; -EINVAL (vector not enabled). Context: any thread.
 */
int dw_pci_msix_fd(const struct dw_pci_dev *dev, unsigned int v);

/**
 * Disable MSI-X and close the eventfds (no-op when not enabled).
 * @return 0; -EINVAL (NULL dev); -EIO (VFIO refused; the fds are closed anyway).
 * Context: control thread; sleeps. Free the lib/irq handlers first.
 */
int dw_pci_msix_disable(struct dw_pci_dev *dev);

/** Read a 32-bit register at byte offset @p off of a mapped BAR. Fast path. */
static inline uint32_t
dw_pci_read32(const volatile void *bar, uint32_t off)
{
	return rte_read32((const volatile uint8_t *)bar + off);
}

/** Write a 32-bit register at byte offset @p off of a mapped BAR (with a write barrier). */
static inline void
dw_pci_write32(volatile void *bar, uint32_t off, uint32_t val)
{
	rte_write32(val, (volatile uint8_t *)bar + off);
}

#ifdef __cplusplus
}
#endif

#endif /* DW_PCI_H */
