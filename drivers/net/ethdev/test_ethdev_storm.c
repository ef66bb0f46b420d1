/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device-raised resets and removals in a loop under full-rate traffic: a napi
 * lcore forwards net_null0 -> net_ring0 (a loopback ring) -> net_null0 in poll
 * mode while the main thread injects RTE_ETH_EVENT_INTR_RESET on both ports
 * (as the device would, on the calling thread) and, each round, a removal of
 * net_null0 whose port is closed while the lcore still polls it. Every round
 * ends with the ring drained and both ports closed and detached (both are
 * hot-plugged by dw_netdev_open()); the next one plugs them again.
 *
 * Checked: no crash (and no ASan report in that build), every mbuf back in
 * its pool, rx = tx + drops on the lcore, and nothing lost in the ring across
 * resets: packets sent into net_ring0 = packets received from it + drained.
 * DW_STORM_SECONDS (default 2) sets the length: the soak variant runs minutes
 * (doc/guides/netdev.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "dw_bh.h"
#include "dw_ethdev.h"
#include "ethdev_testhook.h"
#include "dw_napi.h"
#include "dw_netdev.h"
#include "dw_test.h"
#include "dw_work.h"

#define BURST 32
#define NB_MBUFS 4095
#define RESETS_PER_ROUND 12

/* One forwarding direction; written by the worker lcore only. */
struct fwd {
	uint16_t tx_port;
	uint64_t rx, tx, drops; /* atomic (relaxed) */
};

static struct rte_mempool *mp;
static uint32_t removed; /* atomic: EV_RMV delivered for net_null0 */

static void
fwd_handler(uint16_t port, uint16_t q, struct rte_mbuf **pkts, uint16_t n, void *arg)
{
	struct fwd *f = arg;
	uint16_t sent;

	RTE_SET_USED(port);
	RTE_SET_USED(q);
	sent = dw_netdev_tx_burst(f->tx_port, 0, pkts, n);
	if (sent < n)
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	__atomic_store_n(&f->rx, f->rx + n, __ATOMIC_RELAXED);
	__atomic_store_n(&f->tx, f->tx + sent, __ATOMIC_RELAXED);
	__atomic_store_n(&f->drops, f->drops + (n - sent), __ATOMIC_RELAXED);
}

static void
rmv_cb(uint16_t port, uint32_t event, void *arg)
{
	RTE_SET_USED(port);
	RTE_SET_USED(arg);
	if (event == DW_NETDEV_EV_RMV)
		__atomic_store_n(&removed, 1, __ATOMIC_RELEASE);
}

static uint16_t
open_port(const char *devargs)
{
	struct dw_netdev_conf c = {
		.size = sizeof(c),
		.nb_rxq = 1,
		.nb_txq = 1,
		.nb_rxd = 256,
		.nb_txd = 256,
		.mp = mp,
	};
	int port = dw_netdev_open(devargs);

	ck_assert_int_ge(port, 0);
	ck_assert_int_eq(dw_netdev_configure((uint16_t)port, &c), 0);
	ck_assert_int_eq(dw_netdev_start((uint16_t)port), 0);
	return (uint16_t)port;
}

static uint64_t
resets_of(uint16_t port)
{
	struct dw_netdev_info info;

	return dw_netdev_info_get(port, &info) == 0 ? info.resets : 0;
}

/* Free what waits in the ring (the ring PMD keeps it across stop and reset). */
static uint64_t
drain(uint16_t port)
{
	struct rte_mbuf *pkts[BURST];
	uint64_t total = 0;
	uint16_t n;

	while ((n = dw_netdev_rx_burst(port, 0, pkts, BURST)) > 0) {
		rte_pktmbuf_free_bulk(pkts, n);
		total += n;
	}
	return total;
}

START_TEST(test_reset_removal_storm)
{
	const char *args[] = { "-l", "0-1", NULL };
	struct dw_lcore_conf lc = { .size = sizeof(lc), .mode = DW_NAPI_MODE_POLL, .trustee = -1 };
	const char *env = getenv("DW_STORM_SECONDS");
	uint64_t end, ring_in = 0, ring_out = 0, rx = 0, tx = 0, drops = 0, resets = 0;
	unsigned int worker, rounds = 0, i, seconds = env != NULL ? (unsigned int)atoi(env) : 2;

	ck_assert_int_ge(dw_test_eal_init(args), 0);
	ck_assert_int_eq(dw_work_lib_init(NULL), 0);
	ck_assert_int_eq(dw_bh_init(), 0);
	worker = rte_get_next_lcore(-1, 1, 0);
	mp = rte_pktmbuf_pool_create("storm_mp", NB_MBUFS, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     SOCKET_ID_ANY);
	ck_assert_ptr_nonnull(mp);
	end = dw_test_now_ms() + (seconds ? seconds : 2) * 1000ull;
	do {
		struct fwd to_ring = { 0 }, to_null = { 0 };
		struct dw_napi_source *s_null, *s_ring;
		uint16_t pn, pr;
		uint64_t before;
		int sub;

		pn = open_port("net_null0");
		pr = open_port("net_ring0");
		to_ring.tx_port = pr;
		to_null.tx_port = pn;
		__atomic_store_n(&removed, 0, __ATOMIC_RELAXED);
		sub = dw_netdev_event_subscribe(pn, DW_NETDEV_EV_RMV, dw_system_wq, rmv_cb, NULL);
		ck_assert_int_ge(sub, 0);
		s_null = dw_napi_source_from_rxq(pn, 0, "null", 0, fwd_handler, &to_ring, NULL);
		s_ring = dw_napi_source_from_rxq(pr, 0, "ring", 0, fwd_handler, &to_null, NULL);
		ck_assert_ptr_nonnull(s_null);
		ck_assert_ptr_nonnull(s_ring);
		ck_assert_int_eq(dw_napi_source_register(worker, s_null), 0);
		ck_assert_int_eq(dw_napi_source_register(worker, s_ring), 0);
		ck_assert_int_eq(dw_lcore_launch(worker, &lc), 0);

		/* Resets raised by "the devices" while traffic runs; some merge. */
		for (i = 0; i < RESETS_PER_ROUND; i++) {
			uint16_t p = (rte_rand() & 1) ? pn : pr;

			before = resets_of(p);
			ck_assert_int_eq(dw_ethdev_event_inject(p, RTE_ETH_EVENT_INTR_RESET), 0);
			if (i % 3 == 2)
				ck_assert(DW_TEST_WAIT(resets_of(p) > before, 5000));
		}
		/* The null device goes away: closed while the lcore still polls it. */
		ck_assert_int_eq(dw_ethdev_event_inject(pn, RTE_ETH_EVENT_INTR_RMV), 0);
		ck_assert(DW_TEST_WAIT(__atomic_load_n(&removed, __ATOMIC_ACQUIRE), 5000));
		resets += resets_of(pn) + resets_of(pr);
		ck_assert_int_eq(dw_netdev_close(pn), 0);

		ck_assert_int_eq(dw_lcore_stop(worker), 0);
		ck_assert_int_eq(rte_eal_wait_lcore(worker), 0);
		ck_assert_int_eq(dw_napi_source_unregister(s_null), 0);
		ck_assert_int_eq(dw_napi_source_unregister(s_ring), 0);
		ck_assert_int_eq(dw_napi_source_free(s_null), 0);
		ck_assert_int_eq(dw_napi_source_free(s_ring), 0);
		ring_out += drain(pr);
		ck_assert_int_eq(dw_netdev_close(pr), 0);

		ck_assert_uint_eq(to_ring.rx, to_ring.tx + to_ring.drops);
		ck_assert_uint_eq(to_null.rx, to_null.tx + to_null.drops);
		ring_in += to_ring.tx;
		ring_out += to_null.rx;
		rx += to_ring.rx + to_null.rx;
		tx += to_ring.tx + to_null.tx;
		drops += to_ring.drops + to_null.drops;
		rounds++;
	} while (dw_test_now_ms() < end);

	printf("storm: %u rounds, %" PRIu64 " resets, rx %" PRIu64 " = tx %" PRIu64
	       " + drops %" PRIu64 ", ring in %" PRIu64 " out %" PRIu64 "\n",
	       rounds, resets, rx, tx, drops, ring_in, ring_out);
	ck_assert_uint_gt(rx, 0);
	ck_assert_uint_gt(resets, 0);
	ck_assert_uint_eq(ring_in, ring_out);
	ck_assert_uint_eq(rte_mempool_avail_count(mp), NB_MBUFS);
	ck_assert_int_eq(dw_work_lib_fini(), 0);
	rte_mempool_free(mp);
	rte_eal_cleanup();
}
END_TEST

static Suite *
storm_suite(void)
{
	Suite *s = suite_create("ethdev_storm");
	TCase *tc = tcase_create("storm");

	tcase_add_test(tc, test_reset_removal_storm);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return dw_test_run(storm_suite());
}
