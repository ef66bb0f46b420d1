/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports through lib/netdev: open from EAL's probed devices and --port
 * devargs, configure with one tx queue per forwarding lcore, start/stop,
 * reset; link, reset and removal events handled on the app's ordered
 * control workqueue (never on DPDK's interrupt thread).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dw_ethdev.h"
#include "ethdev_testhook.h"
#include "testpmd.h"

static void
event_cb(uint16_t port_id, uint32_t event, void *arg)
{
	struct tp_port *p = arg;
	struct dw_netdev_link link;

	RTE_SET_USED(port_id);
	switch (event) {
	case DW_NETDEV_EV_LSC:
		__atomic_fetch_add(&p->lsc_events, 1, __ATOMIC_RELAXED);
		if (dw_netdev_link_get(p->id, &link) == 0)
			TP_LOG(INFO, "port %u (%s): link %s, %u Mbps", p->id, dw_netdev_name(p->id),
			       link.up ? "up" : "down", link.speed_mbps);
		break;
	case DW_NETDEV_EV_RESET:
		__atomic_fetch_add(&p->reset_events, 1, __ATOMIC_RELEASE);
		TP_LOG(INFO, "port %u (%s): reset by the driver, restarted", p->id,
		       dw_netdev_name(p->id));
		break;
	case DW_NETDEV_EV_RMV:
		__atomic_fetch_add(&p->rmv_events, 1, __ATOMIC_RELAXED);
		/* Closing needs the lcores stopped: main does it (tp_ports_handle_removals). */
		__atomic_store_n(&p->removed, true, __ATOMIC_RELEASE);
		TP_LOG(WARNING, "port %u (%s): device removed, closing it", p->id,
		       dw_netdev_name(p->id));
		break;
	default:
		break;
	}
}

static int
port_add(int id)
{
	struct tp_port *p;
	int rc;

	if (tp.nb_ports == TP_MAX_PORTS) {
		TP_LOG(ERR, "more than %d ports", TP_MAX_PORTS);
		return -ENOSPC;
	}
	p = &tp.ports[tp.nb_ports];
	memset(p, 0, sizeof(*p));
	p->id = (uint16_t)id;
	p->open = true;
	p->sub_id = -1;
	p->eth_port = dw_ethdev_eth_port(p->id);
	if (p->eth_port >= 0)
		rte_eth_macaddr_get((uint16_t)p->eth_port, &p->mac);
	rc = dw_netdev_event_subscribe(p->id,
				       DW_NETDEV_EV_LSC | DW_NETDEV_EV_RESET | DW_NETDEV_EV_RMV,
				       tp.ctrl_wq, event_cb, p);
	if (rc < 0) {
		TP_LOG(ERR, "port %d: event subscription failed: %s", id, strerror(-rc));
		return rc;
	}
	p->sub_id = rc;
	tp.nb_ports++;
	return 0;
}

/* Open every ethdev port EAL probed, then every --port devargs. */
int
tp_ports_open(void)
{
	char names[RTE_MAX_ETHPORTS][RTE_ETH_NAME_MAX_LEN];
	unsigned int n = 0, i;
	uint16_t eth;
	int id, rc;

	RTE_ETH_FOREACH_DEV(eth) {
		if (n < RTE_DIM(names) && rte_eth_dev_get_name_by_port(eth, names[n]) == 0)
			n++;
	}
	for (i = 0; i < n; i++) {
		id = dw_netdev_open(names[i]);
		if (id < 0) {
			TP_LOG(ERR, "cannot open %s: %s", names[i], strerror(-id));
			return id;
		}
		rc = port_add(id);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < tp_conf.nb_devargs; i++) {
		id = dw_netdev_open(tp_conf.devargs[i]);
		if (id < 0) {
			TP_LOG(ERR, "cannot open --port=%s: %s", tp_conf.devargs[i], strerror(-id));
			return id;
		}
		rc = port_add(id);
		if (rc < 0)
			return rc;
	}
	if (tp.nb_ports == 0) {
		TP_LOG(ERR, "no ports: give EAL a --vdev or a PCI device, or use --port");
		return -ENODEV;
	}
	for (i = 0; i < tp.nb_ports; i++) {
		switch (tp_conf.topology) {
		case TP_TOPO_PAIRED:
			tp.ports[i].peer = (uint16_t)((i ^ 1) < tp.nb_ports ? (i ^ 1) : i);
			break;
		case TP_TOPO_CHAINED:
			tp.ports[i].peer = (uint16_t)((i + 1) % tp.nb_ports);
			break;
		case TP_TOPO_LOOP:
			tp.ports[i].peer = (uint16_t)i;
			break;
		}
	}
	return 0;
}

int
tp_pool_create(void)
{
	unsigned int n = tp_conf.nb_mbufs;

	if (n == 0) {
		n = tp.nb_ports * (tp_conf.nb_rxq * (unsigned int)tp_conf.nb_rxd +
				   tp.nb_lcores * (unsigned int)tp_conf.nb_txd);
		n += (tp.nb_lcores + 1) * (256u + 2u * TP_MAX_BURST) + 4096;
	}
	tp.mp = rte_pktmbuf_pool_create("dw_testpmd_mp", n, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					SOCKET_ID_ANY);
	if (tp.mp == NULL) {
		TP_LOG(ERR, "cannot create a pool of %u mbufs: %s", n, rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

/* Report mbufs that did not come back to the pool. Returns the number missing. */
int
tp_pool_check(void)
{
	unsigned int size, avail;

	if (tp.mp == NULL)
		return 0;
	size = tp.mp->size;
	avail = rte_mempool_avail_count(tp.mp);
	if (avail == size)
		printf("mbufs: all %u back in the pool\n", size);
	else
		printf("mbufs: %u of %u missing from the pool\n", size - avail, size);
	return (int)(size - avail);
}

/* Free what waits in the port's rx queues (rings keep mbufs across stop). */
static void
drain_rx(struct tp_port *p)
{
	struct rte_mbuf *pkts[TP_MAX_BURST];
	unsigned int rounds;
	uint16_t q, n;

	for (q = 0; q < tp_conf.nb_rxq; q++)
		for (rounds = 0; rounds < 4096; rounds++) {
			n = dw_netdev_rx_burst(p->id, q, pkts, TP_MAX_BURST);
			if (n == 0)
				break;
			rte_pktmbuf_free_bulk(pkts, n);
		}
}

/* Configure and start port @p idx, and make the napi sources of its streams. */
int
tp_port_start(unsigned int idx)
{
	struct tp_port *p = &tp.ports[idx];
	struct dw_netdev_conf c = {
		.size = sizeof(c),
		.nb_rxq = tp_conf.nb_rxq,
		.nb_txq = (uint16_t)tp.nb_lcores,
		.nb_rxd = tp_conf.nb_rxd,
		.nb_txd = tp_conf.nb_txd,
		.mp = tp.mp,
		.ctrl_wq = tp.ctrl_wq,
	};
	unsigned int i;
	int rc;

	if (!p->open)
		return -ENODEV;
	if (p->started)
		return -EALREADY;
	if (tp_conf.no_rx_intr)
		c.flags |= DW_NETDEV_F_NO_RX_INTR;
	if (tp_conf.no_lsc)
		c.flags |= DW_NETDEV_F_NO_LSC;
	rc = dw_netdev_configure(p->id, &c);
	if (rc < 0) {
		TP_LOG(ERR, "port %u: configure (%u rxq, %u txq): %s", p->id, c.nb_rxq, c.nb_txq,
		       strerror(-rc));
		return rc;
	}
	rc = dw_netdev_start(p->id);
	if (rc < 0) {
		TP_LOG(ERR, "port %u: start: %s", p->id, strerror(-rc));
		return rc;
	}
	p->started = true;
	for (i = 0; i < tp.nb_streams; i++) {
		struct tp_stream *s = &tp.streams[i];

		if (s->rx_port != idx)
			continue;
		s->src = dw_napi_source_from_rxq(p->id, s->rx_queue, NULL, tp_conf.burst * 4u,
						 tp_rx_handler, s, tp.ctrl_wq);
		if (s->src == NULL) {
			rc = -rte_errno;
			TP_LOG(ERR, "port %u rxq %u: no source: %s", p->id, s->rx_queue,
			       rte_strerror(rte_errno));
			tp_port_stop(idx);
			return rc;
		}
	}
	return 0;
}

/* Stop port @p idx (forwarding must be stopped): sources freed, rx drained. */
int
tp_port_stop(unsigned int idx)
{
	struct tp_port *p = &tp.ports[idx];
	unsigned int i;
	int rc;

	if (!p->open || !p->started)
		return -EALREADY;
	for (i = 0; i < tp.nb_streams; i++) {
		struct tp_stream *s = &tp.streams[i];

		if (s->rx_port != idx || s->src == NULL)
			continue;
		dw_napi_source_free(s->src);
		s->src = NULL;
	}
	drain_rx(p);
	rc = dw_netdev_stop(p->id);
	if (rc < 0)
		TP_LOG(ERR, "port %u: stop: %s", p->id, strerror(-rc));
	p->started = false;
	return rc;
}

/*
 * Reset port @p idx through lib/netdev, as a device asking for one would
 * have it done (forwarding may run: the lcores poll the dummy fast path
 * meanwhile, see doc/guides/netdev.md), and wait for DW_NETDEV_EV_RESET on
 * the control workqueue. Main thread.
 */
int
tp_port_reset(unsigned int idx)
{
	struct tp_port *p = &tp.ports[idx];
	uint64_t before = __atomic_load_n(&p->reset_events, __ATOMIC_ACQUIRE);
	unsigned int ms;
	int rc;

	if (!p->open)
		return -ENODEV;
	rc = dw_netdev_reset(p->id);
	if (rc < 0)
		return rc;
	for (ms = 0; ms < 5000; ms++) {
		if (__atomic_load_n(&p->reset_events, __ATOMIC_ACQUIRE) != before)
			return 0;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

/*
 * Raise the device-removal event of port @p idx as a hot-unplug would: the
 * driver hands it to the subscribers' workqueue, whose callback marks the port
 * and the control loop closes it. Main thread; forwarding may run.
 */
int
tp_port_inject_removal(unsigned int idx)
{
	if (idx >= tp.nb_ports || !tp.ports[idx].open)
		return -ENODEV;
	return dw_ethdev_event_inject(tp.ports[idx].id, RTE_ETH_EVENT_INTR_RMV);
}

static void
port_close(struct tp_port *p)
{
	int rc;

	if (!p->open)
		return;
	if (p->started)
		tp_port_stop((unsigned int)(p - tp.ports));
	if (p->sub_id >= 0)
		dw_netdev_event_unsubscribe(p->id, p->sub_id);
	p->sub_id = -1;
	rc = dw_netdev_close(p->id);
	if (rc < 0)
		TP_LOG(ERR, "port %u: close: %s", p->id, strerror(-rc));
	p->open = false;
}

/* Close ports whose device went away (RMV event). Main thread. */
void
tp_ports_handle_removals(void)
{
	bool was_fwd = tp.forwarding;
	unsigned int i;

	for (i = 0; i < tp.nb_ports; i++) {
		struct tp_port *p = &tp.ports[i];

		if (!p->open || !__atomic_load_n(&p->removed, __ATOMIC_ACQUIRE))
			continue;
		if (tp.forwarding)
			tp_fwd_stop();
		port_close(p);
		printf("Port %u closed after removal\n", i);
	}
	if (was_fwd && !tp.forwarding)
		tp_fwd_start();
}

void
tp_ports_close(void)
{
	unsigned int i;

	/* Drain every port before any stops: a port's tx may land in another's rx. */
	for (i = 0; i < tp.nb_ports; i++)
		if (tp.ports[i].open && tp.ports[i].started)
			drain_rx(&tp.ports[i]);
	for (i = 0; i < tp.nb_ports; i++)
		port_close(&tp.ports[i]);
	for (i = 0; i < tp.nb_ports; i++)
		printf("Port %u: stopped and closed\n", i);
}
