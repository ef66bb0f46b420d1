/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/work guarantees, one test each: PENDING semantics, non-reentrancy,
 * ordered FIFO, flush vs later items, cancel_sync of self-requeueing items,
 * delayed work, destroy drains, max_active, bad input; disable/enable (case
 * 'disable'); races made deterministic with pause points (case 'races').
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "dw_clock.h"
#include "dw_debug.h"
#include "dw_test.h"
#include "dw_work.h"

struct item {
	struct dw_work work;
	struct dw_delayed_work dwork;
	uint32_t runs;	     /* atomic */
	uint32_t inside;     /* atomic: concurrent runs of this item */
	uint32_t max_inside; /* atomic */
	uint32_t requeue;    /* atomic: runs left that requeue themselves */
	sem_t *block;	     /* wait on it inside the function when set */
	uint64_t last_start_ms;
	struct dw_wq *wq;
};

static void
lib_up(const char *topo)
{
	struct dw_work_lib_conf c = { .size = sizeof(c) };

	dw_test_fake_topology(topo);
	ck_assert_int_eq(dw_work_lib_init(&c), 0);
}

static void
lib_down(void)
{
	ck_assert_int_eq(dw_work_lib_fini(), 0);
}

static void
item_fn(struct dw_work *w)
{
	struct item *it = container_of(w, struct item, work);
	uint32_t in = __atomic_add_fetch(&it->inside, 1, __ATOMIC_SEQ_CST);
	uint32_t max = __atomic_load_n(&it->max_inside, __ATOMIC_RELAXED);

	while (in > max && !__atomic_compare_exchange_n(&it->max_inside, &max, in, false,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	__atomic_store_n(&it->last_start_ms, dw_test_now_ms(), __ATOMIC_RELAXED);
	if (it->block != NULL) {
		dw_blocking_begin();
		sem_wait(it->block);
		dw_blocking_end();
	}
	__atomic_sub_fetch(&it->inside, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&it->runs, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&it->requeue, __ATOMIC_RELAXED) > 0) {
		__atomic_sub_fetch(&it->requeue, 1, __ATOMIC_RELAXED);
		dw_queue_work(it->wq, w);
	}
}

static void
delayed_fn(struct dw_work *w)
{
	struct item *it = container_of(dw_to_delayed_work(w), struct item, dwork);

	__atomic_store_n(&it->last_start_ms, dw_test_now_ms(), __ATOMIC_RELAXED);
	__atomic_add_fetch(&it->runs, 1, __ATOMIC_SEQ_CST);
}

static uint32_t
runs(struct item *it)
{
	return __atomic_load_n(&it->runs, __ATOMIC_SEQ_CST);
}

START_TEST(test_pending_semantics)
{
	struct item it = { 0 };
	sem_t sem;

	lib_up(NULL);
	sem_init(&sem, 0, 0);
	it.block = &sem;
	dw_work_init(&it.work, item_fn);
	ck_assert(!dw_work_pending(&it.work));
	ck_assert(dw_queue_work(dw_system_wq, &it.work));
	/* Pending or already running: a second queue right away may find either. */
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&it.inside, __ATOMIC_SEQ_CST) == 1, 2000));
	ck_assert(!dw_work_pending(&it.work));
	ck_assert(dw_work_busy(&it.work));
	/* Running, not pending: queueing succeeds once, then finds it pending. */
	ck_assert(dw_queue_work(dw_system_wq, &it.work));
	rte_errno = -1;
	ck_assert(!dw_queue_work(dw_system_wq, &it.work));
	ck_assert_int_eq(rte_errno, 0);
	ck_assert(dw_work_pending(&it.work));
	uint64_t false_at = dw_test_now_ms();
	sem_post(&sem);
	sem_post(&sem);
	ck_assert_int_ge(dw_flush_work(&it.work), 0); /* 0 if both runs ended already */
	/* The false return was followed by a run that started after it. */
	ck_assert_uint_eq(runs(&it), 2);
	ck_assert_uint_ge(it.last_start_ms, false_at);
	ck_assert_uint_eq(it.max_inside, 1);
	ck_assert_int_eq(dw_flush_work(&it.work), 0);
	ck_assert(!dw_work_busy(&it.work));
	sem_destroy(&sem);
	lib_down();
}
END_TEST

struct hammer {
	struct item *it;
	struct dw_wq *wq;
	unsigned int n;
	unsigned int queued;
};

static void *
hammer_main(void *arg)
{
	struct hammer *h = arg;
	unsigned int i;

	uint64_t deadline = dw_test_now_ms() + 3000;

	/* Enough successful queueings to overlap runs, however slow the build. */
	for (i = 0; h->queued < h->n && dw_test_now_ms() < deadline; i++)
		h->queued += dw_queue_work_on((int)(i % 2), h->wq, &h->it->work);
	return NULL;
}

START_TEST(test_non_reentrant)
{
	struct hammer h[3];
	pthread_t t[3];
	struct item it = { 0 };
	unsigned int i, total = 0;

	lib_up("2x2"); /* two nodes: queueing on either must not run it twice at once */
	dw_work_init(&it.work, item_fn);
	for (i = 0; i < 3; i++) {
		h[i] = (struct hammer){ .it = &it, .wq = dw_system_wq, .n = 20000 };
		pthread_create(&t[i], NULL, hammer_main, &h[i]);
	}
	for (i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		total += h[i].queued;
	}
	ck_assert_int_ge(dw_flush_work(&it.work), 0);
	ck_assert_uint_eq(it.max_inside, 1);
	ck_assert_uint_eq(runs(&it), total);
	ck_assert_uint_gt(total, 100);
	lib_down();
}
END_TEST

