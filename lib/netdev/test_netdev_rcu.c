/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fast-path RCU protocol of lib/netdev against a napi lcore, with a fake
 * driver whose queues know when they are used after being torn down: a burst
 * parked inside the driver (a pause point in the fake burst) must hold up a
 * reset, a stop and a close until it returns, and an arm from a reader must
 * not reach a device being reset. Check forks each test: one EAL per test.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dw_bh.h"
#include "dw_debug.h"
#include "dw_napi.h"
#include "dw_netdev.h"
#include "dw_netdev_driver.h"
#include "dw_test.h"
#include "dw_work.h"

#define FQ_LIVE 0x4c495645u /* a queue the device serves */
#define FQ_DEAD 0xdeadu	    /* torn down by stop, reset or close */
#define FAKE_MAX_GEN 64

/* One generation of queues: what a start or a reset sets up. */
struct fake_q {
	uint32_t magic;	 /* atomic: FQ_LIVE until torn down */
	uint64_t bursts; /* atomic: bursts that ran on it */
	void *ctx[1];	 /* the per-queue context array published (rxq = txq) */
};

struct fake_port {
	struct fake_q *gen[FAKE_MAX_GEN]; /* every generation, freed at close */
	unsigned int nb_gen;
	struct fake_q *cur;	/* under the control lock */
	uint32_t in_reset;	/* atomic: inside ops->reset */
	uint32_t resets;	/* atomic */
	uint32_t arms;		/* atomic: arm calls that reached the driver */
	uint32_t arms_in_reset; /* atomic: ... while the device was being reset */
};

static uint32_t bad_bursts;	   /* atomic: bursts on a torn-down queue */
static struct fake_port *fake_cur; /* the open port's; set at probe */

static uint16_t
fake_burst(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct fake_q *fq = q;

	RTE_SET_USED(pkts);
	RTE_SET_USED(n);
	/* Loaded the table, inside the driver: the race window a teardown must wait out. */
	DW_PAUSE_POINT("test.fake.burst");
	if (__atomic_load_n(&fq->magic, __ATOMIC_RELAXED) != FQ_LIVE)
		__atomic_fetch_add(&bad_bursts, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&fq->bursts, 1, __ATOMIC_RELAXED);
	return 0;
}

/* New queues, published. Control lock held. */
static int
fake_up(struct dw_netdev *nd)
{
	struct fake_port *fp = dw_netdev_priv(nd);
	struct fake_q *fq;

	if (fp->nb_gen == FAKE_MAX_GEN)
		return -ENOSPC;
	fq = calloc(1, sizeof(*fq));
	if (fq == NULL)
		return -ENOMEM;
	fq->magic = FQ_LIVE;
	fq->ctx[0] = fq;
	fp->gen[fp->nb_gen++] = fq;
	fp->cur = fq;
	dw_netdev_fp_set(nd, fake_burst, fq->ctx, fake_burst, fq->ctx);
	return 0;
}

/* The device drops its queues (stop, reset, close). */
static void
fake_down(struct fake_port *fp)
{
	if (fp->cur != NULL)
		__atomic_store_n(&fp->cur->magic, FQ_DEAD, __ATOMIC_RELAXED);
	fp->cur = NULL;
}

static int
fake_configure(struct dw_netdev *nd, const struct dw_netdev_conf *conf)
{
	RTE_SET_USED(nd);
	RTE_SET_USED(conf);
	return 0;
}

static int
fake_start(struct dw_netdev *nd)
{
	return fake_up(nd);
}

static int
fake_stop(struct dw_netdev *nd)
{
	fake_down(dw_netdev_priv(nd));
	return 0;
}

static int
fake_close(struct dw_netdev *nd)
{
	struct fake_port *fp = dw_netdev_priv(nd);
	unsigned int i;

	fake_down(fp);
	for (i = 0; i < fp->nb_gen; i++)
		free(fp->gen[i]);
	free(fp);
	dw_netdev_priv_set(nd, NULL);
	return 0;
}

