/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dwork netdev driver over DPDK ethdev ports: any vdev or PCI device a
 * DPDK PMD drives becomes a dwork port. Probe finds the ethdev (hot-plugging
 * it with rte_dev_probe() unless EAL already has it) and registers for
 * DPDK's LSC, RESET and RMV events; the ops map configure/start/stop/close,
 * stats and rx interrupts onto rte_eth_*; the fast path is the PMD's own
 * burst functions and queue arrays, published through dw_netdev_fp.
 *
 * Three kinds of thread touch a port, and the sequencing between them is the
 * point of this file:
 *
 *  1. EAL's interrupt thread runs ethdev_event_cb(). It must not block (every
 *     other device's events wait behind it), so it only queues work: LSC ->
 *     lsc_work, RESET -> dw_netdev_reset_request(), RMV -> dw_netdev_event_raise(), which
 *     queues the subscribers' items. Queueing is a test-and-set, so a burst
 *     of events collapses into one run that still starts after the last one.
 *
 *  2. The control workqueue (conf.ctrl_wq, else dw_system_wq) runs that work,
 *     and every step that changes the device runs under the port's control
 *     lock (dw_netdev_ctrl_lock()), serialised with the application's
 *     configure/start/stop/close. A reset goes: take the lock (give up if the
 *     port is closing), replace the fast path with the dummies
 *     (dw_netdev_fp_clear()), forget the rx interrupt fds, reset (or stop) the
 *     device, set it up again from the saved conf and, if it was started,
 *     restart it (publishing the PMD's fast path again, then re-reading the
 *     fds) and raise DW_NETDEV_EV_RESET (plus RXQ_FD if an fd changed) to
 *     the subscribers; raising only queues their items, so it may happen
 *     under the lock.
 *     The link watch (delayed work, every ETHDEV_LINK_WATCH_US while started)
 *     reports link changes PMDs do not raise and follows a PMD that swapped
 *     its burst functions. Close unregisters the callbacks first (waiting out
 *     a running one), then cancels reset, lsc and link-watch work
 *     synchronously, so no driver work outlives the port.
 *
 *  3. The lcores poll through dw_netdev_fp and call arm/disarm on their own
 *     queues without any lock: the fd and re-check method of a queue are
 *     relaxed atomics written by control, and arm re-checks the queue after
 *     enabling the interrupt (queue count, descriptor status or poll() of the
 *     fd), returning -EAGAIN for packets that raced the enable. When an fd
 *     changes (restart, reset, vhost link-up), control raises
 *     DW_NETDEV_EV_RXQ_FD so the lcore's owner re-registers it.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dw_ethdev.h"
#include "ethdev_testhook.h"
#include "dw_log.h"
#include "dw_netdev_driver.h"
#include "dw_work.h"

RTE_LOG_REGISTER(dw_ethdev_logtype, pmd.net.dw_ethdev, INFO);
#define ETHDEV_LOG(level, fmt, ...) DW_LOG(dw_ethdev_logtype, level, fmt, ##__VA_ARGS__)

#define ETHDEV_PREFIX "ethdev:"
/*
 * Period of the link watch. Some PMDs advertise LSC interrupts yet never
 * raise the event (net_tap in DPDK 22.11 only refreshes its link status),
 * others have no LSC at all: the watch compares the link state on the port's
 * ctrl wq and reports changes nobody reported.
 */
#define ETHDEV_LINK_WATCH_US (200 * 1000)

/*
 * How arm re-checks a queue for packets that arrived before the interrupt
 * was enabled (such packets raise no interrupt).
 */
enum ethdev_recheck {
	ETHDEV_RECHECK_COUNT, /* rte_eth_rx_queue_count() works. */
	ETHDEV_RECHECK_DESC,  /* rte_eth_rx_descriptor_status() of the next descriptor. */
	ETHDEV_RECHECK_POLL,  /* The fd carries the packets (net_tap): poll() it, never read. */
	ETHDEV_RECHECK_NONE,  /* Nothing works: arm cannot tell (warned once at start). */
};

struct ethdev_rxq {
	/* Interrupt fd or -1. Written by control (start, reset, link-up work)
	 * with relaxed atomics; read by the queue's lcore. */
	int fd;
	uint8_t recheck; /* enum ethdev_recheck; written with fd. */
	/* Written by the queue's lcore (arm/disarm); read by the link-up work
	 * to re-enable armed queues. Relaxed: a stale read costs one spurious
	 * re-enable or one poll round, never a lost wakeup (arm re-checks). */
	bool armed;
	/* ETHDEV_RECHECK_POLL only: thread the fd's SIGIO goes to (0: the
	 * PMD's default, the process). Queue's lcore only; reset by control
	 * with fd, while no lcore polls the port. */
	pid_t sigio_tid;
};

