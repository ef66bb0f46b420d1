/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dwork's native virtio-net driver: a lib/netdev driver over the VFIO PCI
 * layer. Probe maps the modern transport's structures and checks the feature
 * set; start negotiates again, sets up the rings and the MSI-X vectors
 * (0: config changes, 1 .. nb_rxq: rx queues, then the control queue) and
 * publishes the fast path; stop resets the device.
 *
 * Slow work, as the kernel's drivers do it: the config vector is a lib/irq
 * threaded handler whose thread part asks lib/netdev for a reset
 * (DEVICE_NEEDS_RESET: ops->reset runs on its reset work) or queues cfg_work
 * (link state); control commands are
 * work items that sleep on the control queue's vector until the device
 * answers. None of it runs on an lcore or on EAL's interrupt thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memzone.h>

#include "common_private.h"
#include "dw_common.h"
#include "dw_irq.h"
#include "dw_log.h"
#include "dw_netdev_driver.h"
#include "dw_pci.h"
#include "dw_virtio.h"
#include "dw_work.h"
#include "virtio_pci.h"
#include "virtio_private.h"

RTE_LOG_REGISTER(dw_virtio_logtype, pmd.net.dw_virtio, INFO);
#define VIRTIO_LOG(level, fmt, ...) DW_LOG(dw_virtio_logtype, level, fmt, ##__VA_ARGS__)

#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_DEV_NET_MODERN 0x1041
#define VIRTIO_DFL_RING 256
#define VIRTIO_MAX_FRAME 1514
#define VIRTIO_CTRL_RING 64
#define VIRTIO_MAC_TABLE_MAX 16

/* Control classes and commands (virtio-net device, control virtqueue). */
#define VIRTIO_NET_CTRL_RX 0
#define VIRTIO_NET_CTRL_RX_PROMISC 0
#define VIRTIO_NET_CTRL_RX_ALLMULTI 1
#define VIRTIO_NET_CTRL_MAC 1
#define VIRTIO_NET_CTRL_MAC_TABLE_SET 0
#define VIRTIO_NET_CTRL_MQ 4
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET 0
#define VIRTIO_NET_OK 0

/* One control command, handed to ctrl_work. */
struct virtio_ctrl_req {
	uint8_t cls, cmd;
	const void *data;
	uint16_t len;
	int ret;
};

struct virtio_port {
	struct dw_netdev *nd;	       /* I */
	uint16_t port_id;	       /* I */
	const struct virtio_bus *bus;  /* I */
	struct dw_pci_dev *pci;	       /* I */
	struct virtio_regs regs;       /* I */
	volatile uint8_t *notify_base; /* I */
	uint32_t notify_mult;	       /* I */
	uint64_t dev_features;	       /* I: offered by the device */
	uint16_t max_pairs;	       /* I: usable queue pairs */
	uint16_t cvq_index;	       /* I: 2 * the device's max_virtqueue_pairs */
	struct rte_ether_addr mac;     /* I */
	/* L (the port's control lock): */
	uint64_t features; /* negotiated at the last start */
	struct dw_netdev_conf conf;
	bool configured;
	bool hw_started;	/* rings set up, DRIVER_OK */
	uint16_t pairs;		/* queue pairs set up */
	uint16_t nb_vectors;	/* MSI-X vectors enabled */
	bool cfg_irq;		/* config vector handler installed */
	bool link_up;		/* last state reported */
	struct dw_wq *wq;	/* conf.ctrl_wq or dw_system_wq */
	struct virtio_rxq *rxq; /* DW_NETDEV_MAX_QUEUES entries */
	struct virtio_txq *txq;
	void *rxq_ptr[DW_NETDEV_MAX_QUEUES];
	void *txq_ptr[DW_NETDEV_MAX_QUEUES];
	struct dw_work cfg_work;
	/* Control queue, under ctrl_mutex (taken after the control lock). */
	pthread_mutex_t ctrl_mutex;
	struct virtio_vq cvq;
	bool cvq_ready; /* set up and usable (false after a timeout) */
	int cvq_fd;	/* its MSI-X eventfd */
	struct virtio_ctrl_buf *cbuf;
	uint64_t cbuf_iova;
	struct dw_work ctrl_work;
	struct virtio_ctrl_req *req; /* the command ctrl_work runs */
	unsigned int ctrl_timeout_ms;
	struct dw_virtio_ctrl_stats cstats;
};

/* The real bus: dwork's VFIO PCI layer. */
static const struct virtio_bus virtio_bus_pci = {
	.open = dw_pci_open,
	.close = dw_pci_close,
	.name = dw_pci_dev_name,
	.cfg_read = dw_pci_cfg_read,
	.bus_master = dw_pci_bus_master,
	.bar_map = dw_pci_bar_map,
	.msix_enable = dw_pci_msix_enable,
	.msix_fd = dw_pci_msix_fd,
	.msix_disable = dw_pci_msix_disable,
};
/* What the next probe uses (virtio_bus_set()); probes read it once. */
static const struct virtio_bus *virtio_bus_next = &virtio_bus_pci;

void
virtio_bus_set(const struct virtio_bus *bus)
{
	__atomic_store_n(&virtio_bus_next, bus != NULL ? bus : &virtio_bus_pci, __ATOMIC_RELEASE);
}

/* dwork port id -> driver port, for the public control calls. */
static struct virtio_port *virtio_ports[DW_NETDEV_MAX_PORTS];
static pthread_mutex_t virtio_ports_lock = PTHREAD_MUTEX_INITIALIZER;

static bool
has(const struct virtio_port *p, unsigned int f)
{
	return (p->features & VIRTIO_BIT(f)) != 0;
}

