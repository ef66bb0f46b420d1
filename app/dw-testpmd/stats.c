/* SPDX-License-Identifier: BSD-3-Clause */
/* Periodic stats, the final summary, the prompt's show commands and telemetry. */
#include <inttypes.h>
#include <string.h>

#include <rte_telemetry.h>

#include "dw_bh.h"
#include "dw_common.h"
#include "testpmd.h"

/* Port counters since the last clear plus the app's own drops. */
struct port_count {
	uint64_t rx, tx, missed, errors, drops;
};

static void
port_count(unsigned int idx, struct port_count *c)
{
	struct tp_port *p = &tp.ports[idx];
	struct dw_netdev_stats st;
	unsigned int i;

	memset(c, 0, sizeof(*c));
	if (p->open && dw_netdev_stats_get(p->id, &st) == 0) {
		c->rx = st.ipackets - p->base.ipackets;
		c->tx = st.opackets - p->base.opackets;
		c->missed = st.imissed - p->base.imissed;
		c->errors = st.ierrors + st.oerrors - p->base.ierrors - p->base.oerrors;
	}
	for (i = 0; i < tp.nb_streams; i++)
		if (tp.streams[i].tx_port == p->id)
			c->drops += __atomic_load_n(&tp.streams[i].drops, __ATOMIC_RELAXED);
	for (i = 0; i < tp.nb_gens; i++)
		if (tp.gens[i].port_id == p->id)
			c->drops += __atomic_load_n(&tp.gens[i].drops, __ATOMIC_RELAXED);
}

static struct port_count prev_port[TP_MAX_PORTS];
static struct dw_lcore_stats prev_lcore[RTE_MAX_LCORE];
static uint64_t prev_ns;

static void
lcore_delta(const struct dw_lcore_stats *a, const struct dw_lcore_stats *b, double *busy,
	    double *poll, double *sleep)
{
	double bz = (double)(a->busy_ns - b->busy_ns), pl = (double)(a->poll_ns - b->poll_ns),
	       sl = (double)(a->sleep_ns - b->sleep_ns), t = bz + pl + sl;

	if (t <= 0)
		t = 1;
	*busy = 100 * bz / t;
	*poll = 100 * pl / t;
	*sleep = 100 * sl / t;
}

/* One line per port and per lcore, rates over the time since the last call. */
void
tp_stats_period(double seconds)
{
	uint64_t now = dw_now_ns();
	double dt = prev_ns == 0 ? seconds : (double)(now - prev_ns) / 1e9;
	struct port_count c;
	unsigned int i, w;

	if (dt <= 0)
		dt = 1;
	printf("[%7.1fs]", (double)(now - tp.fwd_start_ns) / 1e9);
	for (i = 0; i < tp.nb_ports; i++) {
		if (!tp.ports[i].open)
			continue;
		port_count(i, &c);
		printf(" port %u: rx %.3f Mpps tx %.3f Mpps drop %" PRIu64 " |", i,
		       (double)(c.rx - prev_port[i].rx) / dt / 1e6,
		       (double)(c.tx - prev_port[i].tx) / dt / 1e6,
		       c.drops + c.missed - prev_port[i].drops - prev_port[i].missed);
		prev_port[i] = c;
	}
	printf("\n");
	for (i = 0; i < tp.nb_lcores; i++) {
		unsigned int l = tp.lcores[i].lcore;
		struct dw_lcore_stats st;
		double bz, pl, sl;

		if (dw_lcore_stats_get(l, &st) != 0)
			continue;
		lcore_delta(&st, &prev_lcore[l], &bz, &pl, &sl);
		printf("           lcore %u (%s): busy %5.1f%% poll %5.1f%% sleep %5.1f%% wakeups",
		       l, dw_napi_mode_name(st.mode), bz, pl, sl);
		for (w = 0; w < DW_NAPI_WAKE_MAX; w++)
			printf(" %s %" PRIu64,
			       w == DW_NAPI_WAKE_RX	    ? "rx"
			       : w == DW_NAPI_WAKE_DOORBELL ? "doorbell"
			       : w == DW_NAPI_WAKE_TIMER    ? "timer"
							    : "timeout",
			       st.wakeups[w] - prev_lcore[l].wakeups[w]);
		printf("\n");
		prev_lcore[l] = st;
	}
	prev_ns = now;
	fflush(stdout);
}