struct ethdev_port {
	struct dw_netdev *nd;	   /* Set at probe, ro. */
	uint16_t eth_port;	   /* Set at probe, ro. */
	uint16_t dw_port;	   /* Set at probe, ro. */
	struct rte_device *device; /* Set at probe, ro; detached at close. */
	bool lsc_capable;	   /* Set at probe, ro. */
	bool cb_registered;	   /* Probe/close only. */
	/* Under the port's control lock: */
	struct dw_netdev_conf conf; /* Last configuration (for reset). */
	struct rte_eth_conf econf;  /* What the device was configured with. */
	bool configured;
	struct dw_wq *wq; /* Driver work goes here (conf.ctrl_wq or system wq). */
	struct ethdev_rxq rxq[DW_NETDEV_MAX_QUEUES];
	/* Driver work: queued from DPDK's interrupt thread, run on wq. Resets go
	 * through lib/netdev (dw_netdev_reset_request()), which calls ethdev_reset(). */
	struct dw_work lsc_work;
	struct dw_delayed_work link_watch;
	/* Link state last reported to subscribers; under the control lock. */
	bool link_up;
};

/* dwork port id -> driver port, for the public helpers. Written at probe and
 * close (release/relaxed pairs with the acquire loads), read anywhere. */
static struct ethdev_port *ethdev_ports[DW_NETDEV_MAX_PORTS];

static struct dw_wq *
ethdev_wq(struct ethdev_port *p)
{
	return p->wq != NULL ? p->wq : dw_system_wq;
}

static struct ethdev_port *
ethdev_port_get(uint16_t port)
{
	if (port >= DW_NETDEV_MAX_PORTS)
		return NULL;
	return __atomic_load_n(&ethdev_ports[port], __ATOMIC_ACQUIRE);
}

static void ethdev_link_watch_arm(struct ethdev_port *p);

/* Runs on DPDK's interrupt thread: only queue work (or raise, which queues). */
static int
ethdev_event_cb(uint16_t eth_port, enum rte_eth_event_type type, void *arg, void *ret_param)
{
	struct ethdev_port *p = arg;
	struct dw_wq *wq = ethdev_wq(p);

	switch (type) {
	case RTE_ETH_EVENT_INTR_LSC:
		if (wq == NULL || (!dw_queue_work(wq, &p->lsc_work) && rte_errno != 0))
			ETHDEV_LOG(ERR, "port %u: cannot queue link work", p->dw_port);
		break;
	case RTE_ETH_EVENT_INTR_RESET:
		/* lib/netdev quiesces the lcores before ethdev_reset() touches the device. */
		if (dw_netdev_reset_request(p->nd) < 0)
			ETHDEV_LOG(ERR, "port %u: cannot request a reset", p->dw_port);
		break;
	case RTE_ETH_EVENT_INTR_RMV:
		dw_netdev_event_raise(p->nd, DW_NETDEV_EV_RMV);
		break;
	default:
		break;
	}
	return 0;
}

static const enum rte_eth_event_type ethdev_events[] = {
	RTE_ETH_EVENT_INTR_LSC,
	RTE_ETH_EVENT_INTR_RESET,
	RTE_ETH_EVENT_INTR_RMV,
};

/* Device setup shared by configure and reset: rte_eth_dev_configure, queues. */
static int
ethdev_setup(struct ethdev_port *p, const struct dw_netdev_conf *conf)
{
	struct rte_eth_dev_info di;
	struct rte_eth_conf ec;
	uint16_t nb_rxd = conf->nb_rxd, nb_txd = conf->nb_txd;
	int ret, socket;
	uint16_t q;

	ret = rte_eth_dev_info_get(p->eth_port, &di);
	if (ret < 0)
		goto out;
	if (conf->nb_rxq > di.max_rx_queues || conf->nb_txq > di.max_tx_queues) {
		ETHDEV_LOG(ERR, "port %u: %u/%u queues asked, device has %u/%u", p->dw_port,
			   conf->nb_rxq, conf->nb_txq, di.max_rx_queues, di.max_tx_queues);
		ret = -EINVAL;
		goto out;
	}
	memset(&ec, 0, sizeof(ec));
	ec.intr_conf.lsc = p->lsc_capable && !(conf->flags & DW_NETDEV_F_NO_LSC);
	ec.intr_conf.rxq = !(conf->flags & DW_NETDEV_F_NO_RX_INTR);
	for (;;) {
		ret = rte_eth_dev_configure(p->eth_port, conf->nb_rxq, conf->nb_txq, &ec);
		if (ret == 0)
			break;
		/* Ask for less, one interrupt kind at a time, as devices refuse them. */
		if (ec.intr_conf.rxq) {
			ETHDEV_LOG(
			    INFO,
			    "port %u: configure with rx interrupts failed (%s), retrying without",
			    p->dw_port, strerror(-ret));
			ec.intr_conf.rxq = 0;
		} else if (ec.intr_conf.lsc) {
			ETHDEV_LOG(
			    INFO,
			    "port %u: configure with LSC interrupts failed (%s), retrying without",
			    p->dw_port, strerror(-ret));
			ec.intr_conf.lsc = 0;
		} else {
			goto out;
		}
	}
	if (nb_rxd == 0)
		nb_rxd = di.default_rxportconf.ring_size ? di.default_rxportconf.ring_size : 512;
	if (nb_txd == 0)
		nb_txd = di.default_txportconf.ring_size ? di.default_txportconf.ring_size : 512;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(p->eth_port, &nb_rxd, &nb_txd);
	if (ret < 0)
		goto out;
	socket = rte_eth_dev_socket_id(p->eth_port);
	if (socket < 0)
		socket = SOCKET_ID_ANY;
	for (q = 0; q < conf->nb_rxq; q++) {
		ret = rte_eth_rx_queue_setup(p->eth_port, q, nb_rxd, (unsigned int)socket, NULL,
					     conf->mp);
		if (ret < 0) {
			ETHDEV_LOG(ERR, "port %u: rx queue %u setup: %s", p->dw_port, q,
				   strerror(-ret));
			goto out;
		}
	}
	for (q = 0; q < conf->nb_txq; q++) {
		ret = rte_eth_tx_queue_setup(p->eth_port, q, nb_txd, (unsigned int)socket, NULL);
		if (ret < 0) {
			ETHDEV_LOG(ERR, "port %u: tx queue %u setup: %s", p->dw_port, q,
				   strerror(-ret));
			goto out;
		}
	}
	p->econf = ec;
	p->conf = *conf;
	p->configured = true;
out:
	return ret;
}