#define NORD 2000
static uint32_t ord_log[NORD];
static uint32_t ord_n, ord_inside, ord_overlap;

struct ord_item {
	struct dw_work work;
	uint32_t id;
};

static void
ord_fn(struct dw_work *w)
{
	struct ord_item *o = container_of(w, struct ord_item, work);

	if (__atomic_add_fetch(&ord_inside, 1, __ATOMIC_SEQ_CST) > 1)
		__atomic_store_n(&ord_overlap, 1, __ATOMIC_SEQ_CST);
	if (o->id % 500 == 0)
		dw_test_sleep_us(2000); /* give a second worker every chance to overlap */
	ord_log[__atomic_fetch_add(&ord_n, 1, __ATOMIC_SEQ_CST)] = o->id;
	__atomic_sub_fetch(&ord_inside, 1, __ATOMIC_SEQ_CST);
}

START_TEST(test_ordered_fifo)
{
	struct dw_wq_conf c = { .size = sizeof(c), .flags = DW_WQ_ORDERED };
	struct ord_item *items = calloc(NORD, sizeof(*items));
	struct dw_wq *wq;
	uint32_t i;

	lib_up("2x2");
	wq = dw_wq_create("ordered", &c);
	ck_assert_ptr_nonnull(wq);
	for (i = 0; i < NORD; i++) {
		items[i].id = i;
		dw_work_init(&items[i].work, ord_fn);
		ck_assert(dw_queue_work_on((int)(i % 2), wq, &items[i].work));
	}
	ck_assert_int_eq(dw_flush_wq(wq), 0);
	ck_assert_uint_eq(ord_n, NORD);
	for (i = 0; i < NORD; i++)
		ck_assert_uint_eq(ord_log[i], i);
	ck_assert_uint_eq(ord_overlap, 0);
	ck_assert_int_eq(dw_wq_destroy(wq), 0);
	free(items);
	lib_down();
}
END_TEST

struct flusher {
	struct dw_wq *wq;
	uint64_t done_ms;
	int rc;
};

static void *
flusher_main(void *arg)
{
	struct flusher *f = arg;

	f->rc = dw_flush_wq(f->wq);
	__atomic_store_n(&f->done_ms, dw_test_now_ms(), __ATOMIC_SEQ_CST);
	return NULL;
}

START_TEST(test_flush_not_held_by_later)
{
	struct item slow = { 0 }, loop = { 0 };
	struct flusher f = { 0 };
	struct dw_wq *wq;
	pthread_t t;
	sem_t sem;

	lib_up(NULL);
	wq = dw_wq_create("flushq", NULL);
	sem_init(&sem, 0, 0);
	slow.block = &sem;
	dw_work_init(&slow.work, item_fn);
	ck_assert(dw_queue_work(wq, &slow.work));
	f.wq = wq;
	pthread_create(&t, NULL, flusher_main, &f);
	dw_test_sleep_us(20000);
	/* Items queued after the flush started: one that requeues itself for ever. */
	loop.wq = wq;
	loop.requeue = UINT32_MAX;
	dw_work_init(&loop.work, item_fn);
	ck_assert(dw_queue_work(wq, &loop.work));
	dw_test_sleep_us(20000);
	ck_assert_uint_eq(__atomic_load_n(&f.done_ms, __ATOMIC_SEQ_CST), 0); /* slow holds it */
	sem_post(&sem);
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&f.done_ms, __ATOMIC_SEQ_CST) != 0, 3000));
	pthread_join(t, NULL);
	ck_assert_int_eq(f.rc, 0);
	ck_assert_uint_gt(runs(&loop), 10); /* it kept running meanwhile */
	ck_assert_int_ge(dw_cancel_work_sync(&loop.work), 0);
	ck_assert_int_eq(dw_wq_destroy(wq), 0);
	sem_destroy(&sem);
	lib_down();
}
END_TEST

START_TEST(test_cancel_sync_self_requeue)
{
	struct item it = { 0 };
	uint32_t n;
	int i;

	lib_up(NULL);
	for (i = 0; i < 20; i++) {
		memset(&it, 0, sizeof(it));
		it.wq = i % 2 ? dw_system_unbound_wq : dw_system_wq;
		it.requeue = UINT32_MAX;
		dw_work_init(&it.work, item_fn);
		ck_assert(dw_queue_work(it.wq, &it.work));
		ck_assert(DW_TEST_WAIT(runs(&it) > 5, 2000));
		ck_assert_int_ge(dw_cancel_work_sync(&it.work), 0);
		ck_assert(!dw_work_busy(&it.work));
		n = runs(&it);
		dw_test_sleep_us(5000);
		ck_assert_uint_eq(runs(&it), n); /* nothing ran after cancel_sync returned */
		ck_assert_uint_eq(it.max_inside, 1);
		/* The item is usable again afterwards. */
		it.requeue = 0;
		ck_assert(dw_queue_work(it.wq, &it.work));
		ck_assert_int_ge(dw_flush_work(&it.work), 0);
		ck_assert_uint_eq(runs(&it), n + 1);
	}
	lib_down();
}
END_TEST

/*
 * An ORDERED queue whose first item (@blocker) blocks on @sem, and @it queued
 * behind it: @it stays pending until the test posts @sem.
 */
static struct dw_wq *
queue_behind_blocker(const char *name, struct item *blocker, struct item *it, sem_t *sem)
{
	struct dw_wq_conf c = { .size = sizeof(c), .flags = DW_WQ_ORDERED };
	struct dw_wq *wq = dw_wq_create(name, &c);

	ck_assert_ptr_nonnull(wq);
	sem_init(sem, 0, 0);
	blocker->block = sem;
	dw_work_init(&blocker->work, item_fn);
	dw_work_init(&it->work, item_fn);
	ck_assert(dw_queue_work(wq, &blocker->work));
	ck_assert(dw_queue_work(wq, &it->work)); /* stuck behind the blocker */
	return wq;
}

