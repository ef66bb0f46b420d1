/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/netdev over the ethdev driver with net_null and net_ring: bursts,
 * stats, the absence of rx interrupts, bad input, and event delivery as work
 * items (events injected through the driver's test hook). Check forks each
 * test, so each one starts EAL (and lib/work) in its own process.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dw_ethdev.h"
#include "ethdev_testhook.h"
#include "dw_netdev.h"
#include "dw_test.h"
#include "dw_work.h"

#define BURST 32

static struct rte_mempool *mp;

static void
setup_eal(void)
{
	ck_assert_int_ge(dw_test_eal_init(NULL), 0);
	mp = rte_pktmbuf_pool_create("nd_mp", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	ck_assert_ptr_nonnull(mp);
}

static struct dw_netdev_conf
conf_of(uint16_t nb_rxq, uint16_t nb_txq)
{
	struct dw_netdev_conf c = {
		.size = sizeof(c),
		.nb_rxq = nb_rxq,
		.nb_txq = nb_txq,
		.nb_rxd = 256,
		.nb_txd = 256,
		.mp = mp,
	};
	return c;
}

static int
open_started(const char *devargs, uint16_t nb_q)
{
	struct dw_netdev_conf c = conf_of(nb_q, nb_q);
	int port = dw_netdev_open(devargs);

	ck_assert_int_ge(port, 0);
	ck_assert_int_eq(dw_netdev_configure((uint16_t)port, &c), 0);
	ck_assert_int_eq(dw_netdev_start((uint16_t)port), 0);
	return port;
}

START_TEST(test_null_burst)
{
	struct rte_mbuf *pkts[BURST];
	struct dw_netdev_stats st;
	struct dw_netdev_info info;
	struct dw_netdev_link link;
	struct dw_netdev_xstat *xs;
	uint16_t port, q, n;
	int nx;

	setup_eal();
	port = (uint16_t)open_started("net_null0", 2);
	ck_assert_int_eq(dw_netdev_lookup("net_null0"), port);
	ck_assert_str_eq(dw_netdev_name(port), "net_null0");
	ck_assert(dw_netdev_is_valid(port));
	ck_assert_int_eq(dw_netdev_info_get(port, &info), 0);
	ck_assert_str_eq(info.driver, "ethdev");
	ck_assert(info.started);
	ck_assert_uint_eq(info.nb_rxq, 2);
	ck_assert_uint_eq(info.nb_rxq_intr, 0);
	ck_assert_int_eq(dw_netdev_link_get(port, &link), 0);

	for (q = 0; q < 2; q++) {
		/* net_null has no rx interrupt: no fd, arm and disarm unsupported. */
		ck_assert_int_eq(dw_netdev_rx_intr_fd(port, q), -ENOTSUP);
		ck_assert_int_eq(dw_netdev_rx_intr_arm(port, q), -ENOTSUP);
		ck_assert_int_eq(dw_netdev_rx_intr_disarm(port, q), -ENOTSUP);
		/* net_null receives as many packets as asked and swallows all it is given. */
		n = dw_netdev_rx_burst(port, q, pkts, BURST);
		ck_assert_uint_eq(n, BURST);
		ck_assert_uint_eq(dw_netdev_tx_burst(port, q, pkts, n), n);
	}
	ck_assert_int_eq(dw_netdev_stats_get(port, &st), 0);
	ck_assert_uint_eq(st.ipackets, 2 * BURST);
	ck_assert_uint_eq(st.opackets, 2 * BURST);

	nx = dw_netdev_xstats_get(port, NULL, 0);
	ck_assert_int_gt(nx, 0);
	xs = calloc((size_t)nx, sizeof(*xs));
	ck_assert_int_eq(dw_netdev_xstats_get(port, xs, (unsigned int)nx), nx);
	ck_assert_str_eq(xs[0].name, "rx_good_packets");
	ck_assert_uint_eq(xs[0].value, 2 * BURST);
	free(xs);

	ck_assert_int_eq(dw_netdev_stats_reset(port), 0);
	ck_assert_int_eq(dw_netdev_stats_get(port, &st), 0);
	ck_assert_uint_eq(st.ipackets, 0);

	/* Stopped: the fast path is a dummy, interrupt calls refuse. */
	ck_assert_int_eq(dw_netdev_stop(port), 0);
	ck_assert_uint_eq(dw_netdev_rx_burst(port, 0, pkts, BURST), 0);
	ck_assert_int_eq(dw_netdev_rx_intr_arm(port, 0), -EIO);
	ck_assert_int_eq(dw_netdev_start(port), 0);
	ck_assert_uint_eq(dw_netdev_rx_burst(port, 1, pkts, BURST), BURST);
	rte_pktmbuf_free_bulk(pkts, BURST);
	ck_assert_int_eq(dw_netdev_close(port), 0);
	/* Detached: the name can be opened again. */
	port = (uint16_t)open_started("net_null0", 1);
	ck_assert_int_eq(dw_netdev_close(port), 0);
}
END_TEST

START_TEST(test_ring_loopback)
{
	struct rte_mbuf *pkts[BURST], *got[BURST];
	struct dw_netdev_stats st;
	uint16_t port, n, i;

	setup_eal();
	port = (uint16_t)open_started("net_ring0", 1);
	ck_assert_int_eq(dw_netdev_rx_intr_fd(port, 0), -ENOTSUP);
	ck_assert_int_eq(dw_netdev_rx_intr_arm(port, 0), -ENOTSUP);
	ck_assert_int_eq(rte_pktmbuf_alloc_bulk(mp, pkts, 10), 0);
	for (i = 0; i < 10; i++) {
		rte_pktmbuf_append(pkts[i], 60);
		*rte_pktmbuf_mtod(pkts[i], uint8_t *) = (uint8_t)i;
	}
	/* A net_ring vdev receives what it sends (its rx and tx share rings). */
	ck_assert_uint_eq(dw_netdev_tx_burst(port, 0, pkts, 10), 10);
	n = dw_netdev_rx_burst(port, 0, got, BURST);
	ck_assert_uint_eq(n, 10);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(*rte_pktmbuf_mtod(got[i], uint8_t *), i);
	rte_pktmbuf_free_bulk(got, n);
	ck_assert_int_eq(dw_netdev_stats_get(port, &st), 0);
	ck_assert_uint_eq(st.opackets, 10);
	ck_assert_uint_eq(st.ipackets, 10);
	ck_assert_int_eq(dw_netdev_close(port), 0);
}
END_TEST

/* Capture the log lines an errant call produces. */
static char *log_buf;
static size_t log_len;
static FILE *log_f;

static void
log_capture(void)
{
	log_f = open_memstream(&log_buf, &log_len);
	ck_assert_ptr_nonnull(log_f);
	rte_openlog_stream(log_f);
}

static bool
log_has(const char *what)
{
	bool found;

	fflush(log_f);
	found = log_buf != NULL && strstr(log_buf, what) != NULL;
	rewind(log_f);
	if (log_buf != NULL)
		log_buf[0] = '\0';
	return found;
}

static void
noop_cb(uint16_t port, uint32_t event, void *arg)
{
}

START_TEST(test_bad_input)
{
	struct dw_netdev_conf c;
	struct dw_netdev_stats st;
	int port, ring;

	setup_eal();
	log_capture();
	ck_assert_int_eq(dw_netdev_open(NULL), -EINVAL);
	ck_assert_int_eq(dw_netdev_open("bogus0"), -ENODEV);
	ck_assert(log_has("no driver"));
	ck_assert_int_eq(dw_netdev_open("net_nosuchpmd0"), -ENODEV);
	ck_assert(log_has("net_nosuchpmd0"));
	ck_assert_int_eq(dw_netdev_lookup("nope"), -ENODEV);
	ck_assert_int_eq(dw_netdev_configure(7, NULL), -ENODEV);
	ck_assert(log_has("no such port"));
	ck_assert_int_eq(dw_netdev_start(DW_NETDEV_MAX_PORTS + 3), -ENODEV);
	ck_assert_int_eq(dw_netdev_rx_intr_arm(UINT16_MAX, 0), -ENODEV);
	ck_assert_int_eq(dw_netdev_stats_get(3, &st), -ENODEV);
	ck_assert_ptr_null(dw_netdev_name(5));

	port = dw_netdev_open("net_null0");
	ck_assert_int_ge(port, 0);
	/* A second open of the same device is refused. */
	ck_assert_int_eq(dw_netdev_open("ethdev:net_null0"), -EEXIST);
	ck_assert_int_eq(dw_netdev_start((uint16_t)port), -EINVAL);
	c = conf_of(0, 1);
	ck_assert_int_eq(dw_netdev_configure((uint16_t)port, &c), -EINVAL);
	ck_assert(log_has("bad configuration"));
	c = conf_of(1, DW_NETDEV_MAX_QUEUES + 1);
	ck_assert_int_eq(dw_netdev_configure((uint16_t)port, &c), -EINVAL);
	c = conf_of(1, 1);
	c.flags = RTE_BIT32(31);
	ck_assert_int_eq(dw_netdev_configure((uint16_t)port, &c), -EINVAL);
	c = conf_of(1, 1);
	c.size = 3;
	ck_assert_int_eq(dw_netdev_configure((uint16_t)port, &c), -EINVAL);
	c = conf_of(1, 1);
	c.mp = NULL;
	ck_assert_int_eq(dw_netdev_configure((uint16_t)port, &c), -EINVAL);
	c = conf_of(2, 2);
	ck_assert_int_eq(dw_netdev_configure((uint16_t)port, &c), 0);
	ck_assert_int_eq(dw_netdev_rx_intr_fd((uint16_t)port, 0), -EIO); /* not started */
	ck_assert_int_eq(dw_netdev_stop((uint16_t)port), -EALREADY);
	ck_assert_int_eq(dw_netdev_start((uint16_t)port), 0);
	ck_assert_int_eq(dw_netdev_start((uint16_t)port), -EALREADY);
	ck_assert_int_eq(dw_netdev_configure((uint16_t)port, &c), -EBUSY);
	/* Queue ids out of range. */
	ck_assert_int_eq(dw_netdev_rx_intr_fd((uint16_t)port, 2), -EINVAL);
	ck_assert(log_has("out of range"));
	ck_assert_int_eq(dw_netdev_rx_intr_arm((uint16_t)port, 2), -EINVAL);
	ck_assert_int_eq(dw_netdev_rx_intr_disarm((uint16_t)port, UINT16_MAX), -EINVAL);
	/* Subscriptions. */
	ck_assert_int_eq(
	    dw_netdev_event_subscribe((uint16_t)port, 0, (struct dw_wq *)8, noop_cb, NULL),
	    -EINVAL);
	ck_assert_int_eq(dw_netdev_event_subscribe((uint16_t)port, RTE_BIT32(20), (struct dw_wq *)8,
						   noop_cb, NULL),
			 -EINVAL);
	ck_assert_int_eq(
	    dw_netdev_event_subscribe((uint16_t)port, DW_NETDEV_EV_LSC, NULL, noop_cb, NULL),
	    -EINVAL);
	ck_assert_int_eq(dw_netdev_event_unsubscribe((uint16_t)port, 42), -ENOENT);
	ck_assert_int_eq(dw_netdev_xstats_get((uint16_t)port, NULL, 4), -EINVAL);
	ck_assert_int_eq(dw_ethdev_event_inject((uint16_t)port, RTE_ETH_EVENT_QUEUE_STATE),
			 -EINVAL);
	/* More queues than the device has. */
	ring = dw_netdev_open("net_ring0");
	ck_assert_int_ge(ring, 0);
	ck_assert_int_eq(dw_netdev_stop((uint16_t)port), 0);
	c = conf_of(DW_NETDEV_MAX_QUEUES, 1);
	ck_assert_int_eq(dw_netdev_configure((uint16_t)ring, &c), -EINVAL);
	/* Double close. */
	ck_assert_int_eq(dw_netdev_close((uint16_t)port), 0);
	ck_assert_int_eq(dw_netdev_close((uint16_t)port), -ENODEV);
	ck_assert(log_has("no such port"));
	ck_assert_int_eq(dw_ethdev_event_inject((uint16_t)port, RTE_ETH_EVENT_INTR_LSC), -ENODEV);
	ck_assert_int_eq(dw_netdev_close((uint16_t)ring), 0);
	rte_openlog_stream(NULL);
}
END_TEST

/* Events seen by one subscriber. */
struct ev_rec {
	uint32_t seen;	   /* Atomic: OR of delivered events. */
	uint32_t count;	   /* Atomic: callbacks run. */
	uint32_t off_work; /* Atomic: callbacks that ran outside a work item. */
	uint32_t on_intr;  /* Atomic: callbacks that ran on DPDK's interrupt thread. */
	uint16_t port;
};

static void
ev_cb(uint16_t port, uint32_t event, void *arg)
{
	struct ev_rec *r = arg;
	char name[32] = "";

	if (dw_current_work() == NULL)
		__atomic_fetch_add(&r->off_work, 1, __ATOMIC_RELAXED);
	pthread_getname_np(pthread_self(), name, sizeof(name));
	if (strstr(name, "intr") != NULL)
		__atomic_fetch_add(&r->on_intr, 1, __ATOMIC_RELAXED);
	ck_assert_uint_eq(port, r->port);
	__atomic_fetch_or(&r->seen, event, __ATOMIC_RELEASE);
	__atomic_fetch_add(&r->count, 1, __ATOMIC_RELEASE);
}

static bool
ev_seen(struct ev_rec *r, uint32_t ev)
{
	return (__atomic_load_n(&r->seen, __ATOMIC_ACQUIRE) & ev) == ev;
}

/* A callback that tries to close its own port and drop its own subscription. */
struct self_rec {
	int sub_id;
	int close_ret; /* Atomic; 1 until the callback ran. */
	int unsub_ret;
};

static void
self_cb(uint16_t port, uint32_t event, void *arg)
{
	struct self_rec *r = arg;

	r->unsub_ret = dw_netdev_event_unsubscribe(port, r->sub_id);
	__atomic_store_n(&r->close_ret, dw_netdev_close(port), __ATOMIC_RELEASE);
}

START_TEST(test_events_injected)
{
	struct dw_wq_conf wc = { .size = sizeof(wc) };
	struct ev_rec all = { 0 }, lsc_only = { 0 };
	struct self_rec self = { .close_ret = 1 };
	struct rte_mbuf *pkts[BURST];
	struct dw_netdev_conf c;
	struct dw_netdev_info info;
	struct dw_wq *wq;
	int port, sub_all, sub_lsc;
	uint32_t before;

	setup_eal();
	ck_assert_int_eq(dw_work_lib_init(NULL), 0);
	wq = dw_wq_create("nd_events", &wc);
	ck_assert_ptr_nonnull(wq);
	port = dw_netdev_open("net_null0");
	ck_assert_int_ge(port, 0);
	c = conf_of(1, 1);
	c.ctrl_wq = wq;
	ck_assert_int_eq(dw_netdev_configure((uint16_t)port, &c), 0);
	ck_assert_int_eq(dw_netdev_start((uint16_t)port), 0);
	all.port = lsc_only.port = (uint16_t)port;
	sub_all = dw_netdev_event_subscribe((uint16_t)port, DW_NETDEV_EV_ALL, wq, ev_cb, &all);
	ck_assert_int_ge(sub_all, 0);
	sub_lsc = dw_netdev_event_subscribe((uint16_t)port, DW_NETDEV_EV_LSC, dw_system_wq, ev_cb,
					    &lsc_only);
	ck_assert_int_ge(sub_lsc, 0);
	ck_assert_int_ne(sub_all, sub_lsc);

	ck_assert_int_eq(dw_ethdev_event_inject((uint16_t)port, RTE_ETH_EVENT_INTR_LSC), 0);
	ck_assert(DW_TEST_WAIT(ev_seen(&all, DW_NETDEV_EV_LSC), 5000));
	ck_assert(DW_TEST_WAIT(ev_seen(&lsc_only, DW_NETDEV_EV_LSC), 5000));

	/* Reset: handled by the driver on the port's ctrl wq, then announced. */
	ck_assert_int_eq(dw_ethdev_event_inject((uint16_t)port, RTE_ETH_EVENT_INTR_RESET), 0);
	ck_assert(DW_TEST_WAIT(ev_seen(&all, DW_NETDEV_EV_RESET), 5000));
	ck_assert_int_eq(dw_netdev_info_get((uint16_t)port, &info), 0);
	ck_assert_uint_eq(info.resets, 1);
	ck_assert(info.started);
	ck_assert_uint_eq(dw_netdev_rx_burst((uint16_t)port, 0, pkts, BURST), BURST);
	rte_pktmbuf_free_bulk(pkts, BURST);

	self.sub_id =
	    dw_netdev_event_subscribe((uint16_t)port, DW_NETDEV_EV_RMV, wq, self_cb, &self);
	ck_assert_int_ge(self.sub_id, 0);
	ck_assert_int_eq(dw_ethdev_event_inject((uint16_t)port, RTE_ETH_EVENT_INTR_RMV), 0);
	ck_assert(DW_TEST_WAIT(ev_seen(&all, DW_NETDEV_EV_RMV), 5000));
	/* From its own callback, close and unsubscribe refuse instead of deadlocking. */
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&self.close_ret, __ATOMIC_ACQUIRE) != 1, 5000));
	ck_assert_int_eq(self.close_ret, -EDEADLK);
	ck_assert_int_eq(self.unsub_ret, -EDEADLK);
	ck_assert_int_eq(dw_netdev_event_unsubscribe((uint16_t)port, self.sub_id), 0);
	ck_assert_uint_eq(__atomic_load_n(&lsc_only.seen, __ATOMIC_ACQUIRE), DW_NETDEV_EV_LSC);
	ck_assert_uint_eq(all.off_work, 0);
	ck_assert_uint_eq(all.on_intr, 0);
	ck_assert_uint_eq(lsc_only.off_work, 0);

	/* After unsubscribe, nothing more is delivered to it. */
	ck_assert_int_eq(dw_netdev_event_unsubscribe((uint16_t)port, sub_lsc), 0);
	ck_assert_int_eq(dw_netdev_event_unsubscribe((uint16_t)port, sub_lsc), -ENOENT);
	before = __atomic_load_n(&lsc_only.count, __ATOMIC_ACQUIRE);
	all.seen = 0;
	ck_assert_int_eq(dw_ethdev_event_inject((uint16_t)port, RTE_ETH_EVENT_INTR_LSC), 0);
	ck_assert(DW_TEST_WAIT(ev_seen(&all, DW_NETDEV_EV_LSC), 5000));
	ck_assert_int_eq(dw_flush_wq(dw_system_wq), 0);
	ck_assert_uint_eq(__atomic_load_n(&lsc_only.count, __ATOMIC_ACQUIRE), before);

	/* Close drops the remaining subscription; a reset queued just before is cancelled or done.
	 */
	ck_assert_int_eq(dw_ethdev_event_inject((uint16_t)port, RTE_ETH_EVENT_INTR_RESET), 0);
	ck_assert_int_eq(dw_netdev_close((uint16_t)port), 0);
	ck_assert_int_eq(dw_wq_destroy(wq), 0);
	ck_assert_int_eq(dw_work_lib_fini(), 0);
}
END_TEST

