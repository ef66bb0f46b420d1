/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Blocking detected from perf context-switch records (pool_perf.c), with the
 * /proc monitor off so that nothing else can detect it: on a one-CPU pool, a
 * worker asleep in an unannotated read() gets another worker started for the
 * next item; a CPU-bound worker that other threads preempt does not.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "dw_test.h"
#include "dw_work.h"

static int pipefd[2];
static bool a_started, a_done, b_done;
static uint64_t a_end_ms, b_start_ms;
static long a_nivcsw;

static bool
lib_up(void)
{
	struct dw_work_lib_conf c = {
		.size = sizeof(c),
		.concurrency = 1,
		.flags = DW_WORK_LIB_F_NO_MONITOR,
	};
	struct dw_pool_stats st;

	dw_test_fake_topology("1x1");
	ck_assert_int_eq(dw_work_lib_init(&c), 0);
	a_started = a_done = b_done = false;
	/* Workers open their events as their threads start. */
	DW_TEST_WAIT(dw_pool_stats_get(0, &st) == 0 && st.perf_events, 2000);
	if (!st.perf_events)
		printf("skipped: perf_event_open refused here (kernel.perf_event_paranoid?)\n");
	return st.perf_events;
}

static uint64_t
blocked_perf(void)
{
	struct dw_pool_stats st;

	ck_assert_int_eq(dw_pool_stats_get(0, &st), 0);
	return st.blocked_perf;
}

static void
reader(struct dw_work *w)
{
	char c;

	RTE_SET_USED(w);
	__atomic_store_n(&a_started, true, __ATOMIC_RELEASE);
	ck_assert_int_eq(read(pipefd[0], &c, 1), 1); /* asleep, no annotation */
	__atomic_store_n(&a_done, true, __ATOMIC_RELEASE);
}

static void
second(struct dw_work *w)
{
	RTE_SET_USED(w);
	b_start_ms = dw_test_now_ms();
	__atomic_store_n(&b_done, true, __ATOMIC_RELEASE);
}

START_TEST(test_unannotated_read_gets_a_worker)
{
	struct dw_work a, b;

	ck_assert_int_eq(pipe(pipefd), 0);
	if (!lib_up())
		goto out;
	dw_work_init(&a, reader);
	dw_work_init(&b, second);
	ck_assert(dw_queue_work(dw_system_wq, &a));
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&a_started, __ATOMIC_ACQUIRE), 2000));
	ck_assert(dw_queue_work(dw_system_wq, &b));
	/* Only the context-switch record can tell the pool that A sleeps. */
	ck_assert_msg(
	    DW_TEST_WAIT(__atomic_load_n(&b_done, __ATOMIC_ACQUIRE), 2000 * dw_test_time_scale()),
	    "the second item did not start while the first slept in read()");
	ck_assert(!__atomic_load_n(&a_done, __ATOMIC_ACQUIRE));
	ck_assert_uint_ge(blocked_perf(), 1);
	ck_assert_int_eq(write(pipefd[1], "x", 1), 1);
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&a_done, __ATOMIC_ACQUIRE), 2000));
out:
	ck_assert_int_eq(dw_work_lib_fini(), 0);
	close(pipefd[0]);
	close(pipefd[1]);
}
END_TEST

static bool spin_stop;

static void *
spinner(void *arg)
{
	RTE_SET_USED(arg);
	while (!__atomic_load_n(&spin_stop, __ATOMIC_RELAXED))
		;
	return NULL;
}

static void
hog(struct dw_work *w)
{
	struct rusage r0, r1;

	RTE_SET_USED(w);
	getrusage(RUSAGE_THREAD, &r0);
	__atomic_store_n(&a_started, true, __ATOMIC_RELEASE);
	dw_test_spin_us(200000);
	getrusage(RUSAGE_THREAD, &r1);
	a_nivcsw = r1.ru_nivcsw - r0.ru_nivcsw;
	a_end_ms = dw_test_now_ms();
	__atomic_store_n(&a_done, true, __ATOMIC_RELEASE);
}

START_TEST(test_preempted_worker_keeps_its_slot)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN), i;
	pthread_t spin[8];
	struct dw_work a, b;

	if (!lib_up())
		goto out;
	if (ncpu > (long)RTE_DIM(spin))
		ncpu = RTE_DIM(spin);
	/* One spinner per CPU: the hog shares its CPU and gets preempted. */
	__atomic_store_n(&spin_stop, false, __ATOMIC_RELAXED);
	for (i = 0; i < ncpu; i++)
		ck_assert_int_eq(pthread_create(&spin[i], NULL, spinner, NULL), 0);
	dw_work_init(&a, hog);
	dw_work_init(&b, second);
	ck_assert(dw_queue_work(dw_system_wq, &a));
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&a_started, __ATOMIC_ACQUIRE), 2000));
	ck_assert(dw_queue_work(dw_system_wq, &b));
	ck_assert(
	    DW_TEST_WAIT(__atomic_load_n(&b_done, __ATOMIC_ACQUIRE), 5000 * dw_test_time_scale()));
	__atomic_store_n(&spin_stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < ncpu; i++)
		pthread_join(spin[i], NULL);
	printf("hog preempted %ld times\n", a_nivcsw);
	/* Preemption is not blocking: B waited for A's slot. */
	ck_assert_uint_eq(blocked_perf(), 0);
	ck_assert_uint_ge(b_start_ms, a_end_ms);
out:
	ck_assert_int_eq(dw_work_lib_fini(), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("work_perf");
	TCase *tc = tcase_create("work_perf");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_unannotated_read_gets_a_worker);
	tcase_add_test(tc, test_preempted_worker_keeps_its_slot);
	suite_add_tcase(s, tc);
	return dw_test_run(s);
}
