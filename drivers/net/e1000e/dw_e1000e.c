/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Native lib/netdev driver for the Intel 82574L (e1000e) through the VFIO PCI
 * layer. The kernel's driver shape on dwork's deferred-work layer:
 *
 *   top half     "other" MSI-X vector: a lib/irq threaded handler; the primary
 *                reads and acknowledges ICR, the thread handler queues link work
 *   bottom half  link work (updates the link, raises DW_NETDEV_EV_LSC) and the
 *                watchdog (delayed work: link, counters, tx hang) on the port's
 *                ctrl workqueue, under the port's ctrl lock
 *   reset        asked of lib/netdev (dw_netdev_reset_request()), which runs
 *                it on the ctrl workqueue and calls e1000e_reset()
 *   rx           queue 0's vector eventfd is the napi source fd; arm unmasks
 *                (IMS) then re-checks the next descriptor's DD bit
 *
 * Quiescence is lib/netdev's (doc/guides/netdev.md, RCU/QSBR): before it
 * calls stop, close or reset it publishes the dummy fast path and waits until
 * no lcore is inside a burst, arm or disarm of the port; arm and disarm are
 * reached only through dw_netdev_rx_intr_arm()/disarm(), which fail with -EIO
 * while the dummy is published. So the fast path here has no checks of its
 * own, and the control side touches the rings only from those ops.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>

#include "dw_irq.h"
#include "dw_netdev_driver.h"
#include "dw_work.h"
#include "e1000e_hw.h"

RTE_LOG_REGISTER(e1000e_logtype, pmd.net.dw_e1000e, INFO);

struct e1000e_port;

/* Per-queue state shared by the lcore and the control side. */
struct e1000e_q {
	struct e1000e_port *p;	      /* Set at configure, ro. */
	volatile uint8_t *bar;	      /* Set at probe, ro. */
	const struct rte_memzone *mz; /* Ring memory; configure/close. */
	struct rte_mbuf **sw;	      /* Mbuf of each descriptor; lcore (control when stopped). */
	uint16_t size;		      /* Descriptors; set at configure. */
	uint16_t next;		      /* rx: next to check; tx: next to fill. lcore. */
	uint16_t clean;		      /* tx: oldest not reclaimed. lcore. */
	/* Counters: lcore writes, control reads (relaxed). */
	uint64_t packets, bytes, nombuf, errors;
} __rte_cache_aligned;

struct e1000e_port {
	struct dw_netdev *nd;	   /* Set at probe, ro. */
	uint16_t port;		   /* Set at probe, ro. */
	struct e1000e_args args;   /* Set at probe, ro. */
	struct dw_pci_dev *pci;	   /* Set at probe, ro. */
	volatile uint8_t *bar;	   /* BAR 0; set at probe, ro. */
	struct rte_ether_addr mac; /* Set at probe, ro. */
	uint32_t phy_id;	   /* Set at probe, ro. */
	bool msix;		   /* Vectors enabled at probe; ro. */
	int other_fd, rx_fd;	   /* Their eventfds (-1 without MSI-X). */
	bool irq_requested;	   /* Probe/close only. */
	/* Under the control lock: */
	struct dw_netdev_conf conf;
	bool configured;
	bool started;
	bool link_up;
	uint32_t speed;
	bool full_duplex;
	struct dw_wq *wq;		 /* conf.ctrl_wq or dw_system_wq. */
	const char *reset_why;		 /* Why the driver asked for the pending reset (log). */
	bool hang_injected;		 /* Once per port. */
	struct e1000e_tx_watch tx_watch; /* Watchdog's tx progress check. */
	/* Hardware counters accumulated (they clear on read). */
	uint64_t hw_ipackets, hw_opackets, hw_ibytes, hw_obytes, hw_imissed, hw_ierrors;
	/* Events, relaxed atomics (xstats). */
	uint64_t other_irqs, lsc_works, tx_hangs, watchdog_runs;
	uint64_t lsc_irq_tsc; /* Primary handler's time of the last LSC; relaxed. */
	struct e1000e_q rxq, txq;
	void *rxqs[1], *txqs[1]; /* Fast-path tables given to lib/netdev. */
	struct dw_work link_work;
	struct dw_delayed_work watchdog;
};

static inline uint32_t
rd(const struct e1000e_port *p, uint32_t reg)
{
	return dw_pci_read32(p->bar, reg);
}

static inline void
wr(struct e1000e_port *p, uint32_t reg, uint32_t val)
{
	dw_pci_write32(p->bar, reg, val);
}

/* Fast path. */