START_TEST(test_cancel_pending)
{
	struct item blocker = { 0 }, it = { 0 };
	struct dw_wq_stats st;
	struct dw_wq *wq;
	sem_t sem;

	lib_up(NULL);
	wq = queue_behind_blocker("cancelq", &blocker, &it, &sem);
	ck_assert(dw_cancel_work(&it.work));
	ck_assert(!dw_work_pending(&it.work));
	ck_assert(!dw_cancel_work(&it.work));
	ck_assert_int_eq(dw_cancel_work_sync(&it.work), 0);
	sem_post(&sem);
	ck_assert_int_eq(dw_flush_wq(wq), 0);
	ck_assert_uint_eq(runs(&it), 0);
	ck_assert_int_eq(dw_wq_stats_get(wq, &st), 0);
	ck_assert_uint_eq(st.queued, 2);
	ck_assert_uint_eq(st.completed, 1);
	ck_assert_uint_eq(st.cancelled, 1);
	ck_assert_int_eq(dw_wq_destroy(wq), 0);
	sem_destroy(&sem);
	lib_down();
}
END_TEST

/* A stats call from a caller built against another header: its size rules the copy. */
START_TEST(test_stats_sized)
{
	unsigned char buf[sizeof(struct dw_wq_stats) + 16];
	struct dw_wq_stats st;
	struct dw_pool_stats ps;
	size_t i;

	lib_up(NULL);
	ck_assert_int_eq(dw_wq_stats_get(dw_system_wq, &st), 0);
	/* A newer header's bigger struct: the fields we have, zeros after them. */
	memset(buf, 0xa5, sizeof(buf));
	ck_assert_int_eq(
	    dw_wq_stats_get_sized(dw_system_wq, (struct dw_wq_stats *)buf, sizeof(buf)), 0);
	for (i = sizeof(st); i < sizeof(buf); i++)
		ck_assert_uint_eq(buf[i], 0);
	/* Smaller than the first release's struct: refused, nothing written. */
	memset(buf, 0xa5, sizeof(buf));
	ck_assert_int_eq(dw_wq_stats_get_sized(dw_system_wq, (struct dw_wq_stats *)buf, 8),
			 -EINVAL);
	for (i = 0; i < sizeof(buf); i++)
		ck_assert_uint_eq(buf[i], 0xa5);
	ck_assert_int_eq(dw_wq_stats_get_sized(dw_system_wq, NULL, sizeof(st)), -EINVAL);
	ck_assert_int_eq(dw_pool_stats_get_sized(0, &ps, 4), -EINVAL);
	ck_assert_int_eq(dw_pool_stats_get(0, &ps), 0);
	lib_down();
}
END_TEST

/*
 * On the fake clock, @p it's timer (armed for @p delay_us from the current
 * fake time) has not fired at the deadline minus 1 ns, and the advance that
 * reaches the deadline fires it (in the advancing thread). The flush makes
 * "not fired" exact: it waits for anything a timer queued, not for timers.
 */
static void
expect_fire_at(struct dw_wq *wq, struct item *it, uint64_t delay_us)
{
	uint32_t r = runs(it);

	ck_assert_int_eq(dw_clock_fake_advance(delay_us * DW_NS_PER_US - 1), 0);
	ck_assert_int_eq(dw_flush_wq(wq), 0);
	ck_assert_uint_eq(runs(it), r);
	ck_assert(dw_work_pending(&it->dwork.work));
	ck_assert_int_eq(dw_clock_fake_advance(1), 0);
	ck_assert_int_eq(dw_flush_wq(wq), 0);
	ck_assert_uint_eq(runs(it), r + 1);
}

/* Delayed work on the fake clock: never a nanosecond early, queued the moment it is due. */
START_TEST(test_delayed_work)
{
	struct dw_wq_conf c = { .size = sizeof(c) };
	struct item it = { 0 }, ord[3];
	static const uint64_t ord_us[3] = { 300, 100, 200 };
	struct dw_wq *wq;
	unsigned int i;

	dw_test_need_fake_clock();
	lib_up(NULL);
	wq = dw_wq_create("delayq", &c);
	ck_assert_ptr_nonnull(wq);
	ck_assert_int_eq(dw_clock_fake_start(), 0);
	dw_delayed_work_init(&it.dwork, delayed_fn);
	ck_assert(dw_queue_delayed_work(wq, &it.dwork, 100000));
	ck_assert(!dw_queue_delayed_work(wq, &it.dwork, 1000));
	ck_assert(dw_work_pending(&it.dwork.work));
	expect_fire_at(wq, &it, 100000);

	/* mod_delayed_work moves a pending timer (returns 1) or queues an idle item (0). */
	ck_assert(dw_queue_delayed_work(wq, &it.dwork, 10000000));
	ck_assert_int_eq(dw_mod_delayed_work(wq, &it.dwork, 20000), 1);
	expect_fire_at(wq, &it, 20000);
	ck_assert_int_eq(dw_mod_delayed_work(wq, &it.dwork, 0), 0);
	ck_assert(DW_TEST_WAIT(runs(&it) == 3, 10000));

	/* Cancel before expiry: reported pending, never runs, even long after its deadline. */
	ck_assert(dw_queue_delayed_work(wq, &it.dwork, 50000));
	ck_assert(dw_cancel_delayed_work(&it.dwork));
	ck_assert(!dw_work_pending(&it.dwork.work));
	ck_assert(dw_queue_delayed_work(wq, &it.dwork, 50000));
	ck_assert_int_eq(dw_cancel_delayed_work_sync(&it.dwork), 1);
	ck_assert_int_eq(dw_clock_fake_advance(DW_NS_PER_S), 0);
	ck_assert_int_eq(dw_flush_wq(wq), 0);
	ck_assert_uint_eq(runs(&it), 3);

	/* flush_delayed_work fires the timer now (no time passes) and waits. */
	ck_assert(dw_queue_delayed_work(wq, &it.dwork, 10000000));
	ck_assert_int_eq(dw_flush_delayed_work(&it.dwork), 1);
	ck_assert_uint_eq(runs(&it), 4);

	/* Armed out of order, fired in deadline order, each at its own deadline. */
	memset(ord, 0, sizeof(ord));
	for (i = 0; i < 3; i++) {
		dw_delayed_work_init(&ord[i].dwork, delayed_fn);
		ck_assert(dw_queue_delayed_work(wq, &ord[i].dwork, ord_us[i]));
	}
	expect_fire_at(wq, &ord[1], 100);
	ck_assert_uint_eq(runs(&ord[0]) + runs(&ord[2]), 0);
	expect_fire_at(wq, &ord[2], 100);
	ck_assert_uint_eq(runs(&ord[0]), 0);
	expect_fire_at(wq, &ord[0], 100);
	dw_clock_fake_stop();
	ck_assert_int_eq(dw_wq_destroy(wq), 0);
	lib_down();
}
END_TEST

