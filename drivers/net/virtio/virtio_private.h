/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIRTIO_PRIVATE_H
#define VIRTIO_PRIVATE_H

/*
 * drivers/net/virtio internals, shared by its files:
 *   virtio_ring.h   split ring layout and index arithmetic
 *   virtio_pci.[ch] modern PCI transport: capabilities, features, status, queues
 *   virtio_rxtx.c   rx/tx bursts, rx interrupt arm/disarm (the fast path)
 *   dw_virtio.c     the lib/netdev driver: probe, start/stop, config IRQ,
 *                   reset work, control queue
 *
 * Field tags: the legend in lib/common/common_private.h. Here I is set at
 * probe, L is the port's control lock, O is the queue's lcore (its counters
 * are O+A: control threads read them with relaxed loads) and D is memory
 * shared with the device (ring memory).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>

#include "dw_pci.h"
#include "virtio_pci.h"
#include "virtio_ring.h"

/* virtio_net_hdr with VERSION_1 (num_buffers always present): 12 bytes. */
#define VIRTIO_NET_HDR_LEN 12
/* Room per tx header slot (one per descriptor, used by chain heads). */
#define VIRTIO_TX_HDR_SLOT 16

/* One split virtqueue as the driver sees it. */
struct virtio_vq {
	struct vring_desc *desc;      /* D */
	struct vring_avail *avail;    /* D: written by the driver */
	struct vring_used *used;      /* D: written by the device */
	volatile uint16_t *doorbell;  /* L: notify address of the queue */
	uint16_t size, mask;	      /* L */
	uint16_t qidx;		      /* L: device queue index */
	bool event_idx;		      /* L: VIRTIO_F_RING_EVENT_IDX negotiated */
	uint16_t avail_idx;	      /* O: shadow of avail->idx */
	uint16_t last_used;	      /* O: next used entry to consume */
	uint16_t free_head;	      /* O: free descriptor list (tx, ctrl) */
	uint16_t nfree;		      /* O */
	const struct rte_memzone *mz; /* L: ring memory */
	uint64_t iova;		      /* L: of the ring block */
};

struct virtio_rxq {
	struct virtio_vq vq;
	struct rte_mempool *mp;	 /* L */
	struct rte_mbuf **sw;	 /* O: mbuf posted in descriptor i */
	uint16_t *free_ids;	 /* O: descriptors without an mbuf */
	uint16_t nb_free_ids;	 /* O */
	uint16_t port_id;	 /* L: lib/netdev port id for mbuf->port */
	int fd;			 /* L: MSI-X eventfd, -1 without rx interrupts */
	uint64_t packets, bytes; /* O+A */
	uint64_t nombuf, errors; /* O+A */
} __rte_cache_aligned;

struct virtio_txq {
	struct virtio_vq vq;
	struct rte_mbuf **sw;	 /* O: packet whose chain starts at descriptor i */
	uint8_t *hdrs;		 /* L: VIRTIO_TX_HDR_SLOT bytes per descriptor */
	uint64_t hdrs_iova;	 /* L */
	uint64_t packets, bytes; /* O+A */
	uint64_t errors;	 /* O+A */
} __rte_cache_aligned;

/* Control queue: the header, up to this much data, the ack. */
#define VIRTIO_CTRL_DATA_MAX 256

/* What the control queue's buffer block holds (device-visible). */
struct virtio_ctrl_buf {
	uint8_t hdr[2]; /* class, command */
	uint8_t ack;
	uint8_t pad[5];
	uint8_t data[VIRTIO_CTRL_DATA_MAX];
};

/*
 * Control queue (dw_virtio.c): post one command (header, @p len data bytes
 * if any, ack) from the buffer block at @p buf_iova, with the queue's
 * interrupt armed; then sleep in poll() on the queue's vector eventfd @p fd
 * until the device has used it: 0, or -ETIMEDOUT after @p timeout_ms, -EIO
 * if the fd fails. One command in flight at a time.
 */
void virtio_cvq_post(struct virtio_vq *vq, uint64_t buf_iova, uint16_t len);
int virtio_cvq_wait(struct virtio_vq *vq, int fd, unsigned int timeout_ms);

/* Fast path (virtio_rxtx.c). */
uint16_t virtio_rx_burst(void *rxq, struct rte_mbuf **pkts, uint16_t n);
uint16_t virtio_tx_burst(void *txq, struct rte_mbuf **pkts, uint16_t n);
/* Post mbufs in every empty rx descriptor; true if the device was notified. */
bool virtio_rx_refill(struct virtio_rxq *rxq);
/* Free every mbuf the queues still hold (device reset first). */
void virtio_rx_release(struct virtio_rxq *rxq);
void virtio_tx_release(struct virtio_txq *txq);

/*
 * Rx interrupts with notification suppression. Arm: publish used_event = the
 * next used index (or clear VRING_AVAIL_F_NO_INTERRUPT without EVENT_IDX),
 * full barrier, re-read used->idx: 0 if nothing arrived, -EAGAIN if it moved.
 * Disarm: used_event behind the consumer, VRING_AVAIL_F_NO_INTERRUPT set.
 * Called by the queue's lcore.
 */
int virtio_vq_intr_arm(struct virtio_vq *vq);
void virtio_vq_intr_disarm(struct virtio_vq *vq);

/* Set the rings' pointers of @p vq over a block at @p va (virtio_ring.h layout). */
void virtio_vq_init(struct virtio_vq *vq, void *va, uint64_t iova, uint16_t size, uint16_t qidx,
		    bool event_idx);

/* Kick the device if it asked for it, after moving avail->idx from @p old. */
void virtio_vq_kick(struct virtio_vq *vq, uint16_t old);

/*
 * The bus calls dw_virtio.c makes, as a table: dw_pci's for every port
 * probed in a program; test_virtio's fake device (a whole port on the host:
 * config space, BARs in memory, MSI-X vectors as plain eventfds, registers
 * behind @c regs) for the ports it opens after virtio_bus_set().
 */
struct virtio_bus {
	struct dw_pci_dev *(*open)(const char *addr, const struct dw_pci_conf *conf);
	int (*close)(struct dw_pci_dev *dev);
	const char *(*name)(const struct dw_pci_dev *dev);
	int (*cfg_read)(struct dw_pci_dev *dev, unsigned int off, void *buf, size_t len);
	int (*bus_master)(struct dw_pci_dev *dev, bool on);
	void *(*bar_map)(struct dw_pci_dev *dev, unsigned int bar, uint64_t *len);
	int (*msix_enable)(struct dw_pci_dev *dev, unsigned int n);
	int (*msix_fd)(const struct dw_pci_dev *dev, unsigned int v);
	int (*msix_disable)(struct dw_pci_dev *dev);
	/* Register access; NULL: MMIO over the BARs mapped from the capabilities. */
	const struct virtio_regs_ops *regs;
	void *regs_fake; /* virtio_regs.fake of the ports */
};

/* The bus of the ports probed from now on; NULL: dw_pci's again. Tests only. */
void virtio_bus_set(const struct virtio_bus *bus);

#endif /* VIRTIO_PRIVATE_H */
