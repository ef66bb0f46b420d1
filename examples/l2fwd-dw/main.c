/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * l2fwd-dw: an l2fwd-style packet application that keeps its own lcore main
 * loop and takes dwork's building blocks:
 *   - ports through lib/netdev (dw_netdev_open() on EAL's vdevs or PCI ports,
 *     and on --port DEVARGS, e.g. a native driver's "e1000e:0000:00:10.0");
 *   - rx queues as napi sources, polled by dw_napi_poll_once() inside the
 *     application's own loop, which flushes its tx buffers and then lets
 *     dw_napi_try_park() put the lcore to sleep when it has been idle;
 *   - BH work queued on each forwarding lcore to read its counters there;
 *   - a delayed work item on a sleeping workqueue for the control work
 *     (periodic stats), never on the lcores.
 *
 *   l2fwd-dw [EAL options] -- [-T SECONDS] [--mode poll|interrupt|adaptive]
 *                              [--park-after N] [--duration SECONDS] [--port DEVARGS]...
 *
 * --park-after N replaces the mode's idle policy with the application's own:
 * after N iterations without work it calls dw_napi_park() directly.
 *
 * Ports are paired 0<->1, 2<->3; frames get source MAC = the output port's,
 * destination 02:00:00:00:00:<output port>.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <dw_bh.h>
#include <dw_ethdev.h>
#include <dw_napi.h>
#include <dw_netdev.h>
#include <dw_work.h>

#define MAX_PORTS 8
#define BURST 32

struct port {
	uint16_t id;   /* dwork port id */
	uint16_t peer; /* index of the output port */
	struct rte_ether_addr mac;
	struct dw_napi_source *src;
};

/* What one forwarding lcore owns; counters: lcore wo, read by BH items on it. */
struct fwd_lcore {
	unsigned int lcore;
	uint16_t txq;
	struct rte_mbuf *txbuf[MAX_PORTS][BURST];
	uint16_t txlen[MAX_PORTS];
	uint64_t rx, tx, drops;
	/* Filled by the stats BH item on this lcore, read by the stats work. */
	struct dw_work snap_work;
	uint64_t snap_rx, snap_tx, snap_drops; /* atomic */
	uint32_t snap_done;		       /* atomic: 1 once the item ran */
} __rte_cache_aligned;

static struct port ports[MAX_PORTS];
static unsigned int nb_ports;
/* --port DEVARGS, opened after EAL's own ports. */
static const char *devargs[MAX_PORTS];
static unsigned int nb_devargs;
static struct fwd_lcore fwd[RTE_MAX_LCORE]; /* indexed by lcore id */
static unsigned int lcores[RTE_MAX_LCORE];  /* the forwarding lcores */
static unsigned int nb_fwd;
static enum dw_napi_mode mode = DW_NAPI_MODE_ADAPTIVE;
static double period_s = 1, duration_s;
static unsigned int park_after; /* 0: dw_napi_try_park()'s policy (the mode's) */
static struct dw_delayed_work stats_work;
static volatile int quit;

static void
flush_port(struct fwd_lcore *f, unsigned int out)
{
	uint16_t n = f->txlen[out], sent;

	if (n == 0)
		return;
	sent = dw_netdev_tx_burst(ports[out].id, f->txq, f->txbuf[out], n);
	if (sent < n) {
		rte_pktmbuf_free_bulk(&f->txbuf[out][sent], n - sent);
		f->drops += n - sent;
	}
	f->tx += sent;
	f->txlen[out] = 0;
}

/* Rx handler of a port's napi source: rewrite MACs, buffer for the peer port. */
static void
l2fwd_rx(uint16_t port_id, uint16_t q, struct rte_mbuf **pkts, uint16_t n, void *arg)
{
	struct port *in = arg;
	struct fwd_lcore *f = &fwd[rte_lcore_id()];
	unsigned int out = in->peer;
	uint16_t i;

	(void)port_id;
	(void)q;
	f->rx += n;
	for (i = 0; i < n; i++) {
		struct rte_ether_hdr *eh = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);

		eh->dst_addr = (struct rte_ether_addr){ { 0x02, 0, 0, 0, 0, (uint8_t)out } };
		rte_ether_addr_copy(&ports[out].mac, &eh->src_addr);
		f->txbuf[out][f->txlen[out]++] = pkts[i];
		if (f->txlen[out] == BURST)
			flush_port(f, out);
	}
}

/* The application's own loop, built from lib/napi's pieces. */
static int
lcore_main(void *arg)
{
	struct fwd_lcore *f = arg;
	struct dw_lcore_conf conf = { .size = sizeof(conf), .mode = mode, .trustee = -1 };
	unsigned int work, p, idle = 0;
	int rc;

	rc = dw_napi_loop_begin(&conf);
	if (rc < 0)
		return rc;
	while (!dw_napi_should_stop()) {
		work = dw_napi_poll_once(); /* sources, then this lcore's BH lane */
		for (p = 0; p < nb_ports; p++)
			flush_port(f, p);
		if (park_after == 0) {
			/* Idle long enough for the mode: arm, re-check, sleep. */
			dw_napi_try_park(work);
		} else if (work != 0) {
			idle = 0;
		} else if (++idle >= park_after) {
			/* The application's own policy: N empty rounds, then park now. */
			dw_napi_park();
			idle = 0;
		}
	}
	for (p = 0; p < nb_ports; p++)
		flush_port(f, p);
	return dw_napi_loop_end() < 0 ? -1 : 0;
}