/* Real-time smoke test: the timer thread wakes by itself on the real clock. */
START_TEST(test_delayed_work_realtime)
{
	struct item it = { 0 };
	uint64_t t0;

	lib_up(NULL);
	dw_delayed_work_init(&it.dwork, delayed_fn);
	t0 = dw_test_now_ms();
	ck_assert(dw_queue_delayed_work(dw_system_wq, &it.dwork, 20000));
	ck_assert(DW_TEST_WAIT(runs(&it) == 1, 5000 * dw_test_time_scale()));
	ck_assert_uint_ge(it.last_start_ms - t0, 20);
	lib_down();
}
END_TEST

#define NDRAIN 200
START_TEST(test_destroy_drains)
{
	struct item *items = calloc(NDRAIN, sizeof(*items));
	struct dw_wq_conf c = { .size = sizeof(c), .max_active = 3 };
	struct dw_wq *wq;
	unsigned int i;

	lib_up(NULL);
	wq = dw_wq_create("drainq", &c);
	ck_assert_ptr_nonnull(wq);
	for (i = 0; i < NDRAIN; i++) {
		items[i].wq = wq;
		items[i].requeue = i % 10 == 0 ? 3 : 0; /* some queue themselves again */
		dw_work_init(&items[i].work, item_fn);
		dw_delayed_work_init(&items[i].dwork, delayed_fn);
		ck_assert(dw_queue_work(wq, &items[i].work));
		if (i % 50 == 0)
			ck_assert(dw_queue_delayed_work(wq, &items[i].dwork, 60000000));
	}
	ck_assert_int_eq(dw_wq_destroy(wq), 0);
	for (i = 0; i < NDRAIN; i++)
		ck_assert_uint_eq(runs(&items[i]), (i % 10 == 0 ? 4 : 1) + (i % 50 == 0 ? 1 : 0));
	/* Use after destroy is reported, not a crash. */
	ck_assert(!dw_queue_work(wq, &items[1].work));
	ck_assert_int_eq(rte_errno, ESHUTDOWN);
	ck_assert_int_eq(dw_flush_wq(wq), -ESHUTDOWN);
	ck_assert_int_eq(dw_wq_destroy(wq), -ESHUTDOWN);
	free(items);
	lib_down();
}
END_TEST

#define NACT 12
static uint32_t act_inside, act_max;

static void
act_fn(struct dw_work *w)
{
	uint32_t in = __atomic_add_fetch(&act_inside, 1, __ATOMIC_SEQ_CST);
	uint32_t max = __atomic_load_n(&act_max, __ATOMIC_RELAXED);

	RTE_SET_USED(w);
	while (in > max && !__atomic_compare_exchange_n(&act_max, &max, in, false, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED))
		;
	dw_blocking_begin();
	dw_test_sleep_us(10000);
	dw_blocking_end();
	__atomic_sub_fetch(&act_inside, 1, __ATOMIC_SEQ_CST);
}

START_TEST(test_max_active)
{
	struct dw_wq_conf c = { .size = sizeof(c), .flags = DW_WQ_UNBOUND, .max_active = 2 };
	struct dw_work w[NACT];
	struct dw_wq *wq;
	unsigned int i;

	lib_up(NULL);
	wq = dw_wq_create("act2", &c);
	for (i = 0; i < NACT; i++) {
		dw_work_init(&w[i], act_fn);
		ck_assert(dw_queue_work(wq, &w[i]));
	}
	ck_assert_int_eq(dw_flush_wq(wq), 0);
	ck_assert_uint_eq(act_max, 2);
	ck_assert_int_eq(dw_wq_destroy(wq), 0);
	lib_down();
}
END_TEST

static int self_rc[4];
static struct dw_work self_work;

static void
self_fn(struct dw_work *w)
{
	self_rc[0] = dw_flush_work(w);
	self_rc[1] = dw_cancel_work_sync(w);
	self_rc[2] = dw_flush_wq(dw_system_wq);
	self_rc[3] = dw_wq_destroy(dw_system_wq);
}