/* True if @p fd is an eventfd (an interrupt counter, not a packet fd). */
static bool
ethdev_fd_is_eventfd(int fd)
{
	char path[64], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return true; /* Unknown: do not trust poll() on it. */
	target[n] = '\0';
	return strstr(target, "eventfd") != NULL;
}

/*
 * Read the queues' interrupt fds again (they change across stop/start, reset
 * and, on vhost, link-up) and pick each queue's re-check method.
 * Returns true if any fd number changed or, with @p restarted, if any queue
 * has an fd at all: after a (re)start the device may have closed and reopened
 * an fd under the same number, which silently drops it from the caller's epoll.
 * Control lock held.
 */
static bool
ethdev_rxq_refresh(struct ethdev_port *p, bool restarted)
{
	bool changed = false, intr = p->econf.intr_conf.rxq;
	uint16_t q;

	for (q = 0; q < p->conf.nb_rxq; q++) {
		struct ethdev_rxq *rxq = &p->rxq[q];
		int fd = -1;
		uint8_t how;

		if (intr)
			fd = rte_eth_dev_rx_intr_ctl_q_get_fd(p->eth_port, q);
		if (fd < 0) {
			fd = -1;
			/* No fd on queue 0: the device has no rx interrupt at all
			 * (ethdev logs an error per query, ask once). */
			intr = intr && q > 0;
		}
		if (rte_eth_rx_queue_count(p->eth_port, q) != -ENOTSUP)
			how = ETHDEV_RECHECK_COUNT;
		else if (rte_eth_rx_descriptor_status(p->eth_port, q, 0) != -ENOTSUP)
			how = ETHDEV_RECHECK_DESC;
		else if (fd >= 0 && !ethdev_fd_is_eventfd(fd))
			how = ETHDEV_RECHECK_POLL;
		else
			how = ETHDEV_RECHECK_NONE;
		if (fd >= 0 && how == ETHDEV_RECHECK_NONE && rxq->fd != fd)
			ETHDEV_LOG(WARNING,
				   "port %u rxq %u: no way to re-check the queue after arming; a "
				   "packet arriving just before arm may wait for the next one",
				   p->dw_port, q);
		if (restarted && fd >= 0)
			changed = true;
		if (rxq->fd != fd) {
			static const char *const how_name[] = { "queue count", "descriptor status",
								"poll on the fd", "nothing" };

			changed = true;
			if (fd >= 0)
				ETHDEV_LOG(INFO, "port %u rxq %u: interrupt fd %d, re-check by %s",
					   p->dw_port, q, fd, how_name[how]);
		}
		__atomic_store_n(&rxq->recheck, how, __ATOMIC_RELAXED);
		__atomic_store_n(&rxq->sigio_tid, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&rxq->fd, fd, __ATOMIC_RELAXED);
	}
	return changed;
}

static void
ethdev_rxq_forget(struct ethdev_port *p)
{
	uint16_t q;

	for (q = 0; q < DW_NETDEV_MAX_QUEUES; q++) {
		__atomic_store_n(&p->rxq[q].fd, -1, __ATOMIC_RELAXED);
		__atomic_store_n(&p->rxq[q].armed, false, __ATOMIC_RELAXED);
	}
}

/*
 * One indirect call per burst: publish the PMD's own burst functions and
 * queue arrays, as rte_eth_rx_burst() would use them (without ethdev's rx/tx
 * callbacks, which dwork does not use). Returns true if anything changed.
 * Control lock held, port started.
 */