static int
fake_reset(struct dw_netdev *nd, bool restart)
{
	struct fake_port *fp = dw_netdev_priv(nd);
	int ret = 0;

	__atomic_store_n(&fp->in_reset, 1, __ATOMIC_RELAXED);
	/* Inside the device reset: a test checks what lcores may do meanwhile. */
	DW_PAUSE_POINT("test.fake.reset");
	fake_down(fp);
	__atomic_fetch_add(&fp->resets, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&fp->in_reset, 0, __ATOMIC_RELAXED);
	if (restart)
		ret = fake_up(nd);
	return ret;
}

static int
fake_arm(struct dw_netdev *nd, uint16_t q)
{
	struct fake_port *fp = dw_netdev_priv(nd);

	RTE_SET_USED(q);
	if (__atomic_load_n(&fp->in_reset, __ATOMIC_RELAXED))
		__atomic_fetch_add(&fp->arms_in_reset, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&fp->arms, 1, __ATOMIC_RELAXED);
	return 0;
}

static int
fake_disarm(struct dw_netdev *nd, uint16_t q)
{
	RTE_SET_USED(nd);
	RTE_SET_USED(q);
	return 0;
}

static const struct dw_netdev_ops fake_ops = {
	.configure = fake_configure,
	.start = fake_start,
	.stop = fake_stop,
	.close = fake_close,
	.rx_intr_arm = fake_arm,
	.rx_intr_disarm = fake_disarm,
	.reset = fake_reset,
};

static int
fake_probe(struct dw_netdev *nd, const char *devargs)
{
	struct fake_port *fp = calloc(1, sizeof(*fp));
	int ret;

	if (fp == NULL)
		return -ENOMEM;
	ret = dw_netdev_name_set(nd, devargs);
	if (ret < 0) {
		free(fp);
		return ret;
	}
	dw_netdev_priv_set(nd, fp);
	dw_netdev_ops_set(nd, &fake_ops);
	__atomic_store_n(&fake_cur, fp, __ATOMIC_RELEASE);
	return 0;
}

static struct dw_netdev_driver fake_driver = {
	.name = "fakercu",
	.prefix = "fakercu",
	.probe = fake_probe,
};
DW_NETDEV_DRIVER_REGISTER(fake_driver);

/* The test's world: EAL on two lcores, lib/work, one fake port polled by the worker. */
static struct rte_mempool *mp;
static unsigned int worker;
static uint16_t port;
static struct dw_napi_source *src;

static void
rx_handler(uint16_t p, uint16_t q, struct rte_mbuf **pkts, uint16_t n, void *arg)
{
	RTE_SET_USED(p);
	RTE_SET_USED(q);
	RTE_SET_USED(arg);
	rte_pktmbuf_free_bulk(pkts, n);
}

static struct fake_port *
fake_of(void)
{
	/* Acquire: pairs with the release in fake_probe(). */
	return __atomic_load_n(&fake_cur, __ATOMIC_ACQUIRE);
}