int
dw_virtio_devargs_parse(const char *devargs, char *addr, size_t len)
{
	struct dw_pci_addr a;
	size_t plen = strlen(DW_VIRTIO_PREFIX);
	int n;

	if (devargs == NULL || addr == NULL || strncmp(devargs, DW_VIRTIO_PREFIX, plen) != 0)
		return -EINVAL;
	n = dw_pci_addr_parse(devargs + plen, &a);
	/* No options yet: the address must end the string. */
	if (n < 0 || devargs[plen + (size_t)n] != '\0')
		return -EINVAL;
	return dw_pci_addr_fmt(&a, addr, len) < 0 ? -EINVAL : 0;
}

/* Memory for rings and buffers the device reads: IOVA-contiguous, zeroed. */
static const struct rte_memzone *
virtio_mz(struct virtio_port *p, const char *what, uint16_t q, size_t len)
{
	char name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;

	snprintf(name, sizeof(name), "dwvirtio%u_%s%u", p->port_id, what, q);
	mz = rte_memzone_reserve_aligned(name, len, SOCKET_ID_ANY, RTE_MEMZONE_IOVA_CONTIG,
					 RTE_CACHE_LINE_SIZE);
	if (mz == NULL)
		VIRTIO_LOG(ERR, "port %u: no DMA memory for %s %u (%zu bytes): %s", p->port_id,
			   what, q, len, rte_strerror(rte_errno));
	else
		memset(mz->addr, 0, len);
	return mz;
}

/*
 * Set up device queue @p qidx as @p vq: size (at most @p want), memory of
 * @p extra bytes after the ring (returned in *extra_va / *extra_iova), vector.
 */
static int
virtio_vq_setup(struct virtio_port *p, struct virtio_vq *vq, uint16_t qidx, uint16_t want,
		uint16_t vector, size_t extra, void **extra_va, uint64_t *extra_iova)
{
	struct vring_layout l;
	uint16_t size, noff;
	int ret;

	ret = virtio_queue_size(&p->regs, qidx, want, &size);
	if (ret < 0) {
		VIRTIO_LOG(ERR, "port %u: queue %u %s", p->port_id, qidx,
			   ret == -ENOSPC ? "has size 0 (not offered by the device)"
					  : "is past the device's queues");
		return -EINVAL;
	}
	l = vring_layout(size);
	vq->mz = virtio_mz(p, "q", qidx, l.total + extra);
	if (vq->mz == NULL)
		return -ENOMEM;
	virtio_vq_init(vq, vq->mz->addr, vq->mz->iova, size, qidx, has(p, VIRTIO_F_RING_EVENT_IDX));
	ret = virtio_queue_setup(&p->regs, qidx, size, vector, vq->iova + l.desc_off,
				 vq->iova + l.avail_off, vq->iova + l.used_off, &noff);
	if (ret < 0) {
		VIRTIO_LOG(ERR, "port %u: queue %u: MSI-X vector %u not taken by the device",
			   p->port_id, qidx, vector);
		return -EIO;
	}
	vq->doorbell =
	    (volatile uint16_t *)(void *)(p->notify_base + (size_t)noff * p->notify_mult);
	if (extra_va != NULL) {
		*extra_va = (uint8_t *)vq->mz->addr + l.total;
		*extra_iova = vq->mz->iova + l.total;
	}
	return 0;
}

static void
virtio_vq_free(struct virtio_vq *vq)
{
	rte_memzone_free(vq->mz);
	vq->mz = NULL;
	vq->doorbell = NULL;
}

/* Device reset and everything the rings held released. Control lock held. */
static void
virtio_hw_stop(struct virtio_port *p)
{
	uint16_t i;

	if (p->cfg_irq) {
		dw_free_irq(p->bus->msix_fd(p->pci, 0), p);
		p->cfg_irq = false;
	}
	pthread_mutex_lock(&p->ctrl_mutex);
	/* No DMA after this: the device forgets the rings. */
	if (virtio_dev_reset(&p->regs) < 0)
		VIRTIO_LOG(ERR, "port %u: device did not reset", p->port_id);
	p->cvq_ready = false;
	virtio_vq_free(&p->cvq);
	p->cbuf = NULL;
	p->cvq_fd = -1;
	pthread_mutex_unlock(&p->ctrl_mutex);
	for (i = 0; i < p->pairs; i++) {
		virtio_rx_release(&p->rxq[i]);
		virtio_tx_release(&p->txq[i]);
		virtio_vq_free(&p->rxq[i].vq);
		virtio_vq_free(&p->txq[i].vq);
		rte_free(p->rxq[i].sw);
		rte_free(p->rxq[i].free_ids);
		rte_free(p->txq[i].sw);
		p->rxq[i].sw = NULL;
		p->rxq[i].free_ids = NULL;
		p->txq[i].sw = NULL;
		p->rxq[i].fd = -1;
	}
	p->pairs = 0;
	if (p->nb_vectors > 0)
		p->bus->msix_disable(p->pci);
	p->nb_vectors = 0;
	p->hw_started = false;
}

static int virtio_ctrl_cmd_locked(struct virtio_port *p, struct virtio_ctrl_req *req);
static enum dw_irq_return virtio_cfg_thread(int fd, void *arg);

static int
virtio_rxq_setup(struct virtio_port *p, uint16_t i, bool intr)
{
	struct virtio_rxq *rxq = &p->rxq[i];
	uint16_t vec = intr ? (uint16_t)(1 + i) : VIRTIO_MSI_NO_VECTOR;
	int ret;

	ret =
	    virtio_vq_setup(p, &rxq->vq, (uint16_t)(2 * i),
			    p->conf.nb_rxd ? p->conf.nb_rxd : VIRTIO_DFL_RING, vec, 0, NULL, NULL);
	if (ret < 0)
		return ret;
	rxq->sw = rte_zmalloc("dwvirtio_rxsw", sizeof(*rxq->sw) * rxq->vq.size, 0);
	rxq->free_ids = rte_malloc("dwvirtio_rxids", sizeof(uint16_t) * rxq->vq.size, 0);
	if (rxq->sw == NULL || rxq->free_ids == NULL)
		return -ENOMEM;
	for (rxq->nb_free_ids = 0; rxq->nb_free_ids < rxq->vq.size; rxq->nb_free_ids++)
		rxq->free_ids[rxq->nb_free_ids] = (uint16_t)(rxq->vq.size - 1 - rxq->nb_free_ids);
	rxq->mp = p->conf.mp;
	rxq->port_id = p->port_id;
	rxq->fd = intr ? p->bus->msix_fd(p->pci, vec) : -1;
	p->rxq_ptr[i] = rxq;
	return 0;
}