static bool
ethdev_fp_publish(struct ethdev_port *p)
{
	const struct rte_eth_fp_ops *fpo = &rte_eth_fp_ops[p->eth_port];
	/* Acquire: pairs with the release in dw_netdev_fp_set() (another work item's). */
	const struct dw_netdev_fp *cur =
	    __atomic_load_n(&dw_netdev_fps[p->dw_port], __ATOMIC_ACQUIRE);

	if (cur->rx_burst == fpo->rx_pkt_burst && cur->rxq == fpo->rxq.data &&
	    cur->tx_burst == fpo->tx_pkt_burst && cur->txq == fpo->txq.data)
		return false;
	dw_netdev_fp_set(p->nd, fpo->rx_pkt_burst, fpo->rxq.data, fpo->tx_pkt_burst, fpo->txq.data);
	return true;
}

/* Start the device, falling back to no rx interrupts; publish the fast path. */
static int
ethdev_start_locked(struct ethdev_port *p, bool *fds_changed)
{
	int ret;

	ret = rte_eth_dev_start(p->eth_port);
	if (ret < 0 && p->econf.intr_conf.rxq) {
		struct dw_netdev_conf c = p->conf;
		uint32_t flags = p->conf.flags;

		ETHDEV_LOG(INFO, "port %u: start with rx interrupts failed (%s), retrying without",
			   p->dw_port, strerror(-ret));
		c.flags |= DW_NETDEV_F_NO_RX_INTR;
		ret = ethdev_setup(p, &c);
		if (ret == 0)
			ret = rte_eth_dev_start(p->eth_port);
		p->conf.flags = flags; /* The next start (or reset) tries again. */
	}
	if (ret < 0)
		return ret;
	/* Fds first: an lcore that sees the new path arms with the new fds. */
	*fds_changed = ethdev_rxq_refresh(p, true);
	ethdev_fp_publish(p);
	return 0;
}