static const char *const wake_names[DW_NAPI_WAKE_MAX] = {
	[DW_NAPI_WAKE_RX] = "rx-intr",
	[DW_NAPI_WAKE_DOORBELL] = "doorbell",
	[DW_NAPI_WAKE_TIMER] = "bh-timer",
	[DW_NAPI_WAKE_TIMEOUT] = "timeout",
};

/*
 * Median wake-to-poll time from the log2 histogram (bucket lower bound), 0 if
 * none: from the doorbell's ring, or from epoll_wait()'s return for an rx fd
 * (when the packet arrived is not known here). Not a packet latency: that is
 * measured end to end by devtools/rr-bench.sh.
 */
static uint64_t
wake_lat_p50(const struct dw_lcore_stats *st, const struct dw_lcore_stats *base)
{
	uint64_t total = 0, acc = 0;
	unsigned int i;

	for (i = 0; i < DW_NAPI_LAT_BUCKETS; i++)
		total += st->wake_lat[i] - base->wake_lat[i];
	for (i = 0; i < DW_NAPI_LAT_BUCKETS && total != 0; i++) {
		acc += st->wake_lat[i] - base->wake_lat[i];
		if (acc * 2 >= total)
			return UINT64_C(1) << i;
	}
	return 0;
}

void
tp_show_lcores(void)
{
	unsigned int i, w;

	for (i = 0; i < tp.nb_lcores; i++) {
		unsigned int l = tp.lcores[i].lcore;
		const struct dw_lcore_stats *b = &tp.lcores[i].base;
		struct dw_lcore_stats st;
		double bz, pl, sl;

		if (dw_lcore_stats_get(l, &st) != 0)
			continue;
		lcore_delta(&st, b, &bz, &pl, &sl);
		printf("Lcore %u: %s, %s, tx queue %u\n", l, dw_napi_mode_name(st.mode),
		       st.running ? (st.parked ? "parked" : "running") : "stopped",
		       tp.lcores[i].tx_queue);
		printf("  busy %.1f%%  poll %.1f%%  sleep %.1f%%  (busy %.1f ms, poll %.1f ms, "
		       "sleep %.1f ms)\n",
		       bz, pl, sl, (double)(st.busy_ns - b->busy_ns) / 1e6,
		       (double)(st.poll_ns - b->poll_ns) / 1e6,
		       (double)(st.sleep_ns - b->sleep_ns) / 1e6);
		printf("  loops %" PRIu64 "  packets %" PRIu64 "  bh-items %" PRIu64
		       "  parks %" PRIu64 "  park-aborts %" PRIu64 "\n",
		       st.loops - b->loops, st.work - b->work, st.bh_items - b->bh_items,
		       st.parks - b->parks, st.park_aborts - b->park_aborts);
		printf("  wakeups:");
		for (w = 0; w < DW_NAPI_WAKE_MAX; w++)
			printf(" %s %" PRIu64, wake_names[w], st.wakeups[w] - b->wakeups[w]);
		printf("  (median wake-to-poll ~%" PRIu64
		       " ns, from the doorbell or epoll's return)\n",
		       wake_lat_p50(&st, b));
		printf("  self-test fallbacks %" PRIu64 "  last busy source '%s'\n",
		       st.selftest_fallbacks, st.last_busy_source);
		printf("  busy-poll windows (adaptive): hits %" PRIu64 "  misses %" PRIu64
		       "  learned gap %.1f us\n",
		       st.busy_poll_hits - b->busy_poll_hits,
		       st.busy_poll_misses - b->busy_poll_misses,
		       (double)st.busy_poll_est_ns / 1e3);
	}
}

void
tp_show_ports(void)
{
	struct dw_netdev_link link;
	struct dw_netdev_info info;
	struct port_count c;
	unsigned int i;

	for (i = 0; i < tp.nb_ports; i++) {
		struct tp_port *p = &tp.ports[i];

		if (!p->open) {
			printf("Port %u: closed%s\n", i, p->removed ? " (removed)" : "");
			continue;
		}
		port_count(i, &c);
		printf("Port %u (%s, dwork port %u, peer %u): %s\n", i, dw_netdev_name(p->id),
		       p->id, p->peer, p->started ? "started" : "stopped");
		if (dw_netdev_info_get(p->id, &info) == 0 && dw_netdev_link_get(p->id, &link) == 0)
			printf("  link %s %u Mbps; rx queues %u (with interrupt fd %u); tx queues "
			       "%u; resets %" PRIu64 "\n",
			       link.up ? "up" : "down", link.speed_mbps, info.nb_rxq,
			       info.nb_rxq_intr, info.nb_txq, info.resets);
		printf("  rx-packets %" PRIu64 "  tx-packets %" PRIu64 "  rx-missed %" PRIu64
		       "  errors %" PRIu64 "  app-drops %" PRIu64 "\n",
		       c.rx, c.tx, c.missed, c.errors, c.drops);
		printf("  events: lsc %" PRIu64 " reset %" PRIu64 " rmv %" PRIu64 "\n",
		       __atomic_load_n(&p->lsc_events, __ATOMIC_RELAXED),
		       __atomic_load_n(&p->reset_events, __ATOMIC_RELAXED),
		       __atomic_load_n(&p->rmv_events, __ATOMIC_RELAXED));
	}
}