static int
virtio_txq_setup(struct virtio_port *p, uint16_t i)
{
	struct virtio_txq *txq = &p->txq[i];
	uint16_t want = p->conf.nb_txd ? p->conf.nb_txd : VIRTIO_DFL_RING;
	void *va;
	int ret;

	/* Header slots after the ring: sized for the largest ring asked for. */
	ret = virtio_vq_setup(p, &txq->vq, (uint16_t)(2 * i + 1), want, VIRTIO_MSI_NO_VECTOR,
			      (size_t)want * VIRTIO_TX_HDR_SLOT, &va, &txq->hdrs_iova);
	if (ret < 0)
		return ret;
	txq->hdrs = va;
	txq->sw = rte_zmalloc("dwvirtio_txsw", sizeof(*txq->sw) * txq->vq.size, 0);
	if (txq->sw == NULL)
		return -ENOMEM;
	p->txq_ptr[i] = txq;
	return 0;
}

static int
virtio_cvq_setup(struct virtio_port *p, uint16_t vec)
{
	void *va;
	int ret;

	ret = virtio_vq_setup(p, &p->cvq, p->cvq_index, VIRTIO_CTRL_RING, vec,
			      sizeof(struct virtio_ctrl_buf), &va, &p->cbuf_iova);
	if (ret < 0)
		return ret;
	p->cbuf = va;
	p->cvq_fd = p->bus->msix_fd(p->pci, vec);
	p->cvq_ready = true;
	return 0;
}

/* Negotiate, rings, vectors, DRIVER_OK, rx buffers. Control lock held. */
static int
virtio_hw_start(struct virtio_port *p)
{
	bool intr = !(p->conf.flags & DW_NETDEV_F_NO_RX_INTR);
	const char *why;
	uint16_t i, pairs = RTE_MAX(p->conf.nb_rxq, p->conf.nb_txq), ctrl_vec;
	int ret;

	ret = virtio_negotiate(&p->regs, &p->features, &why);
	if (ret < 0) {
		VIRTIO_LOG(ERR, "port %u: feature negotiation failed: %s", p->port_id, why);
		return ret;
	}
	/* Vectors: config, one per rx queue (with interrupts), control queue. */
	p->nb_vectors = (uint16_t)(1 + (intr ? pairs : 0) + has(p, VIRTIO_NET_F_CTRL_VQ));
	ctrl_vec = (uint16_t)(p->nb_vectors - 1);
	ret = p->bus->msix_enable(p->pci, p->nb_vectors);
	if (ret < 0) {
		VIRTIO_LOG(ERR, "port %u: %u MSI-X vectors: %s", p->port_id, p->nb_vectors,
			   strerror(-ret));
		p->nb_vectors = 0;
		goto fail;
	}
	ret = virtio_config_vector(&p->regs, 0);
	if (ret < 0) {
		VIRTIO_LOG(ERR, "port %u: config MSI-X vector not taken by the device", p->port_id);
		goto fail;
	}
	for (i = 0; i < pairs; i++) {
		p->pairs = (uint16_t)(i + 1);
		ret = virtio_rxq_setup(p, i, intr);
		if (ret == 0)
			ret = virtio_txq_setup(p, i);
		if (ret < 0)
			goto fail;
	}
	if (has(p, VIRTIO_NET_F_CTRL_VQ)) {
		ret = virtio_cvq_setup(p, ctrl_vec);
		if (ret < 0)
			goto fail;
		virtio_queue_enable(&p->regs, p->cvq.qidx);
	}
	for (i = 0; i < pairs; i++) {
		virtio_queue_enable(&p->regs, p->rxq[i].vq.qidx);
		virtio_queue_enable(&p->regs, p->txq[i].vq.qidx);
	}
	virtio_wr(&p->regs, VIRTIO_REGION_COMMON, VIRTIO_COMMON_STATUS, 1,
		  virtio_rd(&p->regs, VIRTIO_REGION_COMMON, VIRTIO_COMMON_STATUS, 1) |
		      VIRTIO_S_DRIVER_OK);
	p->hw_started = true;
	for (i = 0; i < pairs; i++) {
		virtio_rx_refill(&p->rxq[i]);
		if (p->rxq[i].nb_free_ids == p->rxq[i].vq.size) {
			VIRTIO_LOG(ERR, "port %u: rxq %u: no mbufs for the ring", p->port_id, i);
			ret = -ENOMEM;
			goto fail;
		}
	}
	if (pairs > 1) {
		uint16_t n = pairs;
		struct virtio_ctrl_req req = { .cls = VIRTIO_NET_CTRL_MQ,
					       .cmd = VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET,
					       .data = &n,
					       .len = sizeof(n) };

		ret = virtio_ctrl_cmd_locked(p, &req);
		if (ret < 0) {
			VIRTIO_LOG(ERR, "port %u: device refused %u queue pairs", p->port_id,
				   pairs);
			goto fail;
		}
	}
	ret = dw_request_threaded_irq(p->bus->msix_fd(p->pci, 0), NULL, virtio_cfg_thread, 0,
				      "dwvirtio-cfg", p);
	if (ret < 0) {
		VIRTIO_LOG(ERR, "port %u: config interrupt handler: %s", p->port_id,
			   strerror(-ret));
		goto fail;
	}
	p->cfg_irq = true;
	return 0;

fail:
	virtio_hw_stop(p);
	return ret;
}

