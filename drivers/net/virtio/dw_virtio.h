/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_VIRTIO_H
#define DW_VIRTIO_H

/**
 * @file
 * dwork's native virtio-net driver (virtio 1.x, modern PCI, split rings)
 * over the VFIO PCI layer (dw_pci.h).
 *
 * Devargs: "dwvirtio:DDDD:BB:DD.F" (or "dwvirtio:BB:DD.F"), e.g.
 * `dw-testpmd ... -b 0000:00:10.0 -- --port=dwvirtio:0000:00:10.0`. The
 * prefix keeps the device away from drivers/net/ethdev, which claims bare PCI
 * addresses for DPDK's PMDs; EAL must not probe the device itself (`-b`).
 * The device must be a virtio-net 1.x device (1af4:1041) bound to vfio-pci,
 * offering VIRTIO_F_VERSION_1 and VIRTIO_F_ACCESS_PLATFORM.
 *
 * Control commands go over the control virtqueue (VIRTIO_NET_F_CTRL_VQ). Each
 * one is sleeping work: the caller queues a work item on the port's ctrl wq
 * and waits for it; the item posts the command and sleeps on the control
 * queue's MSI-X eventfd until the device answers or the timeout passes.
 * Nothing spins. See doc/guides/virtio.md.
 *
 * Log type: pmd.net.dw_virtio.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Devargs prefix of the driver. */
#define DW_VIRTIO_PREFIX "dwvirtio:"
/** How long a control command waits for the device, by default (ms). */
#define DW_VIRTIO_CTRL_TIMEOUT_MS 1000

/**
 * Parse virtio devargs @p devargs ("dwvirtio:ADDR") into the normalized PCI
 * address @p addr ("dddd:bb:dd.f", @p len bytes).
 * @return 0; -EINVAL (no prefix, not a PCI address, options it does not know).
 * Context: any thread; does not sleep; logs nothing.
 */
int dw_virtio_devargs_parse(const char *devargs, char *addr, size_t len);

/**
 * Promiscuous mode on or off (VIRTIO_NET_CTRL_RX_PROMISC).
 * @return 0; -ENODEV (not a started dwvirtio port); -ENOTSUP (no CTRL_RX);
 *   -ETIMEDOUT (the device never answered; the control queue is unusable until
 *   the port is restarted); -EIO (the device said no, or the queue is unusable).
 * Context: control thread, not a work item of the port's ctrl wq; sleeps.
 */
int dw_virtio_promisc_set(uint16_t port, bool on);

/**
 * All-multicast on or off (VIRTIO_NET_CTRL_RX_ALLMULTI). Return: as dw_virtio_promisc_set().
 * Context: control thread, not a work item of the port's ctrl wq; sleeps.
 */
int dw_virtio_allmulti_set(uint16_t port, bool on);

/**
 * Set the unicast MAC filter table to @p macs (@p n entries, 0 .. 16; the
 * multicast table is set empty). As dw_virtio_promisc_set(); -EINVAL (n > 16,
 * NULL with n > 0).
 * Context: control thread, not a work item of the port's ctrl wq; sleeps.
 */
int dw_virtio_mac_table_set(uint16_t port, const struct rte_ether_addr *macs, unsigned int n);

/**
 * Use @p pairs queue pairs (VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET): 1 .. the
 * started queue pairs. As dw_virtio_promisc_set(); -EINVAL (out of range),
 * -ENOTSUP (no MQ).
 * Context: control thread, not a work item of the port's ctrl wq; sleeps.
 */
int dw_virtio_queue_pairs_set(uint16_t port, uint16_t pairs);

/** Control-command counters of a port. */
struct dw_virtio_ctrl_stats {
	uint64_t cmds;	   /**< Commands completed by the device. */
	uint64_t errors;   /**< Answered with an error. */
	uint64_t timeouts; /**< Never answered. */
	uint64_t last_ns;  /**< Latency of the last command (post to answer). */
	uint64_t max_ns;   /**< Highest latency since start. */
	uint64_t total_ns; /**< Sum of latencies (mean = total_ns / cmds). */
};

/**
 * Read the control-command counters of @p port.
 * @return 0; -ENODEV (not a dwvirtio port); -EINVAL (NULL @p st).
 * @p size: sizeof the caller's struct as its header had it (dw_virtio_ctrl_stats_get() passes
 *   it): a smaller, older struct gets the fields it has, a bigger, newer one
 *   zeros beyond this library's; below 0.1.0's size (or NULL): -EINVAL.
 * Context: any control thread; may sleep briefly.
 */
int dw_virtio_ctrl_stats_get_sized(uint16_t port, struct dw_virtio_ctrl_stats *st, size_t size);

/**
 * dw_virtio_ctrl_stats_get_sized() with this header's struct size: the call to use.
 * Context: as dw_virtio_ctrl_stats_get_sized().
 */
static inline int
dw_virtio_ctrl_stats_get(uint16_t port, struct dw_virtio_ctrl_stats *st)
{
	return dw_virtio_ctrl_stats_get_sized(port, st, sizeof(*st));
}

#ifdef __cplusplus
}
#endif

#endif /* DW_VIRTIO_H */