/* After a start: the link state subscribers compare against, and the watch. */
static void
ethdev_link_watch_start(struct ethdev_port *p)
{
	struct rte_eth_link link;

	p->link_up =
	    rte_eth_link_get_nowait(p->eth_port, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
	ethdev_link_watch_arm(p);
}

static int
ethdev_configure(struct dw_netdev *nd, const struct dw_netdev_conf *conf)
{
	struct ethdev_port *p = dw_netdev_priv(nd);

	p->wq = conf->ctrl_wq;
	return ethdev_setup(p, conf);
}

static int
ethdev_start(struct dw_netdev *nd)
{
	struct ethdev_port *p = dw_netdev_priv(nd);
	bool changed = false;
	int ret;

	ret = ethdev_start_locked(p, &changed);
	if (ret < 0)
		return ret;
	ethdev_link_watch_start(p);
	if (changed)
		dw_netdev_event_raise(nd, DW_NETDEV_EV_RXQ_FD);
	return 0;
}

static int
ethdev_stop(struct dw_netdev *nd)
{
	struct ethdev_port *p = dw_netdev_priv(nd);
	int ret;

	/* Not _sync: the watch takes the lock we hold; it sees the port stopped. */
	dw_cancel_delayed_work(&p->link_watch);
	ret = rte_eth_dev_stop(p->eth_port);
	ethdev_rxq_forget(p);
	return ret;
}

/*
 * ops->reset, from lib/netdev's reset work (the device raised
 * RTE_ETH_EVENT_INTR_RESET, or dw_netdev_reset()): the dummy fast path is
 * published and no lcore is inside a burst or an arm of this port. Reset the
 * device, set it up again with the last configuration and restart it if it
 * was started. Control lock held.
 */
static int
ethdev_reset(struct dw_netdev *nd, bool restart)
{
	struct ethdev_port *p = dw_netdev_priv(nd);
	bool changed = false;
	int ret;

	/* Not _sync: the watch takes the lock we hold; it finds the port as we leave it. */
	dw_cancel_delayed_work(&p->link_watch);
	ethdev_rxq_forget(p);
	ret = rte_eth_dev_reset(p->eth_port);
	if (ret == -ENOTSUP) {
		/* No device reset: a stop and a fresh setup is what is left. */
		ETHDEV_LOG(INFO, "port %u: no device reset, stopping and setting up again",
			   p->dw_port);
		ret = rte_eth_dev_stop(p->eth_port);
	}
	if (ret < 0) {
		ETHDEV_LOG(ERR, "port %u: reset failed: %s", p->dw_port, strerror(-ret));
		return ret;
	}
	if (p->configured) {
		ret = ethdev_setup(p, &p->conf);
		if (ret < 0) {
			ETHDEV_LOG(ERR, "port %u: setup after reset failed: %s", p->dw_port,
				   strerror(-ret));
			return ret;
		}
	}
	if (restart) {
		ret = ethdev_start_locked(p, &changed);
		if (ret < 0) {
			ETHDEV_LOG(ERR, "port %u: restart after reset failed: %s", p->dw_port,
				   strerror(-ret));
			return ret;
		}
		ethdev_link_watch_start(p);
	}
	if (changed)
		dw_netdev_event_raise(nd, DW_NETDEV_EV_RXQ_FD);
	return 0;
}

/*
 * Link changed (@p reported: the device said so; otherwise only if the state
 * differs from the last one reported). On link-up, fds may have been replaced
 * (vhost sets up its vrings when the driver side connects) and an interrupt
 * enabled before the vrings existed is lost: re-read the fds and re-enable
 * armed queues. Returns the events to raise. Control lock held.
 */
static uint32_t
ethdev_link_check(struct ethdev_port *p, bool reported)
{
	struct rte_eth_link link;
	uint32_t ev = 0;
	bool up;
	uint16_t q;

	if (rte_eth_link_get_nowait(p->eth_port, &link) < 0)
		return reported ? DW_NETDEV_EV_LSC : 0;
	up = link.link_status == RTE_ETH_LINK_UP;
	if (reported || up != p->link_up)
		ev |= DW_NETDEV_EV_LSC;
	p->link_up = up;
	if (ev != 0 && up && dw_netdev_started(p->nd)) {
		if (ethdev_rxq_refresh(p, false))
			ev |= DW_NETDEV_EV_RXQ_FD;
		for (q = 0; q < p->conf.nb_rxq; q++) {
			if (__atomic_load_n(&p->rxq[q].armed, __ATOMIC_RELAXED) &&
			    p->rxq[q].fd >= 0)
				rte_eth_dev_rx_intr_enable(p->eth_port, q);
		}
	}
	return ev;
}

static void
ethdev_lsc_work(struct dw_work *work)
{
	struct ethdev_port *p = container_of(work, struct ethdev_port, lsc_work);
	uint32_t ev;

	if (dw_netdev_ctrl_lock(p->nd) < 0)
		return;
	ev = ethdev_link_check(p, true);
	dw_netdev_ctrl_unlock(p->nd);
	dw_netdev_event_raise(p->nd, ev);
}

/* Requeue the link watch. Control lock held, port started. */
static void
ethdev_link_watch_arm(struct ethdev_port *p)
{
	struct dw_wq *wq = ethdev_wq(p);

	if (wq == NULL || (p->conf.flags & DW_NETDEV_F_NO_LINK_WATCH))
		return;
	if (!dw_queue_delayed_work(wq, &p->link_watch, ETHDEV_LINK_WATCH_US) && rte_errno != 0)
		ETHDEV_LOG(WARNING, "port %u: link watch not queued: %s", p->dw_port,
			   rte_strerror(rte_errno));
}

/* Runs every ETHDEV_LINK_WATCH_US while the port is started. */
static void
ethdev_link_watch_work(struct dw_work *work)
{
	struct ethdev_port *p =
	    container_of(dw_to_delayed_work(work), struct ethdev_port, link_watch);
	uint32_t ev = 0;

	if (dw_netdev_ctrl_lock(p->nd) < 0)
		return;
	/* Stopped: stop() could not wait for us under the lock; end here. */
	if (dw_netdev_started(p->nd)) {
		/* A PMD may swap its burst functions after start (some do in
		 * their own error recovery): follow it, as one new table. */
		if (ethdev_fp_publish(p))
			ETHDEV_LOG(INFO, "port %u: PMD changed its burst functions", p->dw_port);
		ev = ethdev_link_check(p, false);
		ethdev_link_watch_arm(p);
	}
	dw_netdev_ctrl_unlock(p->nd);
	if (ev != 0)
		dw_netdev_event_raise(p->nd, ev);
}

static int
ethdev_close(struct dw_netdev *nd)
{
	struct ethdev_port *p = dw_netdev_priv(nd);
	unsigned int i;
	int ret = 0;

	if (p == NULL)
		return 0;
	/* No new driver work after this; unregister waits out a running callback. */
	for (i = 0; p->cb_registered && i < RTE_DIM(ethdev_events); i++) {
		while (rte_eth_dev_callback_unregister(p->eth_port, ethdev_events[i],
						       ethdev_event_cb, p) == -EAGAIN)
			usleep(1000);
	}
	dw_cancel_work_sync(&p->lsc_work);
	dw_cancel_delayed_work_sync(&p->link_watch);
	__atomic_store_n(&ethdev_ports[p->dw_port], NULL, __ATOMIC_RELAXED);
	rte_eth_dev_stop(p->eth_port);
	ret = rte_eth_dev_close(p->eth_port);
	if (ret < 0)
		ETHDEV_LOG(ERR, "port %u: rte_eth_dev_close: %s", p->dw_port, strerror(-ret));
	if (p->device != NULL && rte_dev_remove(p->device) < 0)
		ETHDEV_LOG(WARNING, "port %u: device not detached", p->dw_port);
	rte_free(p);
	dw_netdev_priv_set(nd, NULL);
	return ret;
}

static int
ethdev_rx_intr_fd(struct dw_netdev *nd, uint16_t q)
{
	struct ethdev_port *p = dw_netdev_priv(nd);
	int fd = __atomic_load_n(&p->rxq[q].fd, __ATOMIC_RELAXED);

	return fd >= 0 ? fd : -ENOTSUP;
}

/*
 * net_tap's rx burst reads the fd only after its SIGIO handler ran since the
 * last empty burst; the PMD directs the signal at the process, so any thread
 * may take it, late. Until it does, poll() says readable, the burst returns
 * nothing and every park of the lcore aborts (the frame would be lost to a
 * sleep: the fd's edge is gone). Sent to the arming lcore instead, the signal
 * runs there before the burst that follows the frame, or interrupts its sleep.
 * Only EAL lcores take it: they live as long as EAL, while the signal of a
 * thread that exited is sent to nobody, and a thread that only polls the
 * queue would never see its frames again.
 */
static void
ethdev_sigio_to_self(struct ethdev_rxq *rxq, int fd)
{
	unsigned int lcore = rte_lcore_id();
	struct f_owner_ex own = { .type = F_OWNER_TID };

	if (lcore == LCORE_ID_ANY || rte_eal_lcore_role(lcore) != ROLE_RTE)
		return;
	own.pid = rte_gettid();
	if (__atomic_load_n(&rxq->sigio_tid, __ATOMIC_RELAXED) == own.pid)
		return;
	/* Failure keeps the PMD's default: correct, only slower to park. Tried
	 * (and logged) once per thread. */
	if (fcntl(fd, F_SETOWN_EX, &own) < 0)
		ETHDEV_LOG(WARNING, "rx fd %d: SIGIO stays with the process: F_SETOWN_EX: %s", fd,
			   strerror(errno));
	__atomic_store_n(&rxq->sigio_tid, own.pid, __ATOMIC_RELAXED);
}

static int
ethdev_rx_intr_arm(struct dw_netdev *nd, uint16_t q)
{
	struct ethdev_port *p = dw_netdev_priv(nd);
	struct ethdev_rxq *rxq = &p->rxq[q];
	int fd = __atomic_load_n(&rxq->fd, __ATOMIC_RELAXED);
	struct pollfd pfd;
	int ret;

	if (fd < 0)
		return -ENOTSUP;
	/* net_tap has no enable op (-ENOTSUP) yet its fd signals: that is fine. */
	ret = rte_eth_dev_rx_intr_enable(p->eth_port, q);
	if (ret < 0 && ret != -ENOTSUP)
		return ret;
	__atomic_store_n(&rxq->armed, true, __ATOMIC_RELAXED);
	switch (__atomic_load_n(&rxq->recheck, __ATOMIC_RELAXED)) {
	case ETHDEV_RECHECK_COUNT:
		return rte_eth_rx_queue_count(p->eth_port, q) > 0 ? -EAGAIN : 0;
	case ETHDEV_RECHECK_DESC:
		return rte_eth_rx_descriptor_status(p->eth_port, q, 0) == RTE_ETH_RX_DESC_DONE
			   ? -EAGAIN
			   : 0;
	case ETHDEV_RECHECK_POLL:
		ethdev_sigio_to_self(rxq, fd);
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		return poll(&pfd, 1, 0) > 0 ? -EAGAIN : 0;
	default:
		return 0;
	}
}

static int
ethdev_rx_intr_disarm(struct dw_netdev *nd, uint16_t q)
{
	struct ethdev_port *p = dw_netdev_priv(nd);
	struct ethdev_rxq *rxq = &p->rxq[q];
	int ret;

	if (__atomic_load_n(&rxq->fd, __ATOMIC_RELAXED) < 0)
		return -ENOTSUP;
	__atomic_store_n(&rxq->armed, false, __ATOMIC_RELAXED);
	ret = rte_eth_dev_rx_intr_disable(p->eth_port, q);
	return ret == -ENOTSUP ? 0 : ret;
}

static int
ethdev_link_get(struct dw_netdev *nd, struct dw_netdev_link *link)
{
	struct ethdev_port *p = dw_netdev_priv(nd);
	struct rte_eth_link l;
	int ret;

	ret = rte_eth_link_get_nowait(p->eth_port, &l);
	if (ret < 0)
		return ret;
	link->up = l.link_status == RTE_ETH_LINK_UP;
	link->full_duplex = l.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
	link->autoneg = l.link_autoneg == RTE_ETH_LINK_AUTONEG;
	link->speed_mbps = l.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : l.link_speed;
	return 0;
}

static int
ethdev_stats_get(struct dw_netdev *nd, struct dw_netdev_stats *st)
{
	struct ethdev_port *p = dw_netdev_priv(nd);
	struct rte_eth_stats es;
	int ret;

	ret = rte_eth_stats_get(p->eth_port, &es);
	if (ret < 0)
		return ret;
	st->ipackets = es.ipackets;
	st->opackets = es.opackets;
	st->ibytes = es.ibytes;
	st->obytes = es.obytes;
	st->imissed = es.imissed;
	st->ierrors = es.ierrors;
	st->oerrors = es.oerrors;
	st->rx_nombuf = es.rx_nombuf;
	return 0;
}

static int
ethdev_stats_reset(struct dw_netdev *nd)
{
	struct ethdev_port *p = dw_netdev_priv(nd);
	int ret;

	ret = rte_eth_stats_reset(p->eth_port);
	if (ret == 0)
		rte_eth_xstats_reset(p->eth_port);
	return ret;
}

static int
ethdev_xstats_get(struct dw_netdev *nd, struct dw_netdev_xstat *xs, unsigned int n)
{
	struct ethdev_port *p = dw_netdev_priv(nd);
	struct rte_eth_xstat_name *names = NULL;
	struct rte_eth_xstat *vals = NULL;
	int cnt, ret;
	unsigned int i;

	cnt = rte_eth_xstats_get_names(p->eth_port, NULL, 0);
	if (cnt < 0 || n == 0) {
		ret = cnt;
		goto out;
	}
	names = calloc((size_t)cnt, sizeof(*names));
	vals = calloc((size_t)cnt, sizeof(*vals));
	if (names == NULL || vals == NULL) {
		ret = -ENOMEM;
		goto free_arrays;
	}
	ret = rte_eth_xstats_get_names(p->eth_port, names, (unsigned int)cnt);
	if (ret >= 0 && ret <= cnt)
		ret = rte_eth_xstats_get(p->eth_port, vals, (unsigned int)cnt);
	if (ret < 0 || ret > cnt) {
		ret = ret < 0 ? ret : -EAGAIN; /* Counters changed under us. */
		goto free_arrays;
	}
	for (i = 0; i < n && i < (unsigned int)ret; i++) {
		snprintf(xs[i].name, sizeof(xs[i].name), "%s", names[vals[i].id].name);
		xs[i].value = vals[i].value;
	}
free_arrays:
	free(names);
	free(vals);
out:
	return ret;
}

static int
ethdev_info_get(struct dw_netdev *nd, struct dw_netdev_info *info)
{
	struct ethdev_port *p = dw_netdev_priv(nd);
	struct rte_eth_dev_info di;
	uint16_t q;
	int ret;

	ret = rte_eth_dev_info_get(p->eth_port, &di);
	if (ret < 0)
		return ret;
	info->max_rxq = RTE_MIN(di.max_rx_queues, DW_NETDEV_MAX_QUEUES);
	info->max_txq = RTE_MIN(di.max_tx_queues, DW_NETDEV_MAX_QUEUES);
	info->lsc_intr = p->configured && p->econf.intr_conf.lsc;
	for (q = 0; info->started && q < p->conf.nb_rxq; q++) {
		if (p->rxq[q].fd < 0)
			continue;
		info->nb_rxq_intr++;
		info->nb_rxq_intr_nocheck += p->rxq[q].recheck == ETHDEV_RECHECK_NONE;
	}
	return 0;
}

static const struct dw_netdev_ops ethdev_ops = {
	.configure = ethdev_configure,
	.start = ethdev_start,
	.stop = ethdev_stop,
	.close = ethdev_close,
	.rx_intr_fd = ethdev_rx_intr_fd,
	.rx_intr_arm = ethdev_rx_intr_arm,
	.rx_intr_disarm = ethdev_rx_intr_disarm,
	.link_get = ethdev_link_get,
	.stats_get = ethdev_stats_get,
	.stats_reset = ethdev_stats_reset,
	.xstats_get = ethdev_xstats_get,
	.info_get = ethdev_info_get,
	.reset = ethdev_reset,
};

/* Find (or hot-plug: *plugged set) the ethdev of @p devargs. */
static int
ethdev_attach(const char *devargs, uint16_t *eth_port, bool *plugged)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	size_t len = strcspn(devargs, ",");
	int ret;

	if (len == 0 || len >= sizeof(name))
		return -EINVAL;
	memcpy(name, devargs, len);
	name[len] = '\0';
	if (rte_eth_dev_get_port_by_name(name, eth_port) == 0)
		return 0; /* Probed by EAL already (--vdev, PCI scan). */
	ret = rte_dev_probe(devargs);
	if (ret < 0) {
		ETHDEV_LOG(ERR, "%s: rte_dev_probe: %s", devargs, strerror(-ret));
		return -ENODEV;
	}
	*plugged = true;
	if (rte_eth_dev_get_port_by_name(name, eth_port) < 0) {
		ETHDEV_LOG(ERR, "%s: probed, but no ethdev port named %s", devargs, name);
		return -ENODEV;
	}
	return 0;
}