static bool
virtio_link_read(struct virtio_port *p)
{
	uint16_t st;

	if (!has(p, VIRTIO_NET_F_STATUS))
		return true; /* The spec: link assumed up without STATUS. */
	virtio_dev_cfg_read(&p->regs, VIRTIO_NET_CFG_STATUS, &st, sizeof(st));
	return (st & VIRTIO_NET_S_LINK_UP) != 0;
}

static int
virtio_configure(struct dw_netdev *nd, const struct dw_netdev_conf *conf)
{
	struct virtio_port *p = dw_netdev_priv(nd);
	uint16_t room = rte_pktmbuf_data_room_size(conf->mp);
	uint16_t pairs = RTE_MAX(conf->nb_rxq, conf->nb_txq);

	if (pairs > p->max_pairs) {
		VIRTIO_LOG(ERR, "port %u: %u queue pairs asked, device has %u", p->port_id, pairs,
			   p->max_pairs);
		return -EINVAL;
	}
	if (room < RTE_PKTMBUF_HEADROOM + VIRTIO_MAX_FRAME ||
	    RTE_PKTMBUF_HEADROOM < VIRTIO_NET_HDR_LEN) {
		VIRTIO_LOG(ERR, "port %u: mbufs of %u data bytes cannot take a %u-byte frame",
			   p->port_id, room, VIRTIO_MAX_FRAME);
		return -EINVAL;
	}
	if ((conf->nb_rxd != 0 && !vring_size_ok(conf->nb_rxd)) ||
	    (conf->nb_txd != 0 && !vring_size_ok(conf->nb_txd))) {
		VIRTIO_LOG(ERR, "port %u: ring sizes %u/%u: powers of 2 up to 32768 only",
			   p->port_id, conf->nb_rxd, conf->nb_txd);
		return -EINVAL;
	}
	p->conf = *conf;
	p->wq = conf->ctrl_wq != NULL ? conf->ctrl_wq : dw_system_wq;
	p->configured = true;
	return 0;
}

static void
virtio_fp_publish(struct virtio_port *p)
{
	dw_netdev_fp_set(p->nd, virtio_rx_burst, p->rxq_ptr, virtio_tx_burst, p->txq_ptr);
}

static int
virtio_start(struct dw_netdev *nd)
{
	struct virtio_port *p = dw_netdev_priv(nd);
	int ret;

	if (!p->configured)
		return -EINVAL;
	ret = virtio_hw_start(p);
	if (ret < 0)
		return ret;
	p->link_up = virtio_link_read(p);
	virtio_fp_publish(p);
	VIRTIO_LOG(INFO, "port %u: started, %u queue pairs, features 0x%" PRIx64 ", link %s",
		   p->port_id, p->pairs, p->features, p->link_up ? "up" : "down");
	dw_netdev_event_raise(nd, DW_NETDEV_EV_RXQ_FD);
	return 0;
}

static int
virtio_stop(struct dw_netdev *nd)
{
	struct virtio_port *p = dw_netdev_priv(nd);

	virtio_hw_stop(p);
	return 0;
}

/*
 * ops->reset: lib/netdev's reset work calls it with the control lock held,
 * the dummy fast path published and every reader out of this port's bursts
 * and arms (doc/guides/netdev.md), whether the device asked for it
 * (DEVICE_NEEDS_RESET, virtio_cfg_thread()) or an application did
 * (dw_netdev_reset()). Device reset, rings and vectors set up again, rx
 * rings refilled, the fast path published again. The vectors are new
 * eventfds: subscribers re-read them on DW_NETDEV_EV_RXQ_FD.
 */
static int
virtio_reset(struct dw_netdev *nd, bool restart)
{
	struct virtio_port *p = dw_netdev_priv(nd);
	int ret;

	VIRTIO_LOG(INFO, "port %u: device reset (%s)", p->port_id, restart ? "started" : "stopped");
	virtio_hw_stop(p);
	if (!restart)
		return 0;
	ret = virtio_hw_start(p);
	if (ret < 0) {
		VIRTIO_LOG(ERR, "port %u: restart after reset failed: %s", p->port_id,
			   strerror(-ret));
		return ret;
	}
	p->link_up = virtio_link_read(p);
	virtio_fp_publish(p);
	dw_netdev_event_raise(nd, DW_NETDEV_EV_RXQ_FD);
	return 0;
}

/* Config change: link state (a reset request is virtio_cfg_thread()'s). */
static void
virtio_cfg_work(struct dw_work *w)
{
	struct virtio_port *p = container_of(w, struct virtio_port, cfg_work);
	uint32_t ev = 0;
	bool up;

	if (dw_netdev_ctrl_lock(p->nd) < 0)
		return;
	if (!p->hw_started)
		goto unlock;
	up = virtio_link_read(p);
	if (up != p->link_up && !(p->conf.flags & DW_NETDEV_F_NO_LSC)) {
		VIRTIO_LOG(INFO, "port %u: link %s", p->port_id, up ? "up" : "down");
		p->link_up = up;
		ev = DW_NETDEV_EV_LSC;
	}
unlock:
	dw_netdev_ctrl_unlock(p->nd);
	if (ev != 0)
		dw_netdev_event_raise(p->nd, ev);
}

/*
 * Thread handler of the config vector: may sleep, but only hands over. It
 * runs only while the device is started (virtio_hw_stop() frees it before
 * the device reset), so the status read needs no control lock. A device
 * that set DEVICE_NEEDS_RESET gets lib/netdev's reset (ops->reset on the
 * ctrl wq, requests merged while one is pending); anything else is a link
 * change for cfg_work.
 */
