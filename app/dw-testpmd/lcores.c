/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Streams (rx queues) to forwarding lcores, round-robin or from --config;
 * start and stop forwarding: register the sources on their lcores and launch
 * each lcore's dw_napi loop; rx mode changes at run time.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_cycles.h>
#include <rte_launch.h>

#include "dw_common.h"
#include "testpmd.h"

static int
lcore_index(unsigned int lcore)
{
	unsigned int i;

	for (i = 0; i < tp.nb_lcores; i++)
		if (tp.lcores[i].lcore == lcore)
			return (int)i;
	return -1;
}

static int
lcore_add(unsigned int lcore)
{
	if (lcore_index(lcore) >= 0)
		return 0;
	if (!rte_lcore_is_enabled(lcore) || lcore == rte_get_main_lcore()) {
		TP_LOG(ERR, "lcore %u is not an EAL worker lcore (give EAL -l/--lcores)", lcore);
		return -EINVAL;
	}
	tp.lcores[tp.nb_lcores].lcore = lcore;
	tp.lcores[tp.nb_lcores].tx_queue = (uint16_t)tp.nb_lcores;
	tp.nb_lcores++;
	return 0;
}

static void
stream_add(uint16_t port, uint16_t queue, unsigned int lcore)
{
	struct tp_stream *s = &tp.streams[tp.nb_streams++];

	memset(s, 0, sizeof(*s));
	s->rx_port = port;
	s->rx_queue = queue;
	s->rx_port_id = tp.ports[port].id;
	s->lcore = lcore;
}

/* Choose the forwarding lcores and give every rx queue (stream) one. */
int
tp_lcores_setup(void)
{
	unsigned int i, lcore, nq = tp_conf.nb_rxq;
	uint16_t p, q;
	int rc;

	tp.nb_lcores = 0;
	tp.nb_streams = 0;
	if (tp_conf.nb_map > 0) {
		for (i = 0; i < tp_conf.nb_map; i++) {
			const struct tp_map *m = &tp_conf.map[i];

			if (m->port >= tp.nb_ports || m->queue >= nq) {
				TP_LOG(ERR,
				       "--config (%u,%u,%u): no such port index or queue "
				       "(%u ports, %u rx queues)",
				       m->port, m->queue, m->lcore, tp.nb_ports, nq);
				return -EINVAL;
			}
			rc = lcore_add(m->lcore);
			if (rc < 0)
				return rc;
			stream_add(m->port, m->queue, m->lcore);
		}
		for (p = 0; p < tp.nb_ports; p++)
			for (q = 0; q < nq; q++) {
				for (i = 0; i < tp.nb_streams; i++)
					if (tp.streams[i].rx_port == p &&
					    tp.streams[i].rx_queue == q)
						break;
				if (i == tp.nb_streams)
					TP_LOG(WARNING, "port %u rxq %u has no lcore: not polled",
					       p, q);
			}
		return 0;
	}
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (tp_conf.nb_cores != 0 && tp.nb_lcores == tp_conf.nb_cores)
			break;
		lcore_add(lcore);
	}
	if (tp.nb_lcores == 0) {
		TP_LOG(ERR, "no worker lcore to forward on: give EAL two lcores or more (-l 0-1)");
		return -EINVAL;
	}
	if (tp_conf.nb_cores > tp.nb_lcores)
		TP_LOG(WARNING, "--nb-cores=%u but only %u worker lcores", tp_conf.nb_cores,
		       tp.nb_lcores);
	i = 0;
	for (p = 0; p < tp.nb_ports; p++)
		for (q = 0; q < nq; q++)
			stream_add(p, q, tp.lcores[i++ % tp.nb_lcores].lcore);
	return 0;
}

static int
gens_setup(void)
{
	unsigned int l, p, nb = 0;
	uint64_t now = rte_rdtsc();
	int rc;

	tp.nb_gens = 0;
	for (l = 0; l < tp.nb_lcores; l++)
		for (p = 0; p < tp.nb_ports; p++)
			if (tp.ports[p].open && tp.ports[p].started)
				nb++;
	if (nb > TP_MAX_GENS) {
		TP_LOG(ERR, "%u generators (lcores x ports) over %d", nb, TP_MAX_GENS);
		return -ENOSPC;
	}
	for (l = 0; l < tp.nb_lcores; l++)
		for (p = 0; p < tp.nb_ports; p++) {
			struct tp_gen *g = &tp.gens[tp.nb_gens];

			if (!tp.ports[p].open || !tp.ports[p].started)
				continue;
			memset(g, 0, sizeof(*g));
			g->port_id = tp.ports[p].id;
			g->tx_queue = tp.lcores[l].tx_queue;
			g->lcore = tp.lcores[l].lcore;
			g->engine = tp_conf.engine;
			g->src_mac = tp.ports[p].mac;
			g->rate = tp_conf.tx_rate == 0 ? 0 : RTE_MAX(tp_conf.tx_rate / nb, 1ul);
			rc = tp_gen_init(g);
			if (rc < 0)
				return rc;
			g->start_tsc = now;
			if (tp_conf.tx_duration > 0)
				g->stop_tsc = now + (uint64_t)(tp_conf.tx_duration *
							       (double)rte_get_tsc_hz());
			rc = dw_napi_source_register(g->lcore, &g->src);
			if (rc < 0) {
				TP_LOG(ERR, "generator on lcore %u: %s", g->lcore, strerror(-rc));
				return rc;
			}
			g->registered = true;
			tp.nb_gens++;
		}
	return 0;
}