START_TEST(test_telemetry)
{
	char buf[4096];
	int a, b;

	setup_eal();
	a = open_started("net_null0", 1);
	b = open_started("net_ring0", 1);
	dw_test_telemetry("/dwork/port/list", buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "[0,1]") != NULL, "%s", buf);
	dw_test_telemetry("/dwork/port/info,1", buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "\"name\":\"net_ring0\"") != NULL, "%s", buf);
	ck_assert_msg(strstr(buf, "\"started\":1") != NULL, "%s", buf);
	ck_assert_msg(strstr(buf, "\"nb_rxq_intr\":0") != NULL, "%s", buf);
	dw_test_telemetry("/dwork/port/info,9", buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "null") != NULL, "%s", buf);
	ck_assert_int_eq(dw_netdev_close((uint16_t)a), 0);
	dw_test_telemetry("/dwork/port/list", buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "[1]") != NULL, "%s", buf);
	ck_assert_int_eq(dw_netdev_close((uint16_t)b), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ethdev_basic");
	TCase *tc = tcase_create("ethdev_basic");

	tcase_add_test(tc, test_null_burst);
	tcase_add_test(tc, test_ring_loopback);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_events_injected);
	tcase_add_test(tc, test_telemetry);
	suite_add_tcase(s, tc);
	return dw_test_run(s);
}