static enum dw_irq_return
virtio_cfg_thread(int fd, void *arg)
{
	struct virtio_port *p = arg;
	uint8_t st;
	int ret;

	st = (uint8_t)virtio_rd(&p->regs, VIRTIO_REGION_COMMON, VIRTIO_COMMON_STATUS, 1);
	if (st & VIRTIO_S_NEEDS_RESET) {
		VIRTIO_LOG(WARNING, "port %u: device needs a reset (status 0x%02x)", p->port_id,
			   st);
		ret = dw_netdev_reset_request(p->nd);
		if (ret < 0)
			VIRTIO_LOG(ERR, "port %u: reset request: %s", p->port_id, strerror(-ret));
		return DW_IRQ_HANDLED;
	}
	dw_queue_work(p->wq, &p->cfg_work);
	return DW_IRQ_HANDLED;
}

void
virtio_cvq_post(struct virtio_vq *vq, uint64_t buf_iova, uint16_t len)
{
	uint16_t old = vq->avail_idx;

	/* One command at a time: descriptors 0 (header), 1 (data), 2 (ack). */
	vq->desc[0] = (struct vring_desc){ .addr = buf_iova + offsetof(struct virtio_ctrl_buf, hdr),
					   .len = 2,
					   .flags = VRING_DESC_F_NEXT,
					   .next = len > 0 ? 1 : 2 };
	vq->desc[1] =
	    (struct vring_desc){ .addr = buf_iova + offsetof(struct virtio_ctrl_buf, data),
				 .len = len,
				 .flags = VRING_DESC_F_NEXT,
				 .next = 2 };
	vq->desc[2] = (struct vring_desc){ .addr = buf_iova + offsetof(struct virtio_ctrl_buf, ack),
					   .len = 1,
					   .flags = VRING_DESC_F_WRITE };
	vq->avail->ring[vq->avail_idx & vq->mask] = 0;
	vq->avail_idx++;
	/* The answer's interrupt: armed before the device can see the command. */
	virtio_vq_intr_arm(vq);
	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
	virtio_vq_kick(vq, old);
}

/* Real time, even in test builds whose fake clock may stand still meanwhile. */
static uint64_t
mono_ms(void)
{
	return dw_real_now_ns() / DW_NS_PER_MS;
}