START_TEST(test_bad_input)
{
	struct dw_wq_conf c = { .size = sizeof(c) };
	struct dw_work_lib_conf lc = { .size = sizeof(lc) };
	struct dw_work zero, w;
	struct dw_wq *wq1, *wq2;
	sem_t sem;
	struct item it = { 0 };

	/* Before init. 0.1.0's fake_topology slot is reserved now. */
	lc.reserved = "1x1";
	ck_assert_int_eq(dw_work_lib_init(&lc), -EINVAL);
	lc.reserved = NULL;
	lc.size = sizeof(size_t);
	ck_assert_int_eq(dw_work_lib_init(&lc), -EINVAL); /* smaller than 0.1.0's struct */
	{
		struct {
			struct dw_work_lib_conf c;
			uint64_t newer;
		} big = { .c = { .size = sizeof(big) }, .newer = 1 };

		ck_assert_int_eq(dw_work_lib_init(&big.c), -E2BIG);
	}
	ck_assert_ptr_null(dw_wq_create("early", NULL));
	ck_assert_int_eq(rte_errno, ESHUTDOWN);
	ck_assert_int_eq(dw_work_lib_fini(), -ESHUTDOWN);
	lib_up(NULL);
	ck_assert_int_eq(dw_work_lib_init(NULL), -EALREADY);

	memset(&zero, 0, sizeof(zero));
	ck_assert(!dw_queue_work(dw_system_wq, NULL));
	ck_assert_int_eq(rte_errno, EINVAL);
	ck_assert(!dw_queue_work(dw_system_wq, &zero));
	ck_assert_int_eq(rte_errno, EINVAL);
	ck_assert(!dw_queue_work(NULL, &zero));
	ck_assert_int_eq(dw_flush_work(&zero), -EINVAL);
	ck_assert_int_eq(dw_cancel_work_sync(NULL), -EINVAL);
	ck_assert(!dw_cancel_work(&zero));
	ck_assert_int_eq(dw_flush_wq(NULL), -EINVAL);
	ck_assert_int_eq(dw_flush_wq((struct dw_wq *)&zero), -EINVAL);
	dw_work_init(&w, NULL);
	ck_assert(!dw_queue_work(dw_system_wq, &w));
	ck_assert_int_eq(rte_errno, EINVAL);

	c.flags = 1u << 30;
	ck_assert_ptr_null(dw_wq_create("badflags", &c));
	ck_assert_int_eq(rte_errno, EINVAL);
	c.flags = 0;
	c.max_active = 100000;
	ck_assert_ptr_null(dw_wq_create("badactive", &c));
	c.max_active = 0;
	c.size = 3;
	ck_assert_ptr_null(dw_wq_create("badsize", &c));
	ck_assert_int_eq(rte_errno, EINVAL);
	/* A newer application's bigger conf: a zero tail is fine, a set one is not. */
	{
		struct {
			struct dw_wq_conf c;
			uint64_t newer;
		} big = { .c = { .size = sizeof(big), .max_active = 2 } };

		wq1 = dw_wq_create("bigconf", &big.c);
		ck_assert_ptr_nonnull(wq1);
		ck_assert_int_eq(dw_wq_destroy(wq1), 0);
		big.newer = 1;
		ck_assert_ptr_null(dw_wq_create("bigconf2", &big.c));
		ck_assert_int_eq(rte_errno, E2BIG);
	}
	ck_assert_ptr_null(dw_wq_create("a-name-that-is-way-too-long-for-a-queue", NULL));
	ck_assert_int_eq(rte_errno, EINVAL);
	ck_assert_ptr_null(dw_wq_create("events", NULL));
	ck_assert_int_eq(rte_errno, EEXIST);
	c.size = sizeof(c);
	c.flags = DW_WQ_BH | DW_WQ_ORDERED;
	ck_assert_ptr_null(dw_wq_create("bhbad", &c));
	ck_assert_int_eq(rte_errno, EINVAL);
	ck_assert(!dw_queue_work_on(99, dw_system_wq, &it.work));
	ck_assert_int_eq(dw_wq_destroy(dw_system_wq), -EPERM);

	/* One item, two queues: refused while pending or running on the first. */
	wq1 = dw_wq_create("q1", NULL);
	wq2 = dw_wq_create("q2", NULL);
	ck_assert_ptr_eq(dw_wq_lookup("q2"), wq2);
	ck_assert_ptr_null(dw_wq_lookup("nope"));
	sem_init(&sem, 0, 0);
	it.block = &sem;
	dw_work_init(&it.work, item_fn);
	ck_assert(dw_queue_work(wq1, &it.work));
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&it.inside, __ATOMIC_SEQ_CST) == 1, 2000));
	ck_assert(!dw_queue_work(wq2, &it.work)); /* running on wq1 */
	ck_assert_int_eq(rte_errno, EBUSY);
	ck_assert(dw_queue_work(wq1, &it.work));
	ck_assert(!dw_queue_work(wq2, &it.work)); /* pending on wq1 */
	ck_assert_int_eq(rte_errno, EBUSY);
	sem_post(&sem);
	sem_post(&sem);
	ck_assert_int_ge(dw_flush_work(&it.work), 0);
	it.block = NULL;
	ck_assert(dw_queue_work(wq2, &it.work)); /* idle: free to move */
	ck_assert_int_eq(dw_flush_wq(wq2), 0);

	/* Flushing or cancelling oneself from inside: refused, no deadlock. */
	dw_work_init(&self_work, self_fn);
	ck_assert(dw_queue_work(dw_system_wq, &self_work));
	ck_assert_int_ge(dw_flush_work(&self_work), 0); /* 0 if it finished already */
	ck_assert_int_eq(self_rc[0], -EDEADLK);
	ck_assert_int_eq(self_rc[1], -EDEADLK);
	ck_assert_int_eq(self_rc[2], -EDEADLK);
	ck_assert_int_eq(self_rc[3], -EPERM);

	ck_assert_int_eq(dw_wq_destroy(wq1), 0);
	ck_assert_int_eq(dw_wq_destroy(wq2), 0);
	sem_destroy(&sem);
	lib_down();
}
END_TEST

