/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forwarding engines, one tp_engines[] entry each. Receiving engines are rx
 * handlers of the napi sources made from rx queues
 * (dw_napi_source_from_rxq()), dispatched through the table; generating engines
 * (txonly, flowgen) are napi sources of their own whose poll builds and sends
 * a burst. Everything here runs on a forwarding lcore: no logging, no locks,
 * no allocation other than mbufs.
 */
#include <assert.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dw_bh.h"
#include "testpmd.h"

/* Single writer (the lcore); main reads with relaxed loads. */
#define TP_ADD(field, n) __atomic_store_n(&(field), (field) + (n), __ATOMIC_RELAXED)

static inline void
send_burst(struct tp_stream *s, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = dw_netdev_tx_burst(s->tx_port, s->tx_queue, pkts, n);

	if (unlikely(sent < n)) {
		/* One retry: a tx ring that was just full often has room again. */
		sent += dw_netdev_tx_burst(s->tx_port, s->tx_queue, pkts + sent, n - sent);
		if (sent < n) {
			rte_pktmbuf_free_bulk(pkts + sent, n - sent);
			TP_ADD(s->drops, n - sent);
		}
	}
	TP_ADD(s->tx_pkts, sent);
}

/* io: send what came in, untouched. */
static void
fwd_io(struct tp_stream *s, struct rte_mbuf **pkts, uint16_t n)
{
	send_burst(s, pkts, n);
}

/* mac: rewrite both addresses (the port's own as source, the peer's as destination). */
static void
fwd_mac(struct tp_stream *s, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_ether_hdr *eh;
	uint16_t i;

	for (i = 0; i < n; i++) {
		eh = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
		rte_ether_addr_copy(&s->tx_dst, &eh->dst_addr);
		rte_ether_addr_copy(&s->tx_src, &eh->src_addr);
	}
	send_burst(s, pkts, n);
}

/* macswap: swap source and destination, send back out. */
static void
fwd_macswap(struct tp_stream *s, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_ether_hdr *eh;
	struct rte_ether_addr tmp;
	uint16_t i;

	for (i = 0; i < n; i++) {
		eh = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
		rte_ether_addr_copy(&eh->dst_addr, &tmp);
		rte_ether_addr_copy(&eh->src_addr, &eh->dst_addr);
		rte_ether_addr_copy(&tmp, &eh->src_addr);
	}
	send_burst(s, pkts, n);
}

/* rxonly, and what generating engines receive: count and free. */
static void
fwd_drop(struct tp_stream *s, struct rte_mbuf **pkts, uint16_t n)
{
	RTE_SET_USED(s);
	rte_pktmbuf_free_bulk(pkts, n);
}

const struct tp_engine_ops tp_engines[TP_FWD_MAX] = {
	[TP_FWD_IO] = { .name = "io", .rx_burst = fwd_io },
	[TP_FWD_MAC] = { .name = "mac", .rx_burst = fwd_mac },
	[TP_FWD_MACSWAP] = { .name = "macswap", .rx_burst = fwd_macswap },
	[TP_FWD_RXONLY] = { .name = "rxonly", .rx_burst = fwd_drop },
	[TP_FWD_TXONLY] = { .name = "txonly", .rx_burst = fwd_drop, .generates = true },
	[TP_FWD_FLOWGEN] = { .name = "flowgen",
			     .rx_burst = fwd_drop,
			     .generates = true,
			     .flows = true },
};

const char *
tp_engine_name(enum tp_engine e)
{
	return (unsigned int)e < TP_FWD_MAX ? tp_engines[e].name : "?";
}

int
tp_engine_parse(const char *s, enum tp_engine *e)
{
	unsigned int i;

	for (i = 0; i < TP_FWD_MAX; i++)
		if (strcmp(s, tp_engines[i].name) == 0) {
			*e = (enum tp_engine)i;
			return 0;
		}
	return -EINVAL;
}

void
tp_rx_handler(uint16_t port, uint16_t q, struct rte_mbuf **pkts, uint16_t n, void *arg)
{
	struct tp_stream *s = arg;

	RTE_SET_USED(port);
	RTE_SET_USED(q);
	TP_ADD(s->rx_pkts, n);
	tp_engines[s->engine].rx_burst(s, pkts, n);
}

#define GEN_IP_SRC UINT32_C(0xc6120001) /* 198.18.0.1 (RTE_IPV4() overflows int) */
#define GEN_IP_DST UINT32_C(0xc6130001) /* 198.19.0.1 */
#define GEN_UDP_PORT 9

struct gen_hdr {
	struct rte_ether_hdr eth;
	struct rte_ipv4_hdr ip;
	struct rte_udp_hdr udp;
};
static_assert(sizeof(struct gen_hdr) == 42, "headers must be contiguous");