int
virtio_cvq_wait(struct virtio_vq *vq, int fd, unsigned int timeout_ms)
{
	uint64_t deadline = mono_ms() + timeout_ms, now, cnt;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (__atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE) == vq->last_used) {
		now = mono_ms();
		if (now >= deadline)
			return -ETIMEDOUT;
		/* Sleep until the completion interrupt; the used index decides. */
		dw_blocking_begin();
		poll(&pfd, 1, (int)(deadline - now));
		dw_blocking_end();
		if (read(fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
			return -EIO;
	}
	vq->last_used++;
	virtio_vq_intr_disarm(vq);
	return 0;
}

/*
 * Runs on a pool worker: post the command, sleep on the control vector
 * until the device has used it or the timeout passes. ctrl_mutex is held by
 * the caller, who waits for this item.
 */
static void
virtio_ctrl_work(struct dw_work *w)
{
	struct virtio_port *p = container_of(w, struct virtio_port, ctrl_work);
	struct virtio_ctrl_req *req = p->req;
	struct virtio_vq *vq = &p->cvq;
	struct virtio_ctrl_buf *b = p->cbuf;
	uint64_t t0 = rte_get_timer_cycles(), ns;
	int ret;

	b->hdr[0] = req->cls;
	b->hdr[1] = req->cmd;
	b->ack = 0xff;
	memcpy(b->data, req->data, req->len);
	virtio_cvq_post(vq, p->cbuf_iova, req->len);
	ret = virtio_cvq_wait(vq, p->cvq_fd, p->ctrl_timeout_ms);
	if (ret < 0) {
		VIRTIO_LOG(ERR,
			   "port %u: control command %u.%u: %s in %u ms; control queue unusable "
			   "until the port restarts",
			   p->port_id, req->cls, req->cmd,
			   ret == -ETIMEDOUT ? "no answer from the device" : "eventfd failed",
			   p->ctrl_timeout_ms);
		p->cvq_ready = false;
		p->cstats.timeouts++;
		req->ret = ret;
		return;
	}
	ns = (rte_get_timer_cycles() - t0) * 1000000000ull / rte_get_timer_hz();
	p->cstats.last_ns = ns;
	p->cstats.total_ns += ns;
	p->cstats.max_ns = RTE_MAX(p->cstats.max_ns, ns);
	p->cstats.cmds++;
	if (b->ack != VIRTIO_NET_OK) {
		p->cstats.errors++;
		VIRTIO_LOG(ERR, "port %u: control command %u.%u refused by the device (ack %u)",
			   p->port_id, req->cls, req->cmd, b->ack);
		req->ret = -EIO;
		return;
	}
	req->ret = 0;
}

/* Run one control command as sleeping work; ctrl_mutex not held. */
static int
virtio_ctrl_cmd_locked(struct virtio_port *p, struct virtio_ctrl_req *req)
{
	int ret;

	if (req->len > VIRTIO_CTRL_DATA_MAX)
		return -EINVAL;
	pthread_mutex_lock(&p->ctrl_mutex);
	if (!p->cvq_ready) {
		VIRTIO_LOG(ERR, "port %u: control queue %s", p->port_id,
			   p->cbuf == NULL ? "not set up (port stopped or no CTRL_VQ)"
					   : "unusable after a timeout (restart the port)");
		ret = -EIO;
		goto unlock;
	}
	p->req = req;
	req->ret = -EIO;
	/* Never on an ordered or the port's own wq: an item there may wait for
	 * the control lock that our caller holds. */
	if (!dw_queue_work(dw_system_unbound_wq, &p->ctrl_work)) {
		VIRTIO_LOG(ERR, "port %u: control work not queued", p->port_id);
		ret = -EIO;
		goto unlock;
	}
	dw_flush_work(&p->ctrl_work);
	ret = req->ret;
unlock:
	pthread_mutex_unlock(&p->ctrl_mutex);
	return ret;
}

/* The port behind a public control call, with the control lock held. */
static struct virtio_port *
virtio_port_lock(uint16_t port)
{
	struct virtio_port *p = NULL;

	pthread_mutex_lock(&virtio_ports_lock);
	if (port < DW_NETDEV_MAX_PORTS)
		p = virtio_ports[port];
	if (p != NULL && dw_netdev_ctrl_lock(p->nd) < 0)
		p = NULL;
	pthread_mutex_unlock(&virtio_ports_lock);
	if (p == NULL)
		VIRTIO_LOG(ERR, "port %u: not a dwvirtio port", port);
	return p;
}

static int
virtio_ctrl_cmd(uint16_t port, unsigned int feature, struct virtio_ctrl_req *req)
{
	struct virtio_port *p = virtio_port_lock(port);
	int ret;

	if (p == NULL)
		return -ENODEV;
	if (!p->hw_started) {
		VIRTIO_LOG(ERR, "port %u: not started", port);
		ret = -ENODEV;
	} else if (!has(p, feature)) {
		VIRTIO_LOG(ERR, "port %u: the device did not offer feature %u for command %u.%u",
			   port, feature, req->cls, req->cmd);
		ret = -ENOTSUP;
	} else {
		ret = virtio_ctrl_cmd_locked(p, req);
	}
	dw_netdev_ctrl_unlock(p->nd);
	return ret;
}

static int
virtio_rx_mode_set(uint16_t port, uint8_t cmd, bool on)
{
	uint8_t v = on;
	struct virtio_ctrl_req req = {
		.cls = VIRTIO_NET_CTRL_RX, .cmd = cmd, .data = &v, .len = 1
	};

	return virtio_ctrl_cmd(port, VIRTIO_NET_F_CTRL_RX, &req);
}

int
dw_virtio_promisc_set(uint16_t port, bool on)
{
	return virtio_rx_mode_set(port, VIRTIO_NET_CTRL_RX_PROMISC, on);
}

int
dw_virtio_allmulti_set(uint16_t port, bool on)
{
	return virtio_rx_mode_set(port, VIRTIO_NET_CTRL_RX_ALLMULTI, on);
}

int
dw_virtio_mac_table_set(uint16_t port, const struct rte_ether_addr *macs, unsigned int n)
{
	uint8_t buf[4 + RTE_ETHER_ADDR_LEN * VIRTIO_MAC_TABLE_MAX + 4];
	uint32_t cnt = n, zero = 0;
	struct virtio_ctrl_req req = { .cls = VIRTIO_NET_CTRL_MAC,
				       .cmd = VIRTIO_NET_CTRL_MAC_TABLE_SET,
				       .data = buf };

	if (n > VIRTIO_MAC_TABLE_MAX || (macs == NULL && n > 0)) {
		VIRTIO_LOG(ERR, "port %u: MAC table of %u entries (0 .. %d)", port, n,
			   VIRTIO_MAC_TABLE_MAX);
		return -EINVAL;
	}
	/* Unicast table (le32 count, MACs), then an empty multicast table. */
	memcpy(buf, &cnt, 4);
	if (n > 0)
		memcpy(buf + 4, macs, RTE_ETHER_ADDR_LEN * n);
	memcpy(buf + 4 + RTE_ETHER_ADDR_LEN * n, &zero, 4);
	req.len = (uint16_t)(8 + RTE_ETHER_ADDR_LEN * n);
	return virtio_ctrl_cmd(port, VIRTIO_NET_F_CTRL_RX, &req);
}

int
dw_virtio_queue_pairs_set(uint16_t port, uint16_t pairs)
{
	struct virtio_ctrl_req req = { .cls = VIRTIO_NET_CTRL_MQ,
				       .cmd = VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET,
				       .data = &pairs,
				       .len = sizeof(pairs) };
	struct virtio_port *p = virtio_port_lock(port);
	uint16_t max;

	if (p == NULL)
		return -ENODEV;
	max = p->pairs;
	dw_netdev_ctrl_unlock(p->nd);
	if (pairs == 0 || pairs > max) {
		VIRTIO_LOG(ERR, "port %u: %u queue pairs (1 .. %u started)", port, pairs, max);
		return max == 0 ? -ENODEV : -EINVAL;
	}
	return virtio_ctrl_cmd(port, VIRTIO_NET_F_MQ, &req);
}

static int
virtio_ctrl_stats_fill(uint16_t port, struct dw_virtio_ctrl_stats *st)
{
	struct virtio_port *p;

	if (st == NULL)
		return -EINVAL;
	p = virtio_port_lock(port);
	if (p == NULL)
		return -ENODEV;
	pthread_mutex_lock(&p->ctrl_mutex);
	*st = p->cstats;
	pthread_mutex_unlock(&p->ctrl_mutex);
	dw_netdev_ctrl_unlock(p->nd);
	return 0;
}

int
dw_virtio_ctrl_stats_get_sized(uint16_t port, struct dw_virtio_ctrl_stats *st, size_t size)
{
	struct dw_virtio_ctrl_stats full;
	int rc = dw_out_check(dw_virtio_logtype, __func__, st, size,
			      DW_CONF_END(struct dw_virtio_ctrl_stats, total_ns));

	if (rc < 0)
		return rc;
	memset(&full, 0, sizeof(full));
	rc = virtio_ctrl_stats_fill(port, &full);
	if (rc == 0)
		dw_out_put(st, size, &full, sizeof(full));
	return rc;
}

static int
virtio_close(struct dw_netdev *nd)
{
	struct virtio_port *p = dw_netdev_priv(nd);
	int ret;

	if (p == NULL)
		return 0;
	pthread_mutex_lock(&virtio_ports_lock);
	virtio_ports[p->port_id] = NULL;
	pthread_mutex_unlock(&virtio_ports_lock);
	if (p->cfg_irq) {
		dw_free_irq(p->bus->msix_fd(p->pci, 0), p);
		p->cfg_irq = false;
	}
	dw_cancel_work_sync(&p->cfg_work);
	if (p->hw_started)
		virtio_hw_stop(p);
	ret = p->bus->close(p->pci);
	pthread_mutex_destroy(&p->ctrl_mutex);
	rte_free(p->rxq);
	rte_free(p->txq);
	rte_free(p);
	dw_netdev_priv_set(nd, NULL);
	return ret;
}

static int
virtio_rx_intr_fd(struct dw_netdev *nd, uint16_t q)
{
	struct virtio_port *p = dw_netdev_priv(nd);

	return q < p->pairs && p->rxq[q].fd >= 0 ? p->rxq[q].fd : -ENOTSUP;
}

static int
virtio_rx_intr_arm(struct dw_netdev *nd, uint16_t q)
{
	struct virtio_port *p = dw_netdev_priv(nd);

	if (p->rxq[q].fd < 0)
		return -ENOTSUP;
	return virtio_vq_intr_arm(&p->rxq[q].vq);
}

static int
virtio_rx_intr_disarm(struct dw_netdev *nd, uint16_t q)
{
	struct virtio_port *p = dw_netdev_priv(nd);

	if (p->rxq[q].fd < 0)
		return -ENOTSUP;
	virtio_vq_intr_disarm(&p->rxq[q].vq);
	return 0;
}

static int
virtio_link_get(struct dw_netdev *nd, struct dw_netdev_link *link)
{
	struct virtio_port *p = dw_netdev_priv(nd);

	memset(link, 0, sizeof(*link));
	link->up = p->hw_started && virtio_link_read(p);
	link->full_duplex = link->up;
	return 0;
}

static int
virtio_stats_get(struct dw_netdev *nd, struct dw_netdev_stats *st)
{
	struct virtio_port *p = dw_netdev_priv(nd);
	uint16_t i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < DW_NETDEV_MAX_QUEUES; i++) {
		st->ipackets += __atomic_load_n(&p->rxq[i].packets, __ATOMIC_RELAXED);
		st->ibytes += __atomic_load_n(&p->rxq[i].bytes, __ATOMIC_RELAXED);
		st->ierrors += __atomic_load_n(&p->rxq[i].errors, __ATOMIC_RELAXED);
		st->rx_nombuf += __atomic_load_n(&p->rxq[i].nombuf, __ATOMIC_RELAXED);
		st->opackets += __atomic_load_n(&p->txq[i].packets, __ATOMIC_RELAXED);
		st->obytes += __atomic_load_n(&p->txq[i].bytes, __ATOMIC_RELAXED);
		st->oerrors += __atomic_load_n(&p->txq[i].errors, __ATOMIC_RELAXED);
	}
	return 0;
}