static void
show_one_wq(const char *label, struct dw_wq *wq)
{
	struct dw_wq_stats st;

	if (wq == NULL || dw_wq_stats_get(wq, &st) != 0)
		return;
	printf("  %-22s queued %8" PRIu64 " done %8" PRIu64 " cancelled %6" PRIu64
	       " pending %3u running %2u cpu %8.1f ms\n",
	       label, st.queued, st.completed, st.cancelled, st.pending, st.running,
	       (double)st.cpu_ns / 1e6);
}

void
tp_show_wq(void)
{
	printf("Workqueues:\n");
	show_one_wq(dw_wq_name(tp.ctrl_wq), tp.ctrl_wq);
	if (tp.slow_wq != NULL)
		show_one_wq(dw_wq_name(tp.slow_wq), tp.slow_wq);
	show_one_wq("dw_system_wq", dw_system_wq);
	show_one_wq("dw_system_highpri_wq", dw_system_highpri_wq);
	show_one_wq("dw_system_unbound_wq", dw_system_unbound_wq);
	show_one_wq("dw_system_bh_wq", dw_system_bh_wq);
	tp_show_slow();
}

void
tp_show_pools(void)
{
	unsigned int i, n = dw_pool_count();
	struct dw_pool_stats st;

	printf("Worker pools:\n");
	for (i = 0; i < n; i++) {
		if (dw_pool_stats_get(i, &st) != 0)
			continue;
		printf("  pool %u node %d %-8s workers %u (idle %u running %u, peak %u) pending %u "
		       "done %" PRIu64 " cm-wakeups %" PRIu64 " blocked-detected %" PRIu64
		       " hogs %" PRIu64 "\n",
		       i, st.node, st.unbound ? "unbound" : (st.highpri ? "highpri" : "normal"),
		       st.nr_workers, st.nr_idle, st.nr_running, st.peak_workers, st.nr_pending,
		       st.completed, st.cm_wakeups, st.blocked_detected, st.hogs_detected);
	}
}

void
tp_show_config(void)
{
	unsigned int i;

	printf("Forwarding engine %s, rx mode %s, %u ports, %u rx queues per port, %u lcores, "
	       "forwarding %s\n",
	       tp_engine_name(tp_conf.engine), dw_napi_mode_name(tp_conf.mode), tp.nb_ports,
	       tp_conf.nb_rxq, tp.nb_lcores, tp.forwarding ? "on" : "off");
	for (i = 0; i < tp.nb_streams; i++) {
		struct tp_stream *s = &tp.streams[i];

		printf("  port %u rxq %u -> port %u, lcore %u\n", s->rx_port, s->rx_queue,
		       tp.ports[s->rx_port].peer, s->lcore);
	}
}

/* Zero the counters that shares and totals are computed from. */
void
tp_stats_clear(void)
{
	unsigned int i;

	for (i = 0; i < tp.nb_ports; i++)
		if (tp.ports[i].open)
			dw_netdev_stats_get(tp.ports[i].id, &tp.ports[i].base);
	for (i = 0; i < tp.nb_lcores; i++)
		dw_lcore_stats_get(tp.lcores[i].lcore, &tp.lcores[i].base);
	for (i = 0; i < tp.nb_streams; i++)
		__atomic_store_n(&tp.streams[i].drops, 0, __ATOMIC_RELAXED);
	memset(prev_port, 0, sizeof(prev_port));
	for (i = 0; i < tp.nb_lcores; i++)
		prev_lcore[tp.lcores[i].lcore] = tp.lcores[i].base;
	prev_ns = 0;
}

