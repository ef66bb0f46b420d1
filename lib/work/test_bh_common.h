/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_BH_COMMON_H
#define TEST_BH_COMMON_H

/*
 * Set-up and helpers shared by the BH lane suites (test_bh.c, test_bh_race.c):
 * EAL on lcores 0-1 with BH lanes, an optional run loop on lcore 1, a
 * counting item, and a producer that queues from another thread or lcore.
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "dw_bh.h"
#include "dw_clock.h"
#include "dw_debug.h"
#include "dw_test.h"
#include "dw_work.h"

static unsigned int worker_lcore;
static bool loop_stop; /* atomic */
static bool loop_done; /* atomic: lets TSan see the lcore end (EAL is not instrumented) */
/*
 * Set before up(): the lanes use seq-cst fences instead of membarrier()
 * (DW_BH_NO_MEMBARRIER), so a test covers the fallback too.
 */
static bool fences_seqcst;

/* A minimal run loop for lcore 1: run the lane until told to stop. */
static __rte_unused int
loop_main(void *arg)
{
	RTE_SET_USED(arg);
	while (!__atomic_load_n(&loop_stop, __ATOMIC_ACQUIRE))
		dw_bh_lane_run(32, 50000);
	__atomic_store_n(&loop_done, true, __ATOMIC_RELEASE);
	return 0;
}

static __rte_unused void
up(bool with_loop)
{
	static const char *const args[] = { "-l", "0-1", NULL };

	ck_assert_int_ge(dw_test_eal_init(args), 0);
	ck_assert_int_eq(dw_work_lib_init(NULL), 0);
	if (fences_seqcst)
		setenv("DW_BH_NO_MEMBARRIER", "1", 1);
	else
		unsetenv("DW_BH_NO_MEMBARRIER");
	ck_assert_int_eq(dw_bh_init(), 0);
	ck_assert_ptr_nonnull(dw_system_bh_wq);
	worker_lcore = rte_get_next_lcore(-1, 1, 0);
	ck_assert_uint_lt(worker_lcore, RTE_MAX_LCORE);
	__atomic_store_n(&loop_stop, false, __ATOMIC_RELEASE);
	__atomic_store_n(&loop_done, !with_loop, __ATOMIC_RELEASE);
	if (with_loop)
		ck_assert_int_eq(rte_eal_remote_launch(loop_main, NULL, worker_lcore), 0);
}

static __rte_unused void
stop_loop(void)
{
	__atomic_store_n(&loop_stop, true, __ATOMIC_RELEASE);
	rte_eal_mp_wait_lcore();
	while (!__atomic_load_n(&loop_done, __ATOMIC_ACQUIRE))
		;
}

static __rte_unused void
down(void)
{
	stop_loop();
	ck_assert_int_eq(dw_work_lib_fini(), 0);
	rte_eal_cleanup();
	fences_seqcst = false; /* each test chooses its own */
}

struct bitem {
	struct dw_work work;
	struct dw_delayed_work dw;
	uint32_t runs; /* atomic */
	unsigned int lcore;
	uint32_t requeue;
	uint64_t ran_at_ms;
	struct dw_wq *wq;
	int self_rc;
};

static __rte_unused void
bitem_fn(struct dw_work *w)
{
	struct bitem *b = container_of(w, struct bitem, work);

	b->lcore = rte_lcore_id();
	__atomic_add_fetch(&b->runs, 1, __ATOMIC_SEQ_CST);
	if (b->requeue > 0) {
		b->requeue--;
		dw_queue_work_on((int)b->lcore, b->wq, w);
	}
}

static __rte_unused void
bdelayed_fn(struct dw_work *w)
{
	struct bitem *b = container_of(dw_to_delayed_work(w), struct bitem, dw);

	b->lcore = rte_lcore_id();
	__atomic_store_n(&b->ran_at_ms, dw_test_now_ms(), __ATOMIC_RELAXED);
	__atomic_add_fetch(&b->runs, 1, __ATOMIC_SEQ_CST);
}

static __rte_unused uint32_t
runs_of(struct bitem *b)
{
	return __atomic_load_n(&b->runs, __ATOMIC_SEQ_CST);
}

/* Queue @work on lane @lcore from another thread or lcore (a racing producer). */
struct producer {
	struct dw_work *work;
	struct dw_delayed_work *dwork; /* set: arm it for delay_us instead */
	uint64_t delay_us;
	struct dw_wq *wq;
	int lcore;
	bool run_lane; /* on an lcore: run its own lane afterwards (lcore_produce()) */
	bool ok;
	int err;   /* rte_errno after a failed queueing */
	bool done; /* atomic: set when the call returned */
};

static __rte_unused void *
produce_main(void *arg)
{
	struct producer *p = arg;

	if (p->dwork != NULL)
		p->ok = dw_queue_delayed_work_on(p->lcore, p->wq, p->dwork, p->delay_us);
	else
		p->ok = dw_queue_work_on(p->lcore, p->wq, p->work);
	p->err = p->ok ? 0 : rte_errno;
	__atomic_store_n(&p->done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

/* rte_eal_remote_launch() body: produce from lcore 1 (its per-lcore counters, its own lane). */
static __rte_unused int
lcore_produce(void *arg)
{
	struct producer *p = arg;

	produce_main(p);
	if (p->run_lane)
		while (dw_bh_lane_run(64, 0) > 0)
			;
	__atomic_store_n(&loop_done, true, __ATOMIC_RELEASE);
	return 0;
}

/* Launch lcore_produce() on lcore 1 (up(false) first; down() waits for it). */
static __rte_unused void
launch_producer(struct producer *p)
{
	__atomic_store_n(&loop_done, false, __ATOMIC_RELEASE);
	ck_assert_int_eq(rte_eal_remote_launch(lcore_produce, p, worker_lcore), 0);
}

#endif /* TEST_BH_COMMON_H */