static int
virtio_stats_reset(struct dw_netdev *nd)
{
	struct virtio_port *p = dw_netdev_priv(nd);
	uint16_t i;

	/* Single writers are the lcores: a reset racing a burst may lose it. */
	for (i = 0; i < DW_NETDEV_MAX_QUEUES; i++) {
		p->rxq[i].packets = p->rxq[i].bytes = p->rxq[i].errors = p->rxq[i].nombuf = 0;
		p->txq[i].packets = p->txq[i].bytes = p->txq[i].errors = 0;
	}
	return 0;
}

static int
virtio_info_get(struct dw_netdev *nd, struct dw_netdev_info *info)
{
	struct virtio_port *p = dw_netdev_priv(nd);
	uint16_t q;

	info->max_rxq = RTE_MIN(p->max_pairs, DW_NETDEV_MAX_QUEUES);
	info->max_txq = info->max_rxq;
	/* Link changes come with the config interrupt (no link watch needed). */
	info->lsc_intr = (p->dev_features & VIRTIO_BIT(VIRTIO_NET_F_STATUS)) != 0 &&
			 !(p->conf.flags & DW_NETDEV_F_NO_LSC);
	for (q = 0; info->started && q < p->conf.nb_rxq && q < p->pairs; q++)
		info->nb_rxq_intr += p->rxq[q].fd >= 0;
	return 0;
}

static const struct dw_netdev_ops virtio_ops = {
	.configure = virtio_configure,
	.start = virtio_start,
	.stop = virtio_stop,
	.close = virtio_close,
	.rx_intr_fd = virtio_rx_intr_fd,
	.rx_intr_arm = virtio_rx_intr_arm,
	.rx_intr_disarm = virtio_rx_intr_disarm,
	.link_get = virtio_link_get,
	.stats_get = virtio_stats_get,
	.stats_reset = virtio_stats_reset,
	.info_get = virtio_info_get,
	.reset = virtio_reset,
};

/* Map the BAR region of @p c; NULL (logged) if it does not fit. */
static volatile uint8_t *
virtio_cap_map(struct virtio_port *p, const struct virtio_cap *c, const char *what)
{
	uint64_t len;
	uint8_t *va = p->bus->bar_map(p->pci, c->bar, &len);

	if (va == NULL || (uint64_t)c->offset + c->length > len) {
		VIRTIO_LOG(ERR, "%s: %s structure not mappable (BAR %u, 0x%x + 0x%x)",
			   p->bus->name(p->pci), what, c->bar, c->offset, c->length);
		return NULL;
	}
	return va + c->offset;
}