void
tp_stats_summary(void)
{
	uint64_t now = dw_now_ns();
	struct port_count c;
	unsigned int i;

	printf("\n==== dw-testpmd summary: %s forwarding, rx mode %s, %.1f s ====\n",
	       tp_engine_name(tp_conf.engine), dw_napi_mode_name(tp_conf.mode),
	       tp.fwd_start_ns != 0 ? (double)(now - tp.fwd_start_ns) / 1e9 : 0.0);
	for (i = 0; i < tp.nb_ports; i++) {
		if (!tp.ports[i].open)
			continue;
		port_count(i, &c);
		printf("Port %u (%s): rx %" PRIu64 " tx %" PRIu64 " drops %" PRIu64
		       " (rx-missed %" PRIu64 ", app %" PRIu64 ") errors %" PRIu64 "\n",
		       i, dw_netdev_name(tp.ports[i].id), c.rx, c.tx, c.missed + c.drops, c.missed,
		       c.drops, c.errors);
	}
	/* Per rx queue: which queues the device (or its RSS) fed, and who forwarded them. */
	for (i = 0; i < tp.nb_streams; i++) {
		const struct tp_stream *s = &tp.streams[i];

		printf("Stream port %u rxq %u (lcore %u): rx %" PRIu64 " tx %" PRIu64
		       " drops %" PRIu64 "\n",
		       s->rx_port, s->rx_queue, s->lcore,
		       __atomic_load_n(&s->rx_pkts, __ATOMIC_RELAXED),
		       __atomic_load_n(&s->tx_pkts, __ATOMIC_RELAXED),
		       __atomic_load_n(&s->drops, __ATOMIC_RELAXED));
	}
	tp_show_lcores();
	tp_show_slow();
}

/* /dwork/testpmd/stats: ports and lcores as the summary shows them. */
static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *ports, *lcores, *one;
	struct port_count c;
	unsigned int i;
	char key[16];

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "engine", tp_engine_name(tp_conf.engine));
	rte_tel_data_add_dict_string(d, "rx_mode", dw_napi_mode_name(tp_conf.mode));
	rte_tel_data_add_dict_int(d, "forwarding", tp.forwarding);
	ports = rte_tel_data_alloc();
	lcores = rte_tel_data_alloc();
	if (ports == NULL || lcores == NULL)
		goto nomem;
	rte_tel_data_start_dict(ports);
	for (i = 0; i < tp.nb_ports; i++) {
		if (!tp.ports[i].open)
			continue;
		one = rte_tel_data_alloc();
		if (one == NULL)
			goto nomem;
		port_count(i, &c);
		rte_tel_data_start_dict(one);
		rte_tel_data_add_dict_u64(one, "rx", c.rx);
		rte_tel_data_add_dict_u64(one, "tx", c.tx);
		rte_tel_data_add_dict_u64(one, "drops", c.drops + c.missed);
		snprintf(key, sizeof(key), "%u", i);
		rte_tel_data_add_dict_container(ports, key, one, 0);
	}
	rte_tel_data_start_dict(lcores);
	for (i = 0; i < tp.nb_lcores; i++) {
		struct dw_lcore_stats st;
		double bz, pl, sl;

		if (dw_lcore_stats_get(tp.lcores[i].lcore, &st) != 0)
			continue;
		one = rte_tel_data_alloc();
		if (one == NULL)
			goto nomem;
		lcore_delta(&st, &tp.lcores[i].base, &bz, &pl, &sl);
		rte_tel_data_start_dict(one);
		rte_tel_data_add_dict_int(one, "busy_pct", (int)bz);
		rte_tel_data_add_dict_int(one, "sleep_pct", (int)sl);
		rte_tel_data_add_dict_u64(one, "wakeups_rx", st.wakeups[DW_NAPI_WAKE_RX]);
		rte_tel_data_add_dict_u64(one, "wakeups_doorbell",
					  st.wakeups[DW_NAPI_WAKE_DOORBELL]);
		rte_tel_data_add_dict_u64(one, "wakeups_timer", st.wakeups[DW_NAPI_WAKE_TIMER]);
		rte_tel_data_add_dict_u64(one, "wakeups_timeout", st.wakeups[DW_NAPI_WAKE_TIMEOUT]);
		snprintf(key, sizeof(key), "%u", tp.lcores[i].lcore);
		rte_tel_data_add_dict_container(lcores, key, one, 0);
	}
	rte_tel_data_add_dict_container(d, "ports", ports, 0);
	rte_tel_data_add_dict_container(d, "lcores", lcores, 0);
	return 0;
nomem:
	rte_tel_data_free(ports);
	rte_tel_data_free(lcores);
	return -ENOMEM;
}

int
tp_telemetry_init(void)
{
	return rte_telemetry_register_cmd("/dwork/testpmd/stats", tel_stats,
					  "dw-testpmd ports and lcores. No parameters");
}