static void
world_up(void)
{
	const char *args[] = { "-l", "0-1", NULL };
	struct dw_netdev_conf c = { .size = sizeof(c), .nb_rxq = 1, .nb_txq = 1 };
	struct dw_lcore_conf lc = { .size = sizeof(lc), .mode = DW_NAPI_MODE_POLL, .trustee = -1 };
	int p;

	dw_test_need_pause_points();
	ck_assert_int_ge(dw_test_eal_init(args), 0);
	ck_assert_int_eq(dw_work_lib_init(NULL), 0);
	ck_assert_int_eq(dw_bh_init(), 0);
	worker = rte_get_next_lcore(-1, 1, 0);
	ck_assert_uint_lt(worker, RTE_MAX_LCORE);
	mp = rte_pktmbuf_pool_create("rcu_mp", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	ck_assert_ptr_nonnull(mp);
	c.mp = mp;
	p = dw_netdev_open("fakercu0");
	ck_assert_int_ge(p, 0);
	port = (uint16_t)p;
	ck_assert_int_eq(dw_netdev_configure(port, &c), 0);
	ck_assert_int_eq(dw_netdev_start(port), 0);
	src = dw_napi_source_from_rxq(port, 0, "fake:rx0", 0, rx_handler, NULL, NULL);
	ck_assert_ptr_nonnull(src);
	ck_assert_int_eq(dw_napi_source_register(worker, src), 0);
	/* Poll mode: the worker bursts without pause, never sleeps. */
	ck_assert_int_eq(dw_lcore_launch(worker, &lc), 0);
}

static void
world_down(bool closed)
{
	ck_assert_int_eq(dw_lcore_stop(worker), 0);
	ck_assert_int_eq(rte_eal_wait_lcore(worker), 0);
	ck_assert_int_eq(dw_napi_source_unregister(src), 0);
	ck_assert_int_eq(dw_napi_source_free(src), 0);
	if (!closed)
		ck_assert_int_eq(dw_netdev_close(port), 0);
	ck_assert_int_eq(dw_work_lib_fini(), 0);
	rte_mempool_free(mp);
	rte_eal_cleanup();
}

enum teardown { TD_RESET, TD_STOP, TD_CLOSE };

struct td_arg {
	enum teardown what;
	int ret;
	uint32_t done; /* atomic */
};

static void *
td_thread(void *arg)
{
	struct td_arg *a = arg;

	a->ret = a->what == TD_STOP ? dw_netdev_stop(port) : dw_netdev_close(port);
	__atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Park the worker inside a burst, tear the port down from another thread,
 * and check that the teardown waits in its RCU wait (its pause point is
 * reached) without touching the queue, then finishes once the burst returns.
 * Without the wait the queue is torn down under the parked burst, which
 * then counts a bad burst, and the wait's pause point is never reached.
 */
static void
burst_vs_teardown(enum teardown what)
{
	struct td_arg a = { .what = what };
	struct dw_netdev_info info;
	struct fake_port *fp;
	struct fake_q *q0;
	pthread_t t;

	world_up();
	fp = fake_of();
	q0 = fp->cur;
	ck_assert_int_eq(dw_pause_arm("test.fake.burst", 0), 0);
	ck_assert_int_eq(dw_pause_wait("test.fake.burst", 5000), 0);
	ck_assert_int_eq(dw_pause_arm("netdev.rcu_sync.wait", 0), 0);
	if (what == TD_RESET)
		ck_assert_int_eq(dw_netdev_reset(port), 0);
	else
		ck_assert_int_eq(pthread_create(&t, NULL, td_thread, &a), 0);
	/* The teardown published the dummy and waits for the parked burst. */
	if (dw_pause_wait("netdev.rcu_sync.wait", 5000) != 0) {
		dw_pause_reset(); /* let the lcore go, so that the failure is reported */
		ck_abort_msg("the teardown did not wait for the burst in flight");
	}
	ck_assert_uint_eq(__atomic_load_n(&q0->magic, __ATOMIC_RELAXED), FQ_LIVE);
	ck_assert_uint_eq(__atomic_load_n(&fp->resets, __ATOMIC_RELAXED), 0);
	ck_assert_int_eq(dw_pause_release("netdev.rcu_sync.wait"), 0);
	/* Still waiting (no sleep-and-hope: the burst has not been let go yet). */
	ck_assert_uint_eq(__atomic_load_n(&q0->magic, __ATOMIC_RELAXED), FQ_LIVE);
	ck_assert_int_eq(dw_pause_release("test.fake.burst"), 0);

	if (what == TD_RESET) {
		/* The reset ran once the burst returned, and the lcore polls the new queues. */
		ck_assert(
		    DW_TEST_WAIT(dw_netdev_info_get(port, &info) == 0 && info.resets == 1, 5000));
		ck_assert_uint_eq(__atomic_load_n(&fp->resets, __ATOMIC_RELAXED), 1);
		ck_assert_ptr_ne(fp->cur, q0);
		ck_assert(
		    DW_TEST_WAIT(__atomic_load_n(&fp->cur->bursts, __ATOMIC_RELAXED) > 10, 5000));
	} else {
		pthread_join(t, NULL);
		ck_assert_int_eq(a.ret, 0);
		if (what == TD_STOP)
			ck_assert_uint_eq(__atomic_load_n(&q0->magic, __ATOMIC_RELAXED), FQ_DEAD);
	}
	ck_assert_uint_eq(__atomic_load_n(&bad_bursts, __ATOMIC_RELAXED), 0);
	world_down(what == TD_CLOSE);
}

START_TEST(test_reset_waits_for_burst)
{
	burst_vs_teardown(TD_RESET);
}
END_TEST

START_TEST(test_stop_waits_for_burst)
{
	burst_vs_teardown(TD_STOP);
}
END_TEST

START_TEST(test_close_waits_for_burst)
{
	burst_vs_teardown(TD_CLOSE);
}
END_TEST

/*
 * While the driver resets the device, an arm from a reader fails with -EIO
 * without reaching the driver (the dummy path is published); after the
 * reset it reaches the driver again.
 */
START_TEST(test_arm_during_reset)
{
	struct fake_port *fp;
	uint32_t arms;

	world_up();
	fp = fake_of();
	ck_assert_int_eq(dw_pause_arm("test.fake.reset", 0), 0);
	ck_assert_int_eq(dw_netdev_reset(port), 0);
	ck_assert_int_eq(dw_pause_wait("test.fake.reset", 5000), 0);
	ck_assert_uint_eq(__atomic_load_n(&fp->in_reset, __ATOMIC_RELAXED), 1);
	ck_assert_int_eq(dw_netdev_reader_register(), 0);
	ck_assert_int_eq(dw_netdev_reader_register(), -EALREADY);
	arms = __atomic_load_n(&fp->arms, __ATOMIC_RELAXED);
	ck_assert_int_eq(dw_netdev_rx_intr_arm(port, 0), -EIO);
	ck_assert_int_eq(dw_netdev_rx_intr_disarm(port, 0), -EIO);
	ck_assert_uint_eq(__atomic_load_n(&fp->arms, __ATOMIC_RELAXED), arms);
	/* The reset's own publication waits for readers: this thread goes offline. */
	dw_netdev_reader_offline();
	ck_assert_int_eq(dw_pause_release("test.fake.reset"), 0);
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&fp->resets, __ATOMIC_RELAXED) == 1 &&
				   __atomic_load_n(&fp->in_reset, __ATOMIC_RELAXED) == 0 &&
				   dw_netdev_rx_intr_arm(port, 0) == 0,
			       5000));
	dw_netdev_reader_online();
	ck_assert_uint_eq(__atomic_load_n(&fp->arms_in_reset, __ATOMIC_RELAXED), 0);
	ck_assert_uint_gt(__atomic_load_n(&fp->arms, __ATOMIC_RELAXED), arms);
	ck_assert_int_eq(dw_netdev_reader_unregister(), 0);
	ck_assert_int_eq(dw_netdev_reader_unregister(), -ENOENT);
	world_down(false);
}
END_TEST

/* Bad calls: a reset of no port, a driver without a reset op is refused cleanly. */
START_TEST(test_reset_bad)
{
	world_up();
	ck_assert_int_eq(dw_netdev_reset(DW_NETDEV_MAX_PORTS), -ENODEV);
	ck_assert_int_eq(dw_netdev_reset((uint16_t)(port + 1)), -ENODEV);
	world_down(false);
}
END_TEST

static Suite *
netdev_rcu_suite(void)
{
	Suite *s = suite_create("netdev_rcu");
	TCase *tc = tcase_create("rcu");

	tcase_add_test(tc, test_reset_waits_for_burst);
	tcase_add_test(tc, test_stop_waits_for_burst);
	tcase_add_test(tc, test_close_waits_for_burst);
	tcase_add_test(tc, test_arm_during_reset);
	tcase_add_test(tc, test_reset_bad);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return dw_test_run(netdev_rcu_suite());
}
