/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Concurrency management on a 2-CPU pool (fake 1x2 topology): sleeping items
 * overlap whether they say they block or not, CPU-bound items never run more
 * than the pool's CPUs at once, work that waits on work completes, and CPU
 * hogs do not starve short items.
 */
#include <pthread.h>
#include <stdlib.h>

#include "dw_test.h"
#include "dw_work.h"

#define NSLEEP 64
#define SLEEP_US 50000

static uint32_t running_now, running_max;

/* @ms scaled, but never past @cap: the point each bound makes must survive. */
static uint64_t
bound_ms(uint64_t ms, uint64_t cap)
{
	return RTE_MIN(ms * dw_test_time_scale(), cap);
}

static void
enter(void)
{
	uint32_t in = __atomic_add_fetch(&running_now, 1, __ATOMIC_SEQ_CST);
	uint32_t max = __atomic_load_n(&running_max, __ATOMIC_RELAXED);

	while (in > max && !__atomic_compare_exchange_n(&running_max, &max, in, false,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static void
leave(void)
{
	__atomic_sub_fetch(&running_now, 1, __ATOMIC_SEQ_CST);
}

static void
lib_up(uint32_t flags)
{
	struct dw_work_lib_conf c = {
		.size = sizeof(c),
		.flags = flags,
	};

	dw_test_fake_topology("1x2");
	ck_assert_int_eq(dw_work_lib_init(&c), 0);
	running_now = running_max = 0;
}

static void
sleep_annotated(struct dw_work *w)
{
	RTE_SET_USED(w);
	dw_blocking_begin();
	dw_test_sleep_us(SLEEP_US);
	dw_blocking_end();
}

static void
sleep_plain(struct dw_work *w)
{
	RTE_SET_USED(w);
	dw_test_sleep_us(SLEEP_US);
}

static uint64_t
run_batch(dw_work_func_t fn, unsigned int n)
{
	struct dw_work *w = calloc(n, sizeof(*w));
	uint64_t t0 = dw_test_now_ms();
	unsigned int i;

	for (i = 0; i < n; i++) {
		dw_work_init(&w[i], fn);
		ck_assert(dw_queue_work(dw_system_wq, &w[i]));
	}
	ck_assert_int_eq(dw_flush_wq(dw_system_wq), 0);
	t0 = dw_test_now_ms() - t0;
	free(w);
	return t0;
}

START_TEST(test_sleepers_annotated)
{
	struct dw_pool_stats st;
	uint64_t ms;

	lib_up(DW_WORK_LIB_F_NO_MONITOR); /* annotations alone must do it */
	ms = run_batch(sleep_annotated, NSLEEP);
	ck_assert_int_eq(dw_pool_stats_get(0, &st), 0);
	printf("annotated: %u x %u ms on 2 CPUs in %lu ms (serial/2 = %u), peak workers %u, "
	       "cm wakeups %lu\n",
	       NSLEEP, SLEEP_US / 1000, (unsigned long)ms, NSLEEP * SLEEP_US / 2000,
	       st.peak_workers, (unsigned long)st.cm_wakeups);
	ck_assert_uint_lt(ms, bound_ms(NSLEEP * SLEEP_US / 2000 / 4, NSLEEP * SLEEP_US / 2000));
	ck_assert_uint_gt(st.peak_workers, 2);
	ck_assert_int_eq(dw_work_lib_fini(), 0);
}
END_TEST

START_TEST(test_sleepers_unannotated)
{
	struct dw_pool_stats st;
	uint64_t ms;

	lib_up(0); /* the monitor has to notice */
	/* Let the manager settle into its long idle period first: work must wake it. */
	dw_test_sleep_us(300000);
	ms = run_batch(sleep_plain, NSLEEP);
	ck_assert_int_eq(dw_pool_stats_get(0, &st), 0);
	printf("unannotated: %u x %u ms in %lu ms, blocked detected %lu (monitor) %lu (perf), "
	       "peak workers %u\n",
	       NSLEEP, SLEEP_US / 1000, (unsigned long)ms, (unsigned long)st.blocked_detected,
	       (unsigned long)st.blocked_perf, st.peak_workers);
	ck_assert_uint_lt(ms, bound_ms(NSLEEP * SLEEP_US / 2000 / 2, NSLEEP * SLEEP_US / 2000));
	/* Context-switch records see it first where the kernel allows them. */
	ck_assert_uint_gt(st.blocked_detected + st.blocked_perf, 0);
	ck_assert_int_eq(dw_work_lib_fini(), 0);
}
END_TEST

static void
cpu_item(struct dw_work *w)
{
	RTE_SET_USED(w);
	enter();
	dw_test_spin_us(3000);
	leave();
}

START_TEST(test_cpu_bound_capped)
{
	struct dw_pool_stats st;

	lib_up(0);
	run_batch(cpu_item, 200);
	ck_assert_int_eq(dw_pool_stats_get(0, &st), 0);
	printf("cpu-bound: max running at once %u (pool concurrency %u)\n", running_max,
	       st.concurrency);
	ck_assert_uint_le(running_max, 2);
	ck_assert_uint_ge(running_max, 1);
	ck_assert_int_eq(dw_work_lib_fini(), 0);
}
END_TEST

#define CHAIN 12
static struct dw_work chain[CHAIN];
static uint32_t chain_done;

static void
chain_fn(struct dw_work *w)
{
	unsigned int i = (unsigned int)(w - chain);

	if (i + 1 < CHAIN) {
		dw_queue_work(dw_system_wq, &chain[i + 1]);
		ck_assert_int_ge(dw_flush_work(&chain[i + 1]), 0);
	}
	__atomic_add_fetch(&chain_done, 1, __ATOMIC_SEQ_CST);
}

START_TEST(test_work_waits_on_work)
{
	unsigned int i;

	lib_up(DW_WORK_LIB_F_NO_MONITOR);
	for (i = 0; i < CHAIN; i++)
		dw_work_init(&chain[i], chain_fn);
	ck_assert(dw_queue_work(dw_system_wq, &chain[0]));
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&chain_done, __ATOMIC_SEQ_CST) == CHAIN, 10000));
	ck_assert_int_eq(dw_work_lib_fini(), 0);
}
END_TEST