/* BH item: runs on the forwarding lcore itself, between bursts. */
static void
snap_fn(struct dw_work *w)
{
	struct fwd_lcore *f = container_of(w, struct fwd_lcore, snap_work);

	__atomic_store_n(&f->snap_rx, f->rx, __ATOMIC_RELAXED);
	__atomic_store_n(&f->snap_tx, f->tx, __ATOMIC_RELAXED);
	__atomic_store_n(&f->snap_drops, f->drops, __ATOMIC_RELAXED);
	__atomic_store_n(&f->snap_done, 1, __ATOMIC_RELEASE);
}

/* Control work on a pool worker: ask each lcore for its counters, print them. */
static void
stats_fn(struct dw_work *w)
{
	static uint64_t last_rx;
	uint64_t rx = 0, tx = 0, drops = 0, sleep_ns = 0, total_ns = 0;
	struct dw_lcore_stats st;
	unsigned int i;

	for (i = 0; i < nb_fwd; i++) {
		struct fwd_lcore *f = &fwd[lcores[i]];

		__atomic_store_n(&f->snap_done, 0, __ATOMIC_RELAXED);
		dw_queue_work_on((int)f->lcore, dw_system_bh_wq, &f->snap_work);
	}
	for (i = 0; i < nb_fwd; i++) {
		struct fwd_lcore *f = &fwd[lcores[i]];

		dw_flush_work(&f->snap_work); /* may sleep: we are on a pool worker */
		rx += __atomic_load_n(&f->snap_rx, __ATOMIC_RELAXED);
		tx += __atomic_load_n(&f->snap_tx, __ATOMIC_RELAXED);
		drops += __atomic_load_n(&f->snap_drops, __ATOMIC_RELAXED);
		if (dw_lcore_stats_get(f->lcore, &st) == 0) {
			sleep_ns += st.sleep_ns;
			total_ns += st.busy_ns + st.poll_ns + st.sleep_ns;
		}
	}
	printf("l2fwd-dw: rx %" PRIu64 " tx %" PRIu64 " drops %" PRIu64 " (%.3f Mpps), lcores "
	       "slept %.1f%% of the time\n",
	       rx, tx, drops, (double)(rx - last_rx) / period_s / 1e6,
	       total_ns ? 100.0 * (double)sleep_ns / (double)total_ns : 0.0);
	fflush(stdout);
	last_rx = rx;
	if (!quit)
		dw_queue_delayed_work(dw_system_wq, dw_to_delayed_work(w),
				      (uint64_t)(period_s * 1e6));
}

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static int
parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "duration", required_argument, NULL, 'd' },
		{ "park-after", required_argument, NULL, 'p' },
		{ "port", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, i;

	while ((opt = getopt_long(argc, argv, "T:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'T':
			period_s = atof(optarg);
			break;
		case 'd':
			duration_s = atof(optarg);
			break;
		case 'p':
			park_after = (unsigned int)atoi(optarg);
			/* dw_napi_park() never sleeps in poll mode. */
			if (park_after > 0)
				mode = DW_NAPI_MODE_INTERRUPT;
			break;
		case 'P':
			if (nb_devargs == MAX_PORTS)
				return -EINVAL;
			devargs[nb_devargs++] = optarg;
			break;
		case 'm':
			for (i = 0; i < DW_NAPI_MODE_MAX; i++)
				if (strcmp(optarg, dw_napi_mode_name((enum dw_napi_mode)i)) == 0)
					break;
			if (i == DW_NAPI_MODE_MAX)
				return -EINVAL;
			mode = (enum dw_napi_mode)i;
			break;
		default:
			return -EINVAL;
		}
	}
	return period_s > 0 ? 0 : -EINVAL;
}

/* Open, configure and start one port; one tx queue per forwarding lcore. */
static int
port_add(const char *name, struct rte_mempool *mp)
{
	struct dw_netdev_conf c = { .size = sizeof(c), .nb_rxq = 1, .mp = mp };
	int id, eth;

	c.nb_txq = (uint16_t)nb_fwd;
	if (nb_ports == MAX_PORTS)
		return -ENOSPC;
	id = dw_netdev_open(name);
	if (id < 0 || dw_netdev_configure((uint16_t)id, &c) < 0 ||
	    dw_netdev_start((uint16_t)id) < 0) {
		fprintf(stderr, "l2fwd-dw: cannot set up port %s\n", name);
		return -ENODEV;
	}
	ports[nb_ports].id = (uint16_t)id;
	/* Native ports have no ethdev: a locally administered address stands in. */
	eth = dw_ethdev_eth_port((uint16_t)id);
	if (eth < 0 || rte_eth_macaddr_get((uint16_t)eth, &ports[nb_ports].mac) != 0)
		ports[nb_ports].mac =
		    (struct rte_ether_addr){ .addr_bytes = { 0x02, 0, 0, 0, 0x01, (uint8_t)id } };
	nb_ports++;
	return 0;
}

/* Open every ethdev port EAL probed, then every --port, through lib/netdev. */
static int
ports_setup(struct rte_mempool *mp)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	unsigned int i;
	uint16_t eth;

	RTE_ETH_FOREACH_DEV(eth) {
		if (rte_eth_dev_get_name_by_port(eth, name) != 0 || port_add(name, mp) < 0)
			return -ENODEV;
	}
	for (i = 0; i < nb_devargs; i++) {
		if (port_add(devargs[i], mp) < 0)
			return -ENODEV;
	}
	if (nb_ports == 0) {
		fprintf(stderr, "l2fwd-dw: no ports (give EAL --vdev=... or --port DEVARGS)\n");
		return -ENODEV;
	}
	for (i = 0; i < nb_ports; i++) {
		ports[i].peer = (uint16_t)((i ^ 1) < nb_ports ? (i ^ 1) : i);
		ports[i].src =
		    dw_napi_source_from_rxq(ports[i].id, 0, NULL, 0, l2fwd_rx, &ports[i], NULL);
		if (ports[i].src == NULL ||
		    dw_napi_source_register(lcores[i % nb_fwd], ports[i].src) < 0)
			return -EIO;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct rte_mempool *mp = NULL;
	unsigned int lcore, i, missing;
	struct dw_lcore_stats st;
	int ret = EXIT_FAILURE, n;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "l2fwd-dw: EAL initialisation failed\n");
		return EXIT_FAILURE;
	}
	if (parse_args(argc - n, argv + n) < 0) {
		fprintf(stderr, "usage: l2fwd-dw [EAL] -- [-T SECONDS] [--mode "
				"poll|interrupt|adaptive] [--park-after N] [--duration SECONDS] "
				"[--port DEVARGS]...\n");
		goto eal;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (dw_work_lib_init(NULL) < 0 || dw_bh_init() < 0)
		goto eal;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		fwd[lcore].lcore = lcore;
		fwd[lcore].txq = (uint16_t)nb_fwd;
		dw_work_init(&fwd[lcore].snap_work, snap_fn);
		lcores[nb_fwd++] = lcore;
	}
	if (nb_fwd == 0) {
		fprintf(stderr, "l2fwd-dw: needs a worker lcore (-l 0-1)\n");
		goto work;
	}
	mp = rte_pktmbuf_pool_create("l2fwd_dw", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     SOCKET_ID_ANY);
	if (mp == NULL || ports_setup(mp) < 0)
		goto ports;
	for (i = 0; i < nb_fwd; i++)
		rte_eal_remote_launch(lcore_main, &fwd[lcores[i]], lcores[i]);
	/* dw_lcore_stop() needs the loops begun: wait for each to run. */
	for (i = 0; i < nb_fwd; i++)
		while (dw_lcore_stats_get(lcores[i], &st) == 0 && !st.running &&
		       rte_eal_get_lcore_state(lcores[i]) != WAIT)
			usleep(1000);
	printf("l2fwd-dw: %u ports, %u lcores, mode %s\n", nb_ports, nb_fwd,
	       dw_napi_mode_name(mode));
	ret = EXIT_SUCCESS;
	dw_delayed_work_init(&stats_work, stats_fn);
	dw_queue_delayed_work(dw_system_wq, &stats_work, (uint64_t)(period_s * 1e6));
	for (i = 0; !quit && (duration_s == 0 || i < duration_s * 10); i++)
		usleep(100000);
	quit = 1;
	dw_cancel_delayed_work_sync(&stats_work);
	for (i = 0; i < nb_fwd; i++)
		dw_lcore_stop(lcores[i]);
	for (i = 0; i < nb_fwd; i++)
		if (rte_eal_wait_lcore(lcores[i]) != 0)
			ret = EXIT_FAILURE;
ports:
	for (i = 0; i < nb_ports; i++) {
		if (ports[i].src != NULL) {
			dw_napi_source_unregister(ports[i].src);
			dw_napi_source_free(ports[i].src);
		}
		dw_netdev_close(ports[i].id);
	}
	if (mp != NULL) {
		missing = mp->size - rte_mempool_avail_count(mp);
		printf("l2fwd-dw: done, %u mbufs missing from the pool\n", missing);
		if (missing != 0)
			ret = EXIT_FAILURE;
		rte_mempool_free(mp);
	}
work:
	dw_work_lib_fini();
eal:
	rte_eal_cleanup();
	return ret;
}