static uint16_t
e1000e_rx_burst(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	struct e1000e_q *q = rxq;
	volatile struct e1000e_rx_desc *ring, *d;
	uint16_t nb = 0, i, last = UINT16_MAX;
	uint64_t bytes = 0;

	ring = q->mz->addr;
	i = q->next;
	while (nb < n) {
		struct rte_mbuf *m, *nm;
		uint8_t st;

		d = &ring[i];
		st = d->status;
		if (!(st & E1000E_RXD_STAT_DD))
			break;
		rte_io_rmb(); /* Descriptor fields after DD. */
		nm = rte_mbuf_raw_alloc(q->p->conf.mp);
		if (unlikely(nm == NULL)) {
			q->nombuf++;
			break;
		}
		m = q->sw[i];
		q->sw[i] = nm;
		d->addr = rte_cpu_to_le_64(rte_mbuf_data_iova_default(nm));
		d->status = 0;
		last = i;
		i = e1000e_ring_add(i, 1, q->size);
		if (unlikely(!(st & E1000E_RXD_STAT_EOP) || d->errors != 0)) {
			/* No scatter: a frame larger than a buffer is dropped. */
			q->errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		m->data_off = RTE_PKTMBUF_HEADROOM;
		m->nb_segs = 1;
		m->next = NULL;
		m->data_len = rte_le_to_cpu_16(d->length);
		m->pkt_len = m->data_len;
		m->port = q->p->port;
		m->ol_flags = 0;
		m->packet_type = 0;
		bytes += m->data_len;
		pkts[nb++] = m;
	}
	q->next = i;
	if (last != UINT16_MAX) {
		rte_io_wmb(); /* Descriptors before the tail. */
		dw_pci_write32(q->bar, E1000E_RDT, last);
		q->packets += nb;
		q->bytes += bytes;
	}
	return nb;
}

/* Reclaim transmitted descriptors (RS on every one, DD written back). */
static void
tx_clean(struct e1000e_q *q)
{
	volatile struct e1000e_tx_desc *ring = q->mz->addr;

	while (q->clean != q->next && (ring[q->clean].status & E1000E_TXD_STAT_DD)) {
		if (q->sw[q->clean] != NULL)
			rte_pktmbuf_free_seg(q->sw[q->clean]);
		q->sw[q->clean] = NULL;
		q->clean = e1000e_ring_add(q->clean, 1, q->size);
	}
}

static uint16_t
e1000e_tx_burst(void *txq, struct rte_mbuf **pkts, uint16_t n)
{
	struct e1000e_q *q = txq;
	volatile struct e1000e_tx_desc *ring;
	uint16_t nb, i;
	uint64_t bytes = 0;

	ring = q->mz->addr;
	tx_clean(q);
	i = q->next;
	for (nb = 0; nb < n; nb++) {
		struct rte_mbuf *m = pkts[nb], *s;

		if (m->nb_segs > e1000e_ring_free(q->clean, i, q->size))
			break;
		for (s = m; s != NULL; s = s->next) {
			volatile struct e1000e_tx_desc *d = &ring[i];

			d->addr = rte_cpu_to_le_64(rte_mbuf_data_iova(s));
			d->length = rte_cpu_to_le_16(s->data_len);
			d->cso = 0;
			d->css = 0;
			d->special = 0;
			d->status = 0;
			d->cmd = E1000E_TXD_CMD_IFCS | E1000E_TXD_CMD_RS |
				 (s->next == NULL ? E1000E_TXD_CMD_EOP : 0);
			q->sw[i] = s;
			i = e1000e_ring_add(i, 1, q->size);
		}
		bytes += m->pkt_len;
	}
	if (nb > 0) {
		q->next = i;
		rte_io_wmb();
		dw_pci_write32(q->bar, E1000E_TDT, i);
		q->packets += nb;
		q->bytes += bytes;
	}
	return nb;
}

/* Slow-path helpers (control lock held unless said otherwise). */

/*
 * Poll @p reg until @p bit is set (EEPROM and PHY accesses complete within
 * microseconds); the last value read goes to @p v.
 */
static int
reg_wait(const struct e1000e_port *p, uint32_t reg, uint32_t bit, uint32_t *v)
{
	unsigned int i;

	for (i = 0; i < 1000; i++) {
		*v = rd(p, reg);
		if (*v & bit)
			return 0;
		usleep(5);
	}
	return -ETIMEDOUT;
}

/* Read EEPROM word @p w through EERD. */
static int
eeprom_read(struct e1000e_port *p, unsigned int w, uint16_t *val)
{
	uint32_t v;
	int ret;

	wr(p, E1000E_EERD, (w << E1000E_EERD_ADDR_SHIFT) | E1000E_EERD_START);
	ret = reg_wait(p, E1000E_EERD, E1000E_EERD_DONE, &v);
	if (ret == 0)
		*val = (uint16_t)(v >> E1000E_EERD_DATA_SHIFT);
	return ret;
}

/* PHY register access through MDIC. */
static int
phy_access(struct e1000e_port *p, unsigned int reg, bool write, uint16_t *val)
{
	uint32_t v;
	int ret;

	wr(p, E1000E_MDIC, e1000e_mdic_cmd(reg, write, write ? *val : 0));
	ret = reg_wait(p, E1000E_MDIC, E1000E_MDIC_READY, &v);
	if (ret == 0 && (v & E1000E_MDIC_ERROR))
		ret = -EIO;
	if (ret == 0 && !write)
		*val = (uint16_t)v;
	return ret;
}

/* Mask everything, stop rx/tx, reset the MAC. */
static void
hw_reset(struct e1000e_port *p)
{
	wr(p, E1000E_IMC, UINT32_MAX);
	wr(p, E1000E_RCTL, 0);
	wr(p, E1000E_TCTL, E1000E_TCTL_PSP);
	usleep(10000); /* Let pending DMA finish. */
	wr(p, E1000E_CTRL, rd(p, E1000E_CTRL) | E1000E_CTRL_RST);
	usleep(20000);
	wr(p, E1000E_IMC, UINT32_MAX);
	(void)rd(p, E1000E_ICR);
	wr(p, E1000E_ICR, UINT32_MAX);
}

static void
link_read(struct e1000e_port *p, struct dw_netdev_link *l)
{
	uint32_t st = rd(p, E1000E_STATUS);

	memset(l, 0, sizeof(*l));
	l->up = (st & E1000E_STATUS_LU) != 0;
	l->speed_mbps = l->up ? e1000e_status_speed(st) : 0;
	l->full_duplex = l->up && (st & E1000E_STATUS_FD);
	l->autoneg = true;
}

/* Compare the link with what subscribers last heard; true if it changed. */
static bool
link_update(struct e1000e_port *p)
{
	struct dw_netdev_link l;
	bool changed;

	link_read(p, &l);
	changed = l.up != p->link_up || (l.up && l.speed_mbps != p->speed);
	p->link_up = l.up;
	p->speed = l.speed_mbps;
	p->full_duplex = l.full_duplex;
	return changed;
}

/* Allocate (or re-use) the descriptor ring and mbuf table of @p q. */
static int
q_alloc(struct e1000e_port *p, struct e1000e_q *q, const char *kind, uint16_t size, size_t dsz)
{
	char name[RTE_MEMZONE_NAMESIZE];

	if (q->mz != NULL && q->size == size)
		return 0;
	rte_memzone_free(q->mz);
	q->mz = NULL;
	rte_free(q->sw);
	snprintf(name, sizeof(name), "dw_e1000e%u_%s", p->port, kind);
	q->mz = rte_memzone_reserve_aligned(name, (size_t)size * dsz, SOCKET_ID_ANY,
					    RTE_MEMZONE_IOVA_CONTIG, 4096);
	q->sw = rte_zmalloc(name, sizeof(*q->sw) * size, RTE_CACHE_LINE_SIZE);
	if (q->mz == NULL || q->sw == NULL) {
		E1000E_LOG(ERR, "port %u: no memory for the %s ring (%u descriptors)", p->port,
			   kind, size);
		rte_memzone_free(q->mz);
		q->mz = NULL;
		rte_free(q->sw);
		q->sw = NULL;
		return -ENOMEM;
	}
	q->size = size;
	q->p = p;
	q->bar = p->bar;
	return 0;
}

static void
q_free(struct e1000e_q *q)
{
	rte_memzone_free(q->mz);
	q->mz = NULL;
	rte_free(q->sw);
	q->sw = NULL;
}

/* Give every mbuf of @p q back (queue stopped, device idle). */
static void
q_drop_mbufs(struct e1000e_q *q)
{
	uint16_t i;

	if (q->sw == NULL)
		return;
	for (i = 0; i < q->size; i++) {
		if (q->sw[i] != NULL)
			rte_pktmbuf_free_seg(q->sw[i]);
		q->sw[i] = NULL;
	}
}

/* Fill the rx ring with fresh mbufs and program it. */
static int
rx_setup(struct e1000e_port *p)
{
	struct e1000e_q *q = &p->rxq;
	volatile struct e1000e_rx_desc *ring = q->mz->addr;
	uint16_t i;

	if (rte_pktmbuf_data_room_size(p->conf.mp) < RTE_PKTMBUF_HEADROOM + E1000E_RX_BUF_SIZE) {
		E1000E_LOG(ERR, "port %u: mbuf data room %u < %u + headroom", p->port,
			   rte_pktmbuf_data_room_size(p->conf.mp), E1000E_RX_BUF_SIZE);
		return -EINVAL;
	}
	memset(q->mz->addr, 0, (size_t)q->size * sizeof(*ring));
	for (i = 0; i < q->size; i++) {
		struct rte_mbuf *m = rte_mbuf_raw_alloc(p->conf.mp);

		if (m == NULL) {
			E1000E_LOG(ERR, "port %u: mbuf pool too small for %u rx descriptors",
				   p->port, q->size);
			q_drop_mbufs(q);
			return -ENOMEM;
		}
		q->sw[i] = m;
		ring[i].addr = rte_cpu_to_le_64(rte_mbuf_data_iova_default(m));
	}
	q->next = 0;
	wr(p, E1000E_RDBAL, (uint32_t)q->mz->iova);
	wr(p, E1000E_RDBAH, (uint32_t)(q->mz->iova >> 32));
	wr(p, E1000E_RDLEN, (uint32_t)q->size * sizeof(*ring));
	wr(p, E1000E_RDH, 0);
	wr(p, E1000E_RDT, q->size - 1);
	wr(p, E1000E_RDTR, 0);
	wr(p, E1000E_RADV, 0);
	wr(p, E1000E_RXCSUM, 0);
	wr(p, E1000E_RFCTL, 0); /* Legacy descriptors. */
	return 0;
}

static void
tx_setup(struct e1000e_port *p)
{
	struct e1000e_q *q = &p->txq;

	memset(q->mz->addr, 0, (size_t)q->size * sizeof(struct e1000e_tx_desc));
	q->next = 0;
	q->clean = 0;
	wr(p, E1000E_TDBAL, (uint32_t)q->mz->iova);
	wr(p, E1000E_TDBAH, (uint32_t)(q->mz->iova >> 32));
	wr(p, E1000E_TDLEN, (uint32_t)q->size * sizeof(struct e1000e_tx_desc));
	wr(p, E1000E_TDH, 0);
	wr(p, E1000E_TDT, 0);
	wr(p, E1000E_TIDV, 0);
	wr(p, E1000E_TADV, 0);
	wr(p, E1000E_TXDCTL, E1000E_TXDCTL_INIT);
	wr(p, E1000E_TARC0, rd(p, E1000E_TARC0) | E1000E_TARC_ENABLE);
	wr(p, E1000E_TIPG, E1000E_TIPG_DEFAULT);
	memset(&p->tx_watch, 0, sizeof(p->tx_watch));
}

/* Program the device and enable rx/tx; the rings are allocated. */
static int
hw_start(struct e1000e_port *p)
{
	uint16_t bmcr;
	unsigned int i;
	int ret;

	hw_reset(p);
	wr(p, E1000E_CTRL_EXT, rd(p, E1000E_CTRL_EXT) | E1000E_CTRL_EXT_DRV_LOAD);
	wr(p, E1000E_CTRL, (rd(p, E1000E_CTRL) | E1000E_CTRL_SLU | E1000E_CTRL_ASDE));
	if (!(rd(p, E1000E_STATUS) & E1000E_STATUS_LU) &&
	    phy_access(p, E1000E_PHY_BMCR, false, &bmcr) == 0) {
		bmcr |= E1000E_BMCR_ANENABLE | E1000E_BMCR_ANRESTART;
		phy_access(p, E1000E_PHY_BMCR, true, &bmcr);
	}
	wr(p, E1000E_RAL0,
	   (uint32_t)p->mac.addr_bytes[0] | (uint32_t)p->mac.addr_bytes[1] << 8 |
	       (uint32_t)p->mac.addr_bytes[2] << 16 | (uint32_t)p->mac.addr_bytes[3] << 24);
	wr(p, E1000E_RAH0,
	   (uint32_t)p->mac.addr_bytes[4] | (uint32_t)p->mac.addr_bytes[5] << 8 | E1000E_RAH_AV);
	for (i = 0; i < 128; i++)
		wr(p, E1000E_MTA + 4 * i, 0);
	ret = rx_setup(p);
	if (ret < 0)
		return ret;
	tx_setup(p);
	if (p->msix) {
		wr(p, E1000E_IVAR, e1000e_ivar(E1000E_VEC_RXQ0, E1000E_VEC_TXQ0, E1000E_VEC_OTHER));
		wr(p, E1000E_EIAC, e1000e_eiac());
		for (i = 0; i < E1000E_NB_VEC; i++)
			wr(p, E1000E_EITR(i), e1000e_itr_reg(p->args.itr_us));
		if (!(p->conf.flags & DW_NETDEV_F_NO_LSC))
			wr(p, E1000E_IMS, e1000e_ims_other());
	}
	wr(p, E1000E_TCTL, E1000E_TCTL_EN | E1000E_TCTL_PSP | E1000E_TCTL_CT | E1000E_TCTL_COLD);
	/* Promiscuous, as testpmd runs its ports; CRC stripped; 2 KiB buffers. */
	wr(p, E1000E_RCTL,
	   E1000E_RCTL_EN | E1000E_RCTL_UPE | E1000E_RCTL_MPE | E1000E_RCTL_BAM |
	       E1000E_RCTL_SECRC);
	return 0;
}

/* Stop the device and give the queues' mbufs back; queues quiesced. */
static void
hw_stop(struct e1000e_port *p)
{
	hw_reset(p);
	q_drop_mbufs(&p->rxq);
	tx_clean(&p->txq);
	q_drop_mbufs(&p->txq);
}

/* Accumulate the clear-on-read hardware counters. */
static void
hw_stats_fold(struct e1000e_port *p)
{
	p->hw_ipackets += rd(p, E1000E_GPRC);
	p->hw_opackets += rd(p, E1000E_GPTC);
	p->hw_ibytes += rd(p, E1000E_GORCL);
	p->hw_ibytes += (uint64_t)rd(p, E1000E_GORCH) << 32;
	p->hw_obytes += rd(p, E1000E_GOTCL);
	p->hw_obytes += (uint64_t)rd(p, E1000E_GOTCH) << 32;
	p->hw_imissed += rd(p, E1000E_MPC);
	p->hw_ierrors += rd(p, E1000E_CRCERRS);
}

/* Start under the lock: program, publish the fast path, kick a sleeping lcore. */
static int
start_locked(struct e1000e_port *p)
{
	int ret;

	ret = hw_start(p);
	if (ret < 0) {
		hw_reset(p);
		return ret;
	}
	p->rxqs[0] = &p->rxq;
	p->txqs[0] = &p->txq;
	dw_netdev_fp_set(p->nd, e1000e_rx_burst, p->rxqs, e1000e_tx_burst, p->txqs);
	p->started = true;
	link_update(p);
	/*
	 * An lcore asleep on the rx vector armed the old device state, which the
	 * reset cleared: one signal on its eventfd makes it poll and arm again.
	 */
	if (p->rx_fd >= 0)
		eventfd_write(p->rx_fd, 1);
	dw_queue_delayed_work(p->wq, &p->watchdog, (uint64_t)p->args.watchdog_ms * 1000);
	return 0;
}

/*
 * Stop the device and give every mbuf back. lib/netdev has published the
 * dummy fast path and waited for the readers (stop, close and reset all do
 * that before calling the driver), so no lcore is in the rings.
 */
static void
stop_locked(struct e1000e_port *p)
{
	hw_stats_fold(p);
	hw_stop(p);
	p->started = false;
}

/* Link work: queued by the "other" vector's thread handler. */
static void
e1000e_link_work(struct dw_work *w)
{
	struct e1000e_port *p = container_of(w, struct e1000e_port, link_work);
	uint64_t t = __atomic_load_n(&p->lsc_irq_tsc, __ATOMIC_RELAXED);
	bool changed;

	if (dw_netdev_ctrl_lock(p->nd) < 0)
		return;
	__atomic_fetch_add(&p->lsc_works, 1, __ATOMIC_RELAXED);
	changed = link_update(p);
	/* The delay from the interrupt to here is what the vm suite bounds. */
	E1000E_LOG(INFO,
		   "port %u: link %s %u Mbps (interrupt, link work ran %" PRIu64 " us after it)",
		   p->port, p->link_up ? "up" : "down", p->speed,
		   (rte_get_timer_cycles() - t) * 1000000 / rte_get_timer_hz());
	dw_netdev_ctrl_unlock(p->nd);
	if (changed)
		dw_netdev_event_raise(p->nd, DW_NETDEV_EV_LSC);
}

/* Primary handler of the "other" vector: read ICR, acknowledge its causes. */
static enum dw_irq_return
e1000e_other_primary(int fd, void *arg)
{
	struct e1000e_port *p = arg;
	uint32_t icr = rd(p, E1000E_ICR);

	if (!(icr & E1000E_ICR_OTHER_CAUSES))
		return DW_IRQ_NONE;
	wr(p, E1000E_ICR, icr & E1000E_ICR_OTHER_CAUSES);
	__atomic_fetch_add(&p->other_irqs, 1, __ATOMIC_RELAXED);
	if (icr & E1000E_ICR_LSC)
		__atomic_store_n(&p->lsc_irq_tsc, rte_get_timer_cycles(), __ATOMIC_RELAXED);
	return (icr & E1000E_ICR_LSC) ? DW_IRQ_WAKE_THREAD : DW_IRQ_HANDLED;
}

/* Thread handler: the link work sleeps (ctrl lock), so it goes to the wq. */
static enum dw_irq_return
e1000e_other_thread(int fd, void *arg)
{
	struct e1000e_port *p = arg;

	dw_queue_work(p->wq, &p->link_work);
	return DW_IRQ_HANDLED;
}

static void
e1000e_watchdog(struct dw_work *w)
{
	struct e1000e_port *p = container_of(w, struct e1000e_port, watchdog.work);
	bool changed = false;

	if (dw_netdev_ctrl_lock(p->nd) < 0)
		return;
	if (!p->started) {
		dw_netdev_ctrl_unlock(p->nd);
		return; /* start re-queues it. */
	}
	__atomic_fetch_add(&p->watchdog_runs, 1, __ATOMIC_RELAXED);
	if (!(p->conf.flags & DW_NETDEV_F_NO_LINK_WATCH) || !p->msix) {
		changed = link_update(p);
		if (changed)
			E1000E_LOG(INFO, "port %u: link %s %u Mbps (watchdog)", p->port,
				   p->link_up ? "up" : "down", p->speed);
	}
	hw_stats_fold(p);
	if (p->args.test_tx_hang_pkts != 0 && !p->hang_injected &&
	    __atomic_load_n(&p->txq.packets, __ATOMIC_RELAXED) >= p->args.test_tx_hang_pkts) {
		E1000E_LOG(WARNING, "port %u: test: stopping the transmitter (injected tx hang)",
			   p->port);
		wr(p, E1000E_TCTL, rd(p, E1000E_TCTL) & ~E1000E_TCTL_EN);
		p->hang_injected = true;
	}
	/* A hang already reported waits for its reset: not counted twice. */
	if (p->reset_why == NULL && e1000e_tx_hung(&p->tx_watch, (uint16_t)rd(p, E1000E_TDH),
						   (uint16_t)rd(p, E1000E_TDT), p->link_up)) {
		__atomic_fetch_add(&p->tx_hangs, 1, __ATOMIC_RELAXED);
		E1000E_LOG(ERR, "port %u: tx hang detected (head %u stuck, tail %u)", p->port,
			   p->tx_watch.last_tdh, (uint16_t)rd(p, E1000E_TDT));
		/*
		 * Requested under the lock, which a close takes to mark the port
		 * closing: the request is queued before that, and the close
		 * cancels it unless the reset ran first (lib/netdev's close).
		 */
		p->reset_why = "tx hang";
		if (dw_netdev_reset_request(p->nd) < 0)
			p->reset_why = NULL; /* lib/netdev logged why. */
	}
	dw_queue_delayed_work(p->wq, &p->watchdog, (uint64_t)p->args.watchdog_ms * 1000);
	dw_netdev_ctrl_unlock(p->nd);
	if (changed)
		dw_netdev_event_raise(p->nd, DW_NETDEV_EV_LSC);
}

/* lib/netdev ops. */

static int
e1000e_configure(struct dw_netdev *nd, const struct dw_netdev_conf *conf)
{
	struct e1000e_port *p = dw_netdev_priv(nd);
	uint16_t nrx = e1000e_ring_size(conf->nb_rxd), ntx = e1000e_ring_size(conf->nb_txd);
	int ret;

	if (conf->nb_rxq != 1 || conf->nb_txq != 1) {
		E1000E_LOG(ERR, "port %u: %u rx / %u tx queues asked; the driver runs one of each",
			   p->port, conf->nb_rxq, conf->nb_txq);
		return -EINVAL;
	}
	if (nrx == 0 || ntx == 0) {
		E1000E_LOG(ERR, "port %u: %u/%u descriptors asked, at most %u", p->port,
			   conf->nb_rxd, conf->nb_txd, E1000E_RING_MAX);
		return -EINVAL;
	}
	ret = q_alloc(p, &p->rxq, "rx", nrx, sizeof(struct e1000e_rx_desc));
	if (ret == 0)
		ret = q_alloc(p, &p->txq, "tx", ntx, sizeof(struct e1000e_tx_desc));
	if (ret < 0)
		return ret;
	p->conf = *conf;
	p->wq = conf->ctrl_wq != NULL ? conf->ctrl_wq : dw_system_wq;
	p->configured = true;
	return 0;
}

static int
e1000e_start(struct dw_netdev *nd)
{
	return start_locked(dw_netdev_priv(nd));
}

static int
e1000e_stop(struct dw_netdev *nd)
{
	stop_locked(dw_netdev_priv(nd));
	return 0;
}

/*
 * ops->reset, from lib/netdev's reset work (control lock held, dummy fast
 * path published, readers synchronized): reset the device, give every mbuf
 * back and, if @p restart, set it up again with the last configuration (rings
 * refilled), publish the fast path and signal the rx eventfd.
 */
static int
e1000e_reset(struct dw_netdev *nd, bool restart)
{
	struct e1000e_port *p = dw_netdev_priv(nd);
	const char *why = p->reset_why != NULL ? p->reset_why : "requested";
	int ret;

	p->reset_why = NULL;
	E1000E_LOG(WARNING, "port %u: resetting (%s)", p->port, why);
	if (p->started)
		stop_locked(p);
	else
		hw_reset(p); /* Stopped (or never configured): no ring holds an mbuf. */
	if (!restart)
		return 0;
	ret = start_locked(p);
	if (ret < 0)
		E1000E_LOG(ERR, "port %u: restart after reset failed: %s (port stays stopped)",
			   p->port, strerror(-ret));
	return ret;
}

static void
port_release(struct e1000e_port *p)
{
	if (p->irq_requested)
		dw_free_irq(p->other_fd, p);
	p->irq_requested = false;
	if (p->pci != NULL) {
		if (p->bar != NULL)
			hw_reset(p);
		dw_pci_close(p->pci);
	}
	q_free(&p->rxq);
	q_free(&p->txq);
	free(p);
}

static int
e1000e_close(struct dw_netdev *nd)
{
	struct e1000e_port *p = dw_netdev_priv(nd);

	/* No more link work from the interrupt, then none of the driver's work. */
	if (p->irq_requested)
		dw_free_irq(p->other_fd, p);
	p->irq_requested = false;
	dw_cancel_delayed_work_sync(&p->watchdog);
	dw_cancel_work_sync(&p->link_work);
	if (p->started)
		stop_locked(p);
	port_release(p);
	dw_netdev_priv_set(nd, NULL);
	return 0;
}

static int
e1000e_rx_intr_fd(struct dw_netdev *nd, uint16_t q)
{
	struct e1000e_port *p = dw_netdev_priv(nd);

	return p->rx_fd >= 0 ? p->rx_fd : -ENOTSUP;
}

static int
e1000e_rx_intr_arm(struct dw_netdev *nd, uint16_t qid)
{
	struct e1000e_port *p = dw_netdev_priv(nd);
	struct e1000e_q *q = &p->rxq;
	volatile struct e1000e_rx_desc *ring;
	int ret = 0;

	if (p->rx_fd < 0)
		return -ENOTSUP;
	ring = q->mz->addr;
	/* Clear a stale cause so that only what comes after fires, then unmask. */
	wr(p, E1000E_ICR, E1000E_ICR_RXQ0);
	wr(p, E1000E_IMS, E1000E_ICR_RXQ0);
	/*
	 * No read-back before the re-check: a packet written after the DD read
	 * sets the cause, and the device raises a set cause when it is unmasked
	 * (however late the posted IMS write lands).
	 */
	if (ring[q->next].status & E1000E_RXD_STAT_DD)
		ret = -EAGAIN;
	return ret;
}

static int
e1000e_rx_intr_disarm(struct dw_netdev *nd, uint16_t qid)
{
	struct e1000e_port *p = dw_netdev_priv(nd);

	if (p->rx_fd < 0)
		return -ENOTSUP;
	wr(p, E1000E_IMC, E1000E_ICR_RXQ0);
	return 0;
}

static int
e1000e_link_get(struct dw_netdev *nd, struct dw_netdev_link *link)
{
	link_read(dw_netdev_priv(nd), link);
	return 0;
}

static int
e1000e_stats_get(struct dw_netdev *nd, struct dw_netdev_stats *st)
{
	struct e1000e_port *p = dw_netdev_priv(nd);

	hw_stats_fold(p);
	st->ipackets = __atomic_load_n(&p->rxq.packets, __ATOMIC_RELAXED);
	st->ibytes = __atomic_load_n(&p->rxq.bytes, __ATOMIC_RELAXED);
	st->opackets = __atomic_load_n(&p->txq.packets, __ATOMIC_RELAXED);
	st->obytes = __atomic_load_n(&p->txq.bytes, __ATOMIC_RELAXED);
	st->rx_nombuf = __atomic_load_n(&p->rxq.nombuf, __ATOMIC_RELAXED);
	st->ierrors = __atomic_load_n(&p->rxq.errors, __ATOMIC_RELAXED) + p->hw_ierrors;
	st->imissed = p->hw_imissed;
	return 0;
}

static int
e1000e_stats_reset(struct dw_netdev *nd)
{
	struct e1000e_port *p = dw_netdev_priv(nd);

	/* Only the control side's counters: the lcore owns the queue counters. */
	hw_stats_fold(p);
	p->hw_ipackets = p->hw_opackets = p->hw_ibytes = p->hw_obytes = 0;
	p->hw_imissed = p->hw_ierrors = 0;
	return 0;
}

static int
e1000e_xstats_get(struct dw_netdev *nd, struct dw_netdev_xstat *xs, unsigned int n)
{
	struct e1000e_port *p = dw_netdev_priv(nd);
	const struct {
		const char *name;
		uint64_t v;
	} t[] = {
		{ "hw_rx_packets", p->hw_ipackets },
		{ "hw_tx_packets", p->hw_opackets },
		{ "other_irqs", __atomic_load_n(&p->other_irqs, __ATOMIC_RELAXED) },
		{ "lsc_works", __atomic_load_n(&p->lsc_works, __ATOMIC_RELAXED) },
		{ "watchdog_runs", __atomic_load_n(&p->watchdog_runs, __ATOMIC_RELAXED) },
		{ "tx_hangs", __atomic_load_n(&p->tx_hangs, __ATOMIC_RELAXED) },
		{ "msix", p->msix },
	};
	unsigned int i;

	for (i = 0; i < n && i < RTE_DIM(t); i++) {
		snprintf(xs[i].name, sizeof(xs[i].name), "%s", t[i].name);
		xs[i].value = t[i].v;
	}
	return (int)RTE_DIM(t);
}

static int
e1000e_info_get(struct dw_netdev *nd, struct dw_netdev_info *info)
{
	struct e1000e_port *p = dw_netdev_priv(nd);

	info->max_rxq = 1;
	info->max_txq = 1;
	info->lsc_intr = p->msix;
	info->nb_rxq_intr = p->msix && info->nb_rxq > 0 ? 1 : 0;
	info->nb_rxq_intr_nocheck = 0;
	return 0;
}

static const struct dw_netdev_ops e1000e_ops = {
	.configure = e1000e_configure,
	.start = e1000e_start,
	.stop = e1000e_stop,
	.close = e1000e_close,
	.rx_intr_fd = e1000e_rx_intr_fd,
	.rx_intr_arm = e1000e_rx_intr_arm,
	.rx_intr_disarm = e1000e_rx_intr_disarm,
	.link_get = e1000e_link_get,
	.stats_get = e1000e_stats_get,
	.stats_reset = e1000e_stats_reset,
	.xstats_get = e1000e_xstats_get,
	.info_get = e1000e_info_get,
	.reset = e1000e_reset,
};

/* MAC address: EEPROM words 0..2, else what the device loaded into RAL/RAH. */
static void
mac_read(struct e1000e_port *p)
{
	uint16_t w[3];
	unsigned int i;

	for (i = 0; i < 3; i++) {
		if (eeprom_read(p, i, &w[i]) < 0)
			break;
		p->mac.addr_bytes[2 * i] = (uint8_t)w[i];
		p->mac.addr_bytes[2 * i + 1] = (uint8_t)(w[i] >> 8);
	}
	if (i < 3 || !rte_is_valid_assigned_ether_addr(&p->mac)) {
		uint32_t lo = rd(p, E1000E_RAL0), hi = rd(p, E1000E_RAH0);

		E1000E_LOG(INFO, "port %u: no MAC in the EEPROM, using RAL/RAH", p->port);
		for (i = 0; i < 4; i++)
			p->mac.addr_bytes[i] = (uint8_t)(lo >> (8 * i));
		p->mac.addr_bytes[4] = (uint8_t)hi;
		p->mac.addr_bytes[5] = (uint8_t)(hi >> 8);
	}
}

/* MSI-X with three vectors and the threaded "other" handler, or poll mode. */
static int
irq_setup(struct e1000e_port *p)
{
	char name[DW_IRQ_NAME_SIZE];
	int ret;

	p->other_fd = p->rx_fd = -1;
	if (p->args.poll) {
		E1000E_LOG(WARNING, "port %u: intr=poll: rx queue polled, link by the watchdog",
			   p->port);
		return 0;
	}
	if (dw_pci_msix_count(p->pci) < E1000E_NB_VEC) {
		E1000E_LOG(WARNING,
			   "port %u: MSI-X not available (%u vectors): falling back to polling, "
			   "link by the watchdog",
			   p->port, dw_pci_msix_count(p->pci));
		return 0;
	}
	ret = dw_pci_msix_enable(p->pci, E1000E_NB_VEC);
	if (ret < 0) {
		E1000E_LOG(WARNING, "port %u: MSI-X enable failed (%s): falling back to polling",
			   p->port, strerror(-ret));
		return 0;
	}
	p->other_fd = dw_pci_msix_fd(p->pci, E1000E_VEC_OTHER);
	p->rx_fd = dw_pci_msix_fd(p->pci, E1000E_VEC_RXQ0);
	snprintf(name, sizeof(name), "e1000e%u-other", p->port);
	ret = dw_request_threaded_irq(p->other_fd, e1000e_other_primary, e1000e_other_thread, 0,
				      name, p);
	if (ret < 0) {
		E1000E_LOG(ERR, "port %u: cannot install the link interrupt handler: %s", p->port,
			   strerror(-ret));
		return ret;
	}
	p->irq_requested = true;
	p->msix = true;
	return 0;
}

static int
e1000e_probe(struct dw_netdev *nd, const char *devargs)
{
	static const uint16_t ids[] = { E1000E_DEV_82574L, 0 };
	struct dw_pci_conf pc = {
		.size = sizeof(pc),
		.vendor = E1000E_VENDOR_INTEL,
		.devices = ids,
		.bar = 0,
		.bar_min_size = E1000E_BAR0_MIN,
	};
	struct e1000e_port *p;
	char name[DW_NETDEV_NAME_LEN];
	uint16_t id1 = 0, id2 = 0;
	int ret;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->nd = nd;
	p->port = dw_netdev_port_id(nd);
	p->other_fd = p->rx_fd = -1;
	dw_work_init(&p->link_work, e1000e_link_work);
	dw_delayed_work_init(&p->watchdog, e1000e_watchdog);
	ret = e1000e_args_parse(devargs, &p->args);
	if (ret < 0)
		goto fail;
	p->pci = dw_pci_open(p->args.name, &pc);
	if (p->pci == NULL) {
		ret = -rte_errno; /* dw_pci_open() logged why. */
		goto fail;
	}
	p->bar = dw_pci_bar_map(p->pci, 0, NULL);
	if (p->bar == NULL) {
		ret = -rte_errno;
		goto fail;
	}
	ret = dw_pci_bus_master(p->pci, true);
	if (ret < 0)
		goto fail;
	hw_reset(p);
	mac_read(p);
	if (phy_access(p, E1000E_PHY_ID1, false, &id1) == 0 &&
	    phy_access(p, E1000E_PHY_ID2, false, &id2) == 0)
		p->phy_id = (uint32_t)id1 << 16 | id2;
	ret = irq_setup(p);
	if (ret < 0)
		goto fail;
	snprintf(name, sizeof(name), "e1000e-%s", p->args.name);
	ret = dw_netdev_name_set(nd, name);
	if (ret < 0)
		goto fail;
	dw_netdev_ops_set(nd, &e1000e_ops);
	dw_netdev_priv_set(nd, p);
	E1000E_LOG(INFO,
		   "port %u: 82574L at %s, MAC " RTE_ETHER_ADDR_PRT_FMT
		   ", PHY id 0x%08x, %s, itr %u us",
		   p->port, p->args.name, RTE_ETHER_ADDR_BYTES(&p->mac), p->phy_id,
		   p->msix ? "MSI-X (rx, tx, other)" : "poll mode", p->args.itr_us);
	return 0;

fail:
	port_release(p);
	return ret;
}

static struct dw_netdev_driver e1000e_driver = {
	.name = "e1000e",
	.prefix = E1000E_PREFIX,
	.probe = e1000e_probe,
};

DW_NETDEV_DRIVER_REGISTER(e1000e_driver)