/* Capabilities, BARs, a first negotiation (to fail early), MAC and pairs. */
static int
virtio_transport_init(struct virtio_port *p)
{
	const char *name = p->bus->name(p->pci), *why;
	struct virtio_caps caps;
	uint8_t cfg[256];
	uint64_t f;
	int ret;

	ret = p->bus->cfg_read(p->pci, 0, cfg, sizeof(cfg));
	if (ret < 0)
		return ret;
	ret = virtio_caps_parse(cfg, sizeof(cfg), &caps, &why);
	if (ret < 0) {
		VIRTIO_LOG(ERR, "%s: not a modern virtio device: no usable %s capability", name,
			   why);
		return -ENOTSUP;
	}
	p->regs.ops = p->bus->regs != NULL ? p->bus->regs : &virtio_regs_mmio;
	p->regs.fake = p->bus->regs_fake;
	p->regs.base[VIRTIO_REGION_COMMON] = virtio_cap_map(p, &caps.common, "common");
	p->regs.base[VIRTIO_REGION_DEVICE] = virtio_cap_map(p, &caps.device, "device");
	p->regs.base[VIRTIO_REGION_ISR] = virtio_cap_map(p, &caps.isr, "ISR");
	p->notify_base = virtio_cap_map(p, &caps.notify, "notify");
	if (p->regs.base[0] == NULL || p->regs.base[1] == NULL || p->regs.base[2] == NULL ||
	    p->notify_base == NULL)
		return -ENOTSUP;
	p->notify_mult = caps.notify_mult;
	ret = p->bus->bus_master(p->pci, true);
	if (ret < 0)
		return ret;
	p->dev_features = virtio_dev_features(&p->regs);
	ret = virtio_negotiate(&p->regs, &f, &why);
	if (ret < 0) {
		VIRTIO_LOG(ERR, "%s: %s%s", name,
			   ret == -ENOTSUP ? "device lacks required feature " : "", why);
		return ret;
	}
	p->features = f;
	p->max_pairs = 1;
	if (has(p, VIRTIO_NET_F_MQ)) {
		virtio_dev_cfg_read(&p->regs, VIRTIO_NET_CFG_MAX_PAIRS, &p->max_pairs,
				    sizeof(p->max_pairs));
		p->max_pairs = RTE_MAX(p->max_pairs, 1);
	}
	p->cvq_index = (uint16_t)(2 * p->max_pairs);
	p->max_pairs = RTE_MIN(p->max_pairs, DW_NETDEV_MAX_QUEUES);
	if (has(p, VIRTIO_NET_F_MAC))
		virtio_dev_cfg_read(&p->regs, VIRTIO_NET_CFG_MAC, &p->mac, sizeof(p->mac));
	else
		rte_eth_random_addr(p->mac.addr_bytes);
	virtio_dev_reset(&p->regs);
	return 0;
}

static int
virtio_probe(struct dw_netdev *nd, const char *devargs)
{
	static const uint16_t devices[] = { VIRTIO_DEV_NET_MODERN, 0 };
	struct dw_pci_conf pc = { .size = sizeof(pc),
				  .flags = DW_PCI_F_NEED_MSIX,
				  .vendor = VIRTIO_VENDOR,
				  .devices = devices };
	char addr[DW_PCI_ADDR_LEN], name[DW_NETDEV_NAME_LEN];
	struct virtio_port *p;
	int ret;

	if (dw_virtio_devargs_parse(devargs, addr, sizeof(addr)) < 0) {
		VIRTIO_LOG(ERR, "'%s': not %sDDDD:BB:DD.F", devargs, DW_VIRTIO_PREFIX);
		return -EINVAL;
	}
	p = rte_zmalloc("dwvirtio", sizeof(*p), RTE_CACHE_LINE_SIZE);
	if (p == NULL)
		return -ENOMEM;
	p->rxq = rte_zmalloc("dwvirtio_rxq", sizeof(*p->rxq) * DW_NETDEV_MAX_QUEUES,
			     RTE_CACHE_LINE_SIZE);
	p->txq = rte_zmalloc("dwvirtio_txq", sizeof(*p->txq) * DW_NETDEV_MAX_QUEUES,
			     RTE_CACHE_LINE_SIZE);
	if (p->rxq == NULL || p->txq == NULL) {
		ret = -ENOMEM;
		goto free_port;
	}
	p->nd = nd;
	p->port_id = dw_netdev_port_id(nd);
	p->cvq_fd = -1;
	p->ctrl_timeout_ms = DW_VIRTIO_CTRL_TIMEOUT_MS;
	pthread_mutex_init(&p->ctrl_mutex, NULL);
	dw_work_init(&p->cfg_work, virtio_cfg_work);
	dw_work_init(&p->ctrl_work, virtio_ctrl_work);
	/* Acquire: pairs with the release in virtio_bus_set(). */
	p->bus = __atomic_load_n(&virtio_bus_next, __ATOMIC_ACQUIRE);
	p->pci = p->bus->open(addr, &pc);
	if (p->pci == NULL) {
		ret = -rte_errno;
		goto free_port;
	}
	ret = virtio_transport_init(p);
	if (ret < 0)
		goto close_pci;
	snprintf(name, sizeof(name), "%s%s", DW_VIRTIO_PREFIX, addr);
	ret = dw_netdev_name_set(nd, name);
	if (ret < 0)
		goto close_pci;
	dw_netdev_priv_set(nd, p);
	dw_netdev_ops_set(nd, &virtio_ops);
	pthread_mutex_lock(&virtio_ports_lock);
	virtio_ports[p->port_id] = p;
	pthread_mutex_unlock(&virtio_ports_lock);
	VIRTIO_LOG(INFO,
		   "port %u: %s, MAC " RTE_ETHER_ADDR_PRT_FMT
		   ", %u queue pairs, features 0x%" PRIx64,
		   p->port_id, addr, RTE_ETHER_ADDR_BYTES(&p->mac), p->max_pairs, p->features);
	return 0;

close_pci:
	p->bus->close(p->pci);
free_port:
	rte_free(p->rxq);
	rte_free(p->txq);
	rte_free(p);
	return ret;
}

static struct dw_netdev_driver virtio_driver = {
	.name = "dwvirtio",
	.prefix = DW_VIRTIO_PREFIX,
	.probe = virtio_probe,
};
DW_NETDEV_DRIVER_REGISTER(virtio_driver);