#define NSHORT 20
static uint64_t short_done_ms[NSHORT];
static struct dw_work shorts[NSHORT];

static void
hog_fn(struct dw_work *w)
{
	RTE_SET_USED(w);
	dw_test_spin_us(400000);
}

static void
short_fn(struct dw_work *w)
{
	dw_test_spin_us(200);
	short_done_ms[w - shorts] = dw_test_now_ms();
}

static void
hogs_vs_shorts(struct dw_wq *hog_wq, uint64_t *worst_ms)
{
	struct dw_work hogs[2];
	uint64_t t0;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		dw_work_init(&hogs[i], hog_fn);
		ck_assert(dw_queue_work(hog_wq, &hogs[i]));
	}
	dw_test_sleep_us(5000);
	t0 = dw_test_now_ms();
	for (i = 0; i < NSHORT; i++) {
		short_done_ms[i] = 0;
		dw_work_init(&shorts[i], short_fn);
		ck_assert(dw_queue_work(dw_system_wq, &shorts[i]));
	}
	ck_assert_int_eq(dw_flush_wq(dw_system_wq), 0);
	ck_assert_int_eq(dw_flush_wq(hog_wq), 0);
	*worst_ms = 0;
	for (i = 0; i < NSHORT; i++)
		*worst_ms = RTE_MAX(*worst_ms, short_done_ms[i] - t0);
}

START_TEST(test_hogs_do_not_starve)
{
	struct dw_wq_conf c = { .size = sizeof(c), .flags = DW_WQ_CPU_INTENSIVE };
	struct dw_pool_stats st;
	struct dw_wq *intensive;
	uint64_t worst;

	/* Hogs on the bound queue, caught by run-time detection. */
	lib_up(0);
	hogs_vs_shorts(dw_system_wq, &worst);
	ck_assert_int_eq(dw_pool_stats_get(0, &st), 0);
	printf("hogs detected %lu; shorts done within %lu ms (hogs run 400 ms)\n",
	       (unsigned long)st.hogs_detected, (unsigned long)worst);
	if (dw_test_time_scale() == 1) /* a sanitizer may show them asleep rather than hogging */
		ck_assert_uint_ge(st.hogs_detected, 1);
	ck_assert_uint_lt(worst, bound_ms(300, 390));
	/* Declared CPU intensive: they never counted in the first place. */
	intensive = dw_wq_create("hogs", &c);
	hogs_vs_shorts(intensive, &worst);
	printf("declared intensive: shorts done within %lu ms\n", (unsigned long)worst);
	ck_assert_uint_lt(worst, bound_ms(300, 390));
	ck_assert_int_eq(dw_wq_destroy(intensive), 0);
	ck_assert_int_eq(dw_work_lib_fini(), 0);
}
END_TEST