static void
gens_teardown(void)
{
	unsigned int i;

	for (i = 0; i < tp.nb_gens; i++) {
		struct tp_gen *g = &tp.gens[i];

		if (g->registered)
			dw_napi_source_unregister(&g->src);
		g->registered = false;
		dw_cancel_delayed_work_sync(&g->tick);
	}
}

/* Register every source on its lcore and launch the lcores' loops. Main thread. */
int
tp_fwd_start(void)
{
	/*
	 * KEEP_LANE: a stop ends the loop, not the lcore's BH lane. Without it
	 * the first stop hands the lane to the main lcore for good, and after a
	 * restart the generators' BH timers fire there instead of waking the
	 * forwarding lcore (which then only wakes on its sleep ramp).
	 */
	struct dw_lcore_conf lc = {
		.size = sizeof(lc),
		.flags = DW_LCORE_F_KEEP_LANE,
		.mode = tp_conf.mode,
		.spin_us = tp_conf.spin_us,
		.busy_poll_budget_us = tp_conf.busy_poll_budget_us,
		.trustee = -1,
	};
	unsigned int i;
	int rc;

	if (tp.forwarding)
		return -EALREADY;
	for (i = 0; i < tp.nb_streams; i++) {
		struct tp_stream *s = &tp.streams[i];
		struct tp_port *peer = &tp.ports[tp.ports[s->rx_port].peer];

		s->engine = tp_conf.engine;
		s->tx_port = peer->id;
		s->tx_queue = tp.lcores[lcore_index(s->lcore)].tx_queue;
		s->tx_src = peer->mac;
		s->tx_dst = (struct rte_ether_addr){ { 0x02, 0, 0, 0, 0, (uint8_t)peer->id } };
		if (!peer->open || !peer->started) {
			/* A stream whose peer is down only receives. */
			s->engine = TP_FWD_RXONLY;
		}
		if (s->src == NULL)
			continue;
		rc = dw_napi_source_register(s->lcore, s->src);
		if (rc < 0) {
			TP_LOG(ERR, "port %u rxq %u on lcore %u: %s", s->rx_port, s->rx_queue,
			       s->lcore, strerror(-rc));
			goto undo;
		}
	}
	if (tp_engines[tp_conf.engine].generates) {
		rc = gens_setup();
		if (rc < 0)
			goto undo;
	}
	if (tp_conf.tx_first)
		for (i = 0; i < tp.nb_ports; i++)
			if (tp.ports[i].open && tp.ports[i].started)
				tp_tx_first(tp.ports[i].id, 0, &tp.ports[i].mac);
	for (i = 0; i < tp.nb_lcores; i++) {
		rc = dw_lcore_launch(tp.lcores[i].lcore, &lc);
		if (rc < 0) {
			TP_LOG(ERR, "lcore %u: launch: %s", tp.lcores[i].lcore, strerror(-rc));
			goto undo;
		}
		tp.lcores[i].running = true;
	}
	tp.forwarding = true;
	tp.fwd_start_ns = dw_now_ns();
	return 0;
undo:
	tp.forwarding = true;
	tp_fwd_stop();
	return rc;
}

/* Stop the lcores' loops and unregister their sources. Main thread. */
int
tp_fwd_stop(void)
{
	unsigned int i;

	if (!tp.forwarding)
		return -EALREADY;
	for (i = 0; i < tp.nb_lcores; i++)
		if (tp.lcores[i].running)
			dw_lcore_stop(tp.lcores[i].lcore);
	for (i = 0; i < tp.nb_lcores; i++)
		if (tp.lcores[i].running) {
			rte_eal_wait_lcore(tp.lcores[i].lcore);
			tp.lcores[i].running = false;
		}
	for (i = 0; i < tp.nb_streams; i++)
		if (tp.streams[i].src != NULL)
			dw_napi_source_unregister(tp.streams[i].src);
	gens_teardown();
	tp.forwarding = false;
	return 0;
}

/* Switch every forwarding lcore (running or not) to @p mode. */
int
tp_set_mode(enum dw_napi_mode mode)
{
	unsigned int i;
	int rc;

	tp_conf.mode = mode;
	for (i = 0; i < tp.nb_lcores; i++) {
		if (!tp.lcores[i].running)
			continue;
		rc = dw_lcore_set_mode(tp.lcores[i].lcore, mode);
		if (rc < 0)
			return rc;
	}
	return 0;
}
