/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Several threads throw millions of queue / delayed queue / mod / cancel /
 * cancel_sync / flush operations at a shared set of items on three kinds of
 * queues (bound on a fake 2-node topology, unbound, ordered). Every successful
 * queueing must end as exactly one run or one cancellation, per item and per
 * queue. DW_STRESS_OPS scales the operation count (sanitizer builds lower it).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "dw_test.h"
#include "dw_work.h"

#define NITEMS 64
#define NTHREADS 4
#define NWQ 3

struct sitem {
	struct dw_delayed_work dw;
	struct dw_wq *wq;
	uint64_t queued;    /* atomic: successful queueings */
	uint64_t cancelled; /* atomic: pending instances cancelled */
	uint64_t ran;	    /* atomic */
	uint32_t inside;    /* atomic */
	uint32_t overlap;   /* atomic */
};

static struct sitem items[NITEMS];
static struct dw_wq *wqs[NWQ];

static void
stress_fn(struct dw_work *w)
{
	struct sitem *it = container_of(dw_to_delayed_work(w), struct sitem, dw);

	if (__atomic_add_fetch(&it->inside, 1, __ATOMIC_SEQ_CST) > 1)
		__atomic_store_n(&it->overlap, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&it->ran, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&it->inside, 1, __ATOMIC_SEQ_CST);
}

struct worker_arg {
	unsigned int seed;
	unsigned long ops;
};

static void *
stress_main(void *arg)
{
	struct worker_arg *a = arg;
	unsigned long i;
	int rc;

	for (i = 0; i < a->ops; i++) {
		unsigned int r = (unsigned int)rand_r(&a->seed);
		struct sitem *it = &items[r % NITEMS];

		switch ((r >> 8) % 16) {
		case 0 ... 5:
			if (dw_queue_work_on((int)((r >> 12) % 3) - 1, it->wq, &it->dw.work))
				__atomic_add_fetch(&it->queued, 1, __ATOMIC_RELAXED);
			break;
		case 6 ... 7:
			if (dw_queue_delayed_work(it->wq, &it->dw, (r >> 12) % 200))
				__atomic_add_fetch(&it->queued, 1, __ATOMIC_RELAXED);
			break;
		case 8:
			rc = dw_mod_delayed_work(it->wq, &it->dw, (r >> 12) % 100);
			if (rc == 0)
				__atomic_add_fetch(&it->queued, 1, __ATOMIC_RELAXED);
			break;
		case 9 ... 10:
			if (dw_cancel_delayed_work(&it->dw))
				__atomic_add_fetch(&it->cancelled, 1, __ATOMIC_RELAXED);
			break;
		case 11:
			if (dw_cancel_work(&it->dw.work))
				__atomic_add_fetch(&it->cancelled, 1, __ATOMIC_RELAXED);
			break;
		case 12:
			rc = dw_cancel_delayed_work_sync(&it->dw);
			if (rc == 1)
				__atomic_add_fetch(&it->cancelled, 1, __ATOMIC_RELAXED);
			break;
		case 13:
			dw_flush_work(&it->dw.work);
			break;
		case 14:
			dw_flush_delayed_work(&it->dw);
			break;
		default:
			if ((r >> 12) % 64 == 0)
				dw_flush_wq(it->wq);
			break;
		}
	}
	return NULL;
}

START_TEST(test_every_item_accounted)
{
	/* A stall (lost wake-up) shows up as a watchdog hit: none is allowed. */
	struct dw_work_lib_conf c = {
		.size = sizeof(c),
		.watchdog_thresh_ms = 5000,
	};
	struct dw_pool_stats ps;
	struct dw_wq_conf un = { .size = sizeof(un), .flags = DW_WQ_UNBOUND };
	struct dw_wq_conf ord = { .size = sizeof(ord), .flags = DW_WQ_ORDERED };
	struct worker_arg args[NTHREADS];
	pthread_t t[NTHREADS];
	const char *env = getenv("DW_STRESS_OPS");
	unsigned long ops = env != NULL ? strtoul(env, NULL, 10) : 2000000;
	uint64_t q = 0, r = 0, x = 0, t0;
	struct dw_wq_stats st;
	unsigned int i;

	dw_test_fake_topology("2x1");
	ck_assert_int_eq(dw_work_lib_init(&c), 0);
	wqs[0] = dw_system_wq;
	wqs[1] = dw_wq_create("stress_unbound", &un);
	wqs[2] = dw_wq_create("stress_ordered", &ord);
	for (i = 0; i < NITEMS; i++) {
		dw_delayed_work_init(&items[i].dw, stress_fn);
		items[i].wq = wqs[i % NWQ];
	}
	t0 = dw_test_now_ms();
	for (i = 0; i < NTHREADS; i++) {
		args[i] = (struct worker_arg){ .seed = 1234 + i, .ops = ops / NTHREADS };
		pthread_create(&t[i], NULL, stress_main, &args[i]);
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	/* Quiesce: fire timers and wait for everything. */
	for (i = 0; i < NITEMS; i++)
		ck_assert_int_ge(dw_flush_delayed_work(&items[i].dw), 0);
	for (i = 0; i < NWQ; i++)
		ck_assert_int_eq(dw_flush_wq(wqs[i]), 0);
	for (i = 0; i < NITEMS; i++) {
		struct sitem *it = &items[i];

		ck_assert(!dw_work_busy(&it->dw.work));
		ck_assert_uint_eq(it->overlap, 0);
		ck_assert_msg(it->queued == it->ran + it->cancelled,
			      "item %u: queued %lu ran %lu cancelled %lu", i,
			      (unsigned long)it->queued, (unsigned long)it->ran,
			      (unsigned long)it->cancelled);
		q += it->queued;
		r += it->ran;
		x += it->cancelled;
	}
	printf("%lu ops in %lu ms: %lu queued = %lu ran + %lu cancelled\n", ops,
	       (unsigned long)(dw_test_now_ms() - t0), (unsigned long)q, (unsigned long)r,
	       (unsigned long)x);
	ck_assert_uint_gt(r, 1000);
	ck_assert_uint_gt(x, 100);
	/* The queues' own counters agree. */
	for (i = 1; i < NWQ; i++) {
		ck_assert_int_eq(dw_wq_stats_get(wqs[i], &st), 0);
		ck_assert_uint_eq(st.queued, st.completed + st.cancelled);
		ck_assert_uint_eq(st.pending, 0);
		ck_assert_uint_eq(st.running, 0);
	}
	for (i = 0; i < dw_pool_count(); i++) {
		ck_assert_int_eq(dw_pool_stats_get(i, &ps), 0);
		ck_assert_uint_eq(ps.watchdog_hits, 0);
	}
	ck_assert_int_eq(dw_work_lib_fini(), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("work_stress");
	TCase *tc = tcase_create("stress");

	tcase_add_test(tc, test_every_item_accounted);
	suite_add_tcase(s, tc);
	return dw_test_run(s);
}