START_TEST(test_idle_reaping)
{
	struct dw_work_lib_conf c = {
		.size = sizeof(c),
		.idle_timeout_ms = 100,
	};
	struct dw_pool_stats st;

	dw_test_fake_topology("1x2");
	ck_assert_int_eq(dw_work_lib_init(&c), 0);
	run_batch(sleep_annotated, 16);
	ck_assert_int_eq(dw_pool_stats_get(0, &st), 0);
	ck_assert_uint_ge(st.peak_workers, 8);
	/* Surplus goes away after the idle timeout; at least 2 stay. */
	ck_assert(DW_TEST_WAIT((dw_pool_stats_get(0, &st), st.nr_workers <= 2), 3000));
	ck_assert_uint_ge(st.nr_workers, 2);
	ck_assert_uint_ge(st.workers_reaped, 6);
	ck_assert_int_eq(dw_work_lib_fini(), 0);
}
END_TEST

static uint64_t short_started_ms;

static void
mark_start(struct dw_work *w)
{
	RTE_SET_USED(w);
	__atomic_store_n(&short_started_ms, dw_test_now_ms(), __ATOMIC_RELEASE);
}

START_TEST(test_monitor_wakes_after_idle)
{
	struct dw_work sleepers[2], quick;
	uint64_t t0, waited;
	unsigned int i;

	lib_up(0);
	run_batch(sleep_annotated, 6); /* leave several idle workers behind */
	/* Quiet long enough for the manager to take its long idle period. */
	dw_test_sleep_us(300000);
	t0 = dw_test_now_ms();
	for (i = 0; i < 2; i++) {
		dw_work_init(&sleepers[i], sleep_plain); /* unannotated: only the monitor sees it */
		ck_assert(dw_queue_work(dw_system_wq, &sleepers[i]));
	}
	dw_work_init(&quick, mark_start);
	ck_assert(dw_queue_work(dw_system_wq, &quick));
	ck_assert_int_eq(dw_flush_wq(dw_system_wq), 0);
	waited = __atomic_load_n(&short_started_ms, __ATOMIC_ACQUIRE) - t0;
	printf("after idle: short item started %lu ms after two unannotated 50 ms sleepers\n",
	       (unsigned long)waited);
	ck_assert_uint_lt(waited, bound_ms(30, 45));
	ck_assert_int_eq(dw_work_lib_fini(), 0);
}
END_TEST

START_TEST(test_thread_cap)
{
	struct dw_work_lib_conf c = {
		.size = sizeof(c),
		.max_threads = 6,
		.flags = DW_WORK_LIB_F_NO_MONITOR,
	};
	struct dw_pool_stats st;
	unsigned int i, workers = 0;

	/* 16 sleepers would take 16 workers; the cap holds the total at 6, and they still finish.
	 */
	dw_test_fake_topology("1x2");
	ck_assert_int_eq(dw_work_lib_init(&c), 0);
	run_batch(sleep_annotated, 16);
	for (i = 0; i < dw_pool_count(); i++) {
		ck_assert_int_eq(dw_pool_stats_get(i, &st), 0);
		workers += st.peak_workers;
	}
	ck_assert_int_eq(dw_pool_stats_get(0, &st), 0);
	printf("thread cap 6: peak workers over all pools %u, pool 0 creation failures %lu\n",
	       workers, (unsigned long)st.create_failures);
	ck_assert_uint_le(workers, 6);
	ck_assert_uint_ge(st.create_failures, 1);
	ck_assert_int_eq(dw_work_lib_fini(), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("work_cm");
	TCase *tc = tcase_create("cm");

	tcase_add_test(tc, test_sleepers_annotated);
	tcase_add_test(tc, test_sleepers_unannotated);
	tcase_add_test(tc, test_cpu_bound_capped);
	tcase_add_test(tc, test_work_waits_on_work);
	tcase_add_test(tc, test_hogs_do_not_starve);
	tcase_add_test(tc, test_idle_reaping);
	tcase_add_test(tc, test_thread_cap);
	tcase_add_test(tc, test_monitor_wakes_after_idle);
	suite_add_tcase(s, tc);
	return dw_test_run(s);
}