static int
ethdev_probe(struct dw_netdev *nd, const char *devargs)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	struct rte_eth_dev_info di;
	struct ethdev_port *p;
	bool plugged = false;
	unsigned int i;
	uint16_t q;
	int ret;

	if (strncmp(devargs, ETHDEV_PREFIX, strlen(ETHDEV_PREFIX)) == 0)
		devargs += strlen(ETHDEV_PREFIX);
	p = rte_zmalloc("dw_ethdev", sizeof(*p), RTE_CACHE_LINE_SIZE);
	if (p == NULL)
		return -ENOMEM;
	p->nd = nd;
	p->dw_port = dw_netdev_port_id(nd);
	for (q = 0; q < DW_NETDEV_MAX_QUEUES; q++)
		p->rxq[q].fd = -1;
	dw_work_init(&p->lsc_work, ethdev_lsc_work);
	dw_delayed_work_init(&p->link_watch, ethdev_link_watch_work);
	ret = ethdev_attach(devargs, &p->eth_port, &plugged);
	if (ret < 0)
		goto free_port;
	ret = rte_eth_dev_info_get(p->eth_port, &di);
	if (ret < 0)
		goto detach;
	p->device = di.device;
	p->lsc_capable = di.dev_flags != NULL && (*di.dev_flags & RTE_ETH_DEV_INTR_LSC);
	ret = rte_eth_dev_get_name_by_port(p->eth_port, name);
	if (ret == 0)
		ret = dw_netdev_name_set(nd, name);
	if (ret < 0)
		goto detach;
	for (i = 0; i < RTE_DIM(ethdev_events); i++) {
		ret = rte_eth_dev_callback_register(p->eth_port, ethdev_events[i], ethdev_event_cb,
						    p);
		if (ret < 0)
			goto unregister;
	}
	p->cb_registered = true;
	dw_netdev_priv_set(nd, p);
	dw_netdev_ops_set(nd, &ethdev_ops);
	__atomic_store_n(&ethdev_ports[p->dw_port], p, __ATOMIC_RELEASE);
	ETHDEV_LOG(INFO, "port %u: ethdev %u (%s), lsc %s", p->dw_port, p->eth_port, di.driver_name,
		   p->lsc_capable ? "yes" : "no");
	return 0;