/* Build the headers of frame (flow @p flow) into @p m. */
static inline void
gen_fill(const struct tp_gen *g, struct rte_mbuf *m, uint32_t flow)
{
	struct gen_hdr *h = rte_pktmbuf_mtod(m, struct gen_hdr *);
	uint16_t len = tp_conf.txpkts;

	m->data_len = len;
	m->pkt_len = len;
	m->nb_segs = 1;
	m->next = NULL;
	h->eth.dst_addr = (struct rte_ether_addr){ { 0x02, 0, 0, 0, 0, (uint8_t)g->port_id } };
	rte_ether_addr_copy(&g->src_mac, &h->eth.src_addr);
	h->eth.ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(&h->ip, 0, sizeof(h->ip));
	h->ip.version_ihl = RTE_IPV4_VHL_DEF;
	h->ip.total_length = rte_cpu_to_be_16((uint16_t)(len - sizeof(h->eth)));
	h->ip.time_to_live = 64;
	h->ip.next_proto_id = IPPROTO_UDP;
	h->ip.src_addr = rte_cpu_to_be_32(GEN_IP_SRC + (flow % 250));
	h->ip.dst_addr = rte_cpu_to_be_32(GEN_IP_DST + (flow / 250) % 250);
	h->ip.hdr_checksum = rte_ipv4_cksum(&h->ip);
	h->udp.src_port = rte_cpu_to_be_16((uint16_t)(GEN_UDP_PORT + (flow & 0x3ff)));
	h->udp.dst_port = rte_cpu_to_be_16((uint16_t)(GEN_UDP_PORT + ((flow >> 10) & 0x3f)));
	h->udp.dgram_len = rte_cpu_to_be_16((uint16_t)(len - sizeof(h->eth) - sizeof(h->ip)));
	h->udp.dgram_cksum = 0;
}

/* BH timer of a rate-limited generator: its only job is to wake the lcore. */
static void
gen_tick(struct dw_work *w)
{
	RTE_SET_USED(w);
}

static unsigned int
gen_poll(struct dw_napi_source *src, unsigned int budget)
{
	struct tp_gen *g = dw_napi_source_arg(src);
	struct rte_mbuf *pkts[TP_MAX_BURST];
	uint64_t now = rte_rdtsc(), done;
	uint16_t n = tp_conf.burst, sent, i;

	if (g->stop_tsc != 0 && now >= g->stop_tsc)
		return 0; /* --tx-duration is over: idle */
	if (n > budget)
		n = (uint16_t)budget;
	if (g->rate != 0) {
		double due = (double)(now - g->start_tsc) * (double)g->rate / (double)g->tsc_hz;

		/* Send in bursts of up to a millisecond's worth: fewer wakeups at low rates. */
		double want = RTE_MIN((double)n, (double)g->rate / 1000 + 1);

		done = g->tx_pkts + g->drops;
		if (due < (double)done + want) {
			/* Not enough due: sleep until it is (the BH timer wakes us). */
			double wait_us = ((double)done + want - due) * 1e6 / (double)g->rate;

			dw_queue_delayed_work_on((int)g->lcore, dw_system_bh_wq, &g->tick,
						 (uint64_t)wait_us + 1);
			return 0;
		}
		if (due - (double)done < n)
			n = (uint16_t)(due - (double)done);
	}
	if (rte_pktmbuf_alloc_bulk(tp.mp, pkts, n) != 0) {
		TP_ADD(g->alloc_fails, 1);
		return 0;
	}
	for (i = 0; i < n; i++) {
		gen_fill(g, pkts[i], tp_engines[g->engine].flows ? g->flow : 0);
		if (tp_engines[g->engine].flows && ++g->flow == tp_conf.flows)
			g->flow = 0;
	}
	sent = dw_netdev_tx_burst(g->port_id, g->tx_queue, pkts, n);
	if (sent < n) {
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
		TP_ADD(g->drops, n - sent);
	}
	TP_ADD(g->tx_pkts, sent);
	return n;
}

/* Make @p g's napi source (port_id, tx_queue, lcore, engine, rate set by the caller). */
int
tp_gen_init(struct tp_gen *g)
{
	char name[DW_NAPI_NAME_LEN];
	struct dw_napi_source_conf c = {
		.size = sizeof(c),
		.name = name,
		.poll = gen_poll,
		.fd = -1,
		.weight = tp_conf.burst,
		.arg = g,
	};

	snprintf(name, sizeof(name), "%s:p%u:l%u", tp_engine_name(g->engine), g->port_id, g->lcore);
	dw_delayed_work_init(&g->tick, gen_tick);
	g->tsc_hz = rte_get_tsc_hz();
	return dw_napi_source_init(&g->src, &c);
}

/*
 * --tx-first: send one burst of generated frames on @p port_id (tx queue
 * @p txq) before the lcores start, for io-style engines on ports that only
 * see their own traffic (rings). Main thread, forwarding stopped.
 * Returns the number of frames sent.
 */
unsigned int
tp_tx_first(uint16_t port_id, uint16_t txq, const struct rte_ether_addr *src)
{
	struct tp_gen g = { .port_id = port_id, .src_mac = *src };
	struct rte_mbuf *pkts[TP_MAX_BURST];
	uint16_t n = tp_conf.burst, sent, i;

	if (rte_pktmbuf_alloc_bulk(tp.mp, pkts, n) != 0)
		return 0;
	for (i = 0; i < n; i++)
		gen_fill(&g, pkts[i], i);
	sent = dw_netdev_tx_burst(port_id, txq, pkts, n);
	rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	return sent;
}