static void
sleep_fn(struct dw_work *w)
{
	RTE_SET_USED(w);
	dw_test_sleep_us(300000);
}

START_TEST(test_watchdog)
{
	struct dw_work_lib_conf c = { .size = sizeof(c), .watchdog_thresh_ms = 50 };
	struct dw_pool_stats st;
	struct dw_work w;
	uint64_t hits = 0;
	unsigned int i;

	ck_assert_int_eq(dw_work_lib_init(&c), 0);
	dw_work_init(&w, sleep_fn);
	ck_assert(dw_queue_work(dw_system_unbound_wq, &w));
	ck_assert_int_eq(dw_flush_work(&w), 1);
	for (i = 0; i < dw_pool_count(); i++) {
		ck_assert_int_eq(dw_pool_stats_get(i, &st), 0);
		hits += st.watchdog_hits;
	}
	ck_assert_uint_ge(hits, 1);
	ck_assert_int_eq(dw_pool_stats_get(dw_pool_count(), &st), -EINVAL);
	lib_down();
}
END_TEST

START_TEST(test_topology_nodes)
{
	struct dw_pool_stats st;
	struct item it = { 0 };
	unsigned int i;

	lib_up("2x2");
	ck_assert_uint_eq(dw_pool_count(), 6);
	dw_work_init(&it.work, item_fn);
	for (i = 0; i < 10; i++) {
		ck_assert(dw_queue_work_on(1, dw_system_wq, &it.work));
		ck_assert_int_ge(dw_flush_work(&it.work), 0);
	}
	/* Pool 3 is node 1's normal pool: it ran them all. */
	ck_assert_int_eq(dw_pool_stats_get(3, &st), 0);
	ck_assert_int_eq(st.node, 1);
	ck_assert(!st.highpri && !st.unbound);
	ck_assert_uint_eq(st.concurrency, 2);
	ck_assert_uint_ge(st.completed, 10);
	ck_assert_int_eq(dw_pool_stats_get(0, &st), 0);
	ck_assert_uint_eq(st.completed, 0);
	ck_assert(!dw_queue_work_on(2, dw_system_wq, &it.work));
	ck_assert_int_eq(rte_errno, EINVAL);
	lib_down();
}
END_TEST

/*
 * --- race tests: pause points (dw_debug.h) park one thread at the racing
 * line while the test drives the other; each failed before its fix ---
 */

/*
 * A thread parked at @first (armed and waited for by the caller) holds the
 * racing window open. Run @fn on a second thread: it either parks at @second
 * (it waits for the first, as it must) or sets *@done (it did not). Then let
 * both go and join the second. True if it parked.
 */
static bool
race_second(void *(*fn)(void *), void *arg, bool *done, const char *first, const char *second)
{
	pthread_t t;
	bool parked;

	ck_assert_int_eq(pthread_create(&t, NULL, fn, arg), 0);
	ck_assert(DW_TEST_WAIT(dw_pause_parked(second) || __atomic_load_n(done, __ATOMIC_SEQ_CST),
			       10000));
	parked = dw_pause_parked(second);
	dw_pause_release(first);
	dw_pause_release(second);
	pthread_join(t, NULL);
	return parked;
}

/* A call made on another thread; what it saw when it returned. */
struct racer {
	struct item *it;
	int rc;
	uint32_t runs_at_return;
	bool done; /* atomic */
};