unregister:
	while (i-- > 0)
		rte_eth_dev_callback_unregister(p->eth_port, ethdev_events[i], ethdev_event_cb, p);
detach:
	/* Only what this probe plugged: a device found probed may be another port's. */
	if (plugged && rte_eth_dev_info_get(p->eth_port, &di) == 0) {
		rte_eth_dev_close(p->eth_port);
		rte_dev_remove(di.device);
	}
free_port:
	rte_free(p);
	return ret;
}

/* PCI addresses: [domain:]bus:device.function, e.g. 0000:00:04.0 or 00:04.0. */
static bool
ethdev_match(const char *devargs)
{
	unsigned int dom, bus, dev, fn;
	int n = 0;

	if (sscanf(devargs, "%x:%x:%x.%x%n", &dom, &bus, &dev, &fn, &n) == 4 &&
	    (devargs[n] == '\0' || devargs[n] == ','))
		return true;
	n = 0;
	return sscanf(devargs, "%x:%x.%x%n", &bus, &dev, &fn, &n) == 3 &&
	       (devargs[n] == '\0' || devargs[n] == ',');
}

static struct dw_netdev_driver ethdev_driver = {
	.name = "ethdev",
	.prefix = "net_",
	.match = ethdev_match,
	.probe = ethdev_probe,
};
DW_NETDEV_DRIVER_REGISTER(ethdev_driver);

/* "ethdev:<devargs>" names the driver explicitly. */
static struct dw_netdev_driver ethdev_driver_explicit = {
	.name = "ethdev",
	.prefix = ETHDEV_PREFIX,
	.probe = ethdev_probe,
};
DW_NETDEV_DRIVER_REGISTER(ethdev_driver_explicit);

int
dw_ethdev_eth_port(uint16_t port)
{
	struct ethdev_port *p = ethdev_port_get(port);

	return p != NULL ? p->eth_port : -ENODEV;
}

int
dw_ethdev_event_inject(uint16_t port, enum rte_eth_event_type type)
{
	struct ethdev_port *p = ethdev_port_get(port);

	if (p == NULL) {
		ETHDEV_LOG(ERR, "port %u: not an ethdev port", port);
		return -ENODEV;
	}
	if (type != RTE_ETH_EVENT_INTR_LSC && type != RTE_ETH_EVENT_INTR_RESET &&
	    type != RTE_ETH_EVENT_INTR_RMV) {
		ETHDEV_LOG(ERR, "port %u: event %d cannot be injected", port, (int)type);
		return -EINVAL;
	}
	ethdev_event_cb(p->eth_port, type, p, NULL);
	return 0;
}