static void *
flush_delayed_main(void *arg)
{
	struct racer *r = arg;

	r->rc = dw_flush_delayed_work(&r->it->dwork);
	r->runs_at_return = runs(r->it);
	__atomic_store_n(&r->done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * Defect 5: the timer thread took a first-time delayed item off its heap and
 * has not queued it yet (no pool recorded). dw_flush_delayed_work() must
 * wait for it and return after it ran.
 */
START_TEST(test_race_flush_delayed_in_transit)
{
	struct item it = { 0 };
	struct racer r = { .it = &it };

	dw_test_need_pause_points();
	lib_up(NULL);
	dw_delayed_work_init(&it.dwork, delayed_fn);
	ck_assert_int_eq(dw_pause_arm("timer.fire.taken", 0), 0);
	ck_assert_int_eq(dw_pause_arm("work.flush.in_transit", 0), 0);
	ck_assert(dw_queue_delayed_work(dw_system_wq, &it.dwork, 1000));
	ck_assert_int_eq(dw_pause_wait("timer.fire.taken", 10000), 0);
	/* The flusher either waits for the item in transit (parks) or returns. */
	race_second(flush_delayed_main, &r, &r.done, "timer.fire.taken", "work.flush.in_transit");
	ck_assert_msg(r.runs_at_return == 1,
		      "dw_flush_delayed_work() returned %d before the item in transit ran", r.rc);
	ck_assert_int_eq(r.rc, 1);
	lib_down();
}
END_TEST

struct queuer {
	struct dw_wq *wq;
	struct dw_work *work;
	bool ok;
	int err;
};

static void *
queue_main(void *arg)
{
	struct queuer *q = arg;

	q->ok = dw_queue_work(q->wq, q->work);
	q->err = rte_errno;
	return NULL;
}

struct destroyer {
	struct dw_wq *wq;
	int rc;
	bool done; /* atomic */
};

static void *
destroy_main(void *arg)
{
	struct destroyer *d = arg;

	d->rc = dw_wq_destroy(d->wq);
	__atomic_store_n(&d->done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * Defect 6: a queuer passed the checks of dw_queue_work() and then
 * dw_wq_destroy() ran. The queueing must either be drained (run) or fail
 * with ESHUTDOWN, never crash or leave the item on a freed queue.
 */
START_TEST(test_race_queue_vs_destroy)
{
	struct item it = { 0 };
	struct queuer q = { .work = &it.work };
	struct destroyer d = { 0 };
	pthread_t tq;

	dw_test_need_pause_points();
	lib_up(NULL);
	q.wq = d.wq = dw_wq_create("racy", NULL);
	ck_assert_ptr_nonnull(q.wq);
	dw_work_init(&it.work, item_fn);
	ck_assert_int_eq(dw_pause_arm("work.queue.entered", 0), 0);
	ck_assert_int_eq(dw_pause_arm("work.drain.wait_queuers", 0), 0);
	ck_assert_int_eq(pthread_create(&tq, NULL, queue_main, &q), 0);
	ck_assert_int_eq(dw_pause_wait("work.queue.entered", 10000), 0);
	/* The destroyer waits for the queuer (parks) or finishes without it. */
	race_second(destroy_main, &d, &d.done, "work.queue.entered", "work.drain.wait_queuers");
	pthread_join(tq, NULL);
	ck_assert_int_eq(d.rc, 0);
	if (q.ok) {
		ck_assert_uint_eq(runs(&it), 1); /* drained */
	} else {
		ck_assert_int_eq(q.err, ESHUTDOWN);
		ck_assert_uint_eq(runs(&it), 0);
	}
	ck_assert(!dw_work_busy(&it.work));
	lib_down();
}
END_TEST

struct stats_reader {
	int rc;
	struct dw_pool_stats st;
};

static void *
pool_stats_main(void *arg)
{
	struct stats_reader *r = arg;

	r->rc = dw_pool_stats_get(0, &r->st);
	return NULL;
}

struct finisher {
	int rc;
	bool done; /* atomic */
};

static void *
fini_main(void *arg)
{
	struct finisher *f = arg;

	f->rc = dw_work_lib_fini();
	__atomic_store_n(&f->done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * Suspected 10 (lib/work part), confirmed: dw_pool_stats_get() (telemetry)
 * passed its 'initialised' check, then dw_work_lib_fini() freed the pools
 * it was about to read. Fini must wait for a reader inside.
 */
START_TEST(test_race_pool_stats_vs_fini)
{
	struct stats_reader r = { 0 };
	struct finisher f = { 0 };
	pthread_t t;

	dw_test_need_pause_points();
	lib_up(NULL);
	ck_assert_int_eq(dw_pause_arm("work.pool_stats.entered", 0), 0);
	ck_assert_int_eq(dw_pause_arm("work.pools_fini.wait_readers", 0), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, pool_stats_main, &r), 0);
	ck_assert_int_eq(dw_pause_wait("work.pool_stats.entered", 10000), 0);
	ck_assert_msg(race_second(fini_main, &f, &f.done, "work.pool_stats.entered",
				  "work.pools_fini.wait_readers"),
		      "dw_work_lib_fini() freed the pools while dw_pool_stats_get() read one");
	pthread_join(t, NULL);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_int_eq(f.rc, 0);
	ck_assert_int_eq(dw_pool_stats_get(0, &r.st), -ESHUTDOWN);
}
END_TEST

/* --- dw_disable_work() / dw_enable_work() (the kernel's semantics) --- */

START_TEST(test_disable_nests)
{
	struct item it = { 0 };
	struct dw_wq_stats st;

	lib_up(NULL);
	dw_work_init(&it.work, item_fn);
	ck_assert(!dw_disable_work(&it.work)); /* idle: nothing was pending */
	ck_assert_int_eq(rte_errno, 0);
	ck_assert(!dw_queue_work(dw_system_wq, &it.work));
	ck_assert_int_eq(rte_errno, ECANCELED);
	ck_assert(!dw_work_pending(&it.work));
	ck_assert(!dw_disable_work(&it.work)); /* nests: count 2 */
	ck_assert(!dw_enable_work(&it.work));  /* count 1: still disabled */
	ck_assert_int_eq(rte_errno, 0);
	ck_assert(!dw_queue_work_on(0, dw_system_wq, &it.work));
	ck_assert(dw_enable_work(&it.work));  /* count 0 */
	ck_assert(!dw_enable_work(&it.work)); /* not disabled: refused */
	ck_assert_int_eq(rte_errno, EINVAL);
	ck_assert(dw_queue_work(dw_system_wq, &it.work));
	ck_assert_int_ge(dw_flush_work(&it.work), 0); /* 0 if a worker was quicker */
	ck_assert_uint_eq(runs(&it), 1);
	/* Refused queueings count nothing: one queued, one completed. */
	ck_assert_int_eq(dw_wq_stats_get(dw_system_wq, &st), 0);
	ck_assert_uint_eq(st.cancelled, 0);
	ck_assert(!dw_disable_work(NULL));
	ck_assert_int_eq(rte_errno, EINVAL);
	ck_assert_int_eq(dw_disable_work_sync(NULL), -EINVAL);
	lib_down();
}
END_TEST

START_TEST(test_disable_cancels_pending)
{
	struct item blocker = { 0 }, it = { 0 };
	struct dw_wq_stats st;
	struct dw_wq *wq;
	sem_t sem;

	lib_up(NULL);
	wq = queue_behind_blocker("disableq", &blocker, &it, &sem);
	ck_assert(dw_disable_work(&it.work)); /* was pending: taken off */
	ck_assert(!dw_work_pending(&it.work));
	ck_assert(!dw_queue_work(wq, &it.work));
	sem_post(&sem);
	ck_assert_int_eq(dw_flush_wq(wq), 0);
	ck_assert_uint_eq(runs(&it), 0);
	ck_assert_int_eq(dw_wq_stats_get(wq, &st), 0);
	ck_assert_uint_eq(st.cancelled, 1);
	ck_assert_uint_eq(st.queued, st.completed + st.cancelled);
	ck_assert(dw_enable_work(&it.work));
	ck_assert(dw_queue_work(wq, &it.work));
	ck_assert_int_eq(dw_flush_wq(wq), 0);
	ck_assert_uint_eq(runs(&it), 1);
	ck_assert_int_eq(dw_wq_destroy(wq), 0);
	sem_destroy(&sem);
	lib_down();
}
END_TEST

struct disabler {
	struct item *it;
	int rc;
	bool done; /* atomic */
};

static void *
disable_sync_main(void *arg)
{
	struct disabler *d = arg;

	d->rc = dw_disable_work_sync(&d->it->work);
	__atomic_store_n(&d->done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

/* _sync waits for the running instance: the disabler parks while it runs. */
START_TEST(test_disable_sync_waits)
{
	struct item it = { 0 };
	struct disabler d = { .it = &it };
	pthread_t t;
	sem_t sem;

	dw_test_need_pause_points();
	lib_up(NULL);
	sem_init(&sem, 0, 0);
	it.block = &sem;
	dw_work_init(&it.work, item_fn);
	ck_assert(dw_queue_work(dw_system_wq, &it.work));
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&it.inside, __ATOMIC_SEQ_CST) == 1, 10000));
	ck_assert_int_eq(dw_pause_arm("work.cancel.wait_running", 0), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, disable_sync_main, &d), 0);
	ck_assert_int_eq(dw_pause_wait("work.cancel.wait_running", 10000), 0);
	ck_assert_int_eq(dw_pause_release("work.cancel.wait_running"), 0);
	ck_assert(!__atomic_load_n(&d.done, __ATOMIC_SEQ_CST)); /* still running: it waits */
	sem_post(&sem);
	pthread_join(t, NULL);
	ck_assert_int_eq(d.rc, 0);
	ck_assert_uint_eq(runs(&it), 1);
	ck_assert(!dw_work_busy(&it.work));
	ck_assert(!dw_queue_work(dw_system_wq, &it.work));
	ck_assert(dw_enable_work(&it.work));
	sem_destroy(&sem);
	lib_down();
}
END_TEST

START_TEST(test_disable_delayed)
{
	struct item it = { 0 };

	lib_up(NULL);
	dw_delayed_work_init(&it.dwork, delayed_fn);
	ck_assert(dw_queue_delayed_work(dw_system_wq, &it.dwork, 10000000));
	ck_assert(dw_disable_delayed_work(&it.dwork)); /* timer armed: disarmed */
	ck_assert(!dw_work_pending(&it.dwork.work));
	ck_assert(!dw_queue_delayed_work(dw_system_wq, &it.dwork, 1000));
	ck_assert_int_eq(rte_errno, ECANCELED);
	ck_assert_int_eq(dw_mod_delayed_work(dw_system_wq, &it.dwork, 1000), -ECANCELED);
	ck_assert_int_eq(dw_disable_delayed_work_sync(&it.dwork), 0); /* nests */
	ck_assert(!dw_enable_delayed_work(&it.dwork));
	ck_assert(dw_enable_delayed_work(&it.dwork));
	ck_assert(dw_queue_delayed_work(dw_system_wq, &it.dwork, 1000));
	ck_assert_int_ge(dw_flush_delayed_work(&it.dwork), 0);
	ck_assert(DW_TEST_WAIT(runs(&it) == 1, 10000));
	ck_assert_int_eq(dw_disable_delayed_work_sync(&it.dwork), 0);
	ck_assert(dw_enable_delayed_work(&it.dwork));
	lib_down();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("work_api");
	TCase *tc = tcase_create("api");
	TCase *races = tcase_create("races"); /* CK_RUN_CASE=races runs only these */
	TCase *disable = tcase_create("disable");

	tcase_add_test(tc, test_pending_semantics);
	tcase_add_test(tc, test_non_reentrant);
	tcase_add_test(tc, test_ordered_fifo);
	tcase_add_test(tc, test_flush_not_held_by_later);
	tcase_add_test(tc, test_cancel_sync_self_requeue);
	tcase_add_test(tc, test_cancel_pending);
	tcase_add_test(tc, test_stats_sized);
	tcase_add_test(tc, test_delayed_work);
	tcase_add_test(tc, test_delayed_work_realtime);
	tcase_add_test(tc, test_destroy_drains);
	tcase_add_test(tc, test_max_active);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_watchdog);
	tcase_add_test(tc, test_topology_nodes);
	tcase_add_test(races, test_race_flush_delayed_in_transit);
	tcase_add_test(races, test_race_queue_vs_destroy);
	tcase_add_test(races, test_race_pool_stats_vs_fini);
	tcase_add_test(disable, test_disable_nests);
	tcase_add_test(disable, test_disable_cancels_pending);
	tcase_add_test(disable, test_disable_sync_waits);
	tcase_add_test(disable, test_disable_delayed);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, races);
	suite_add_tcase(s, disable);
	return dw_test_run(s);
}
