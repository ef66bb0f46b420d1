/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Idle workers: which one a wake-up takes, and when the reaper may take one.
 *
 * Which one a wake-up takes (idle_choose() in pool.c): the kernel may
 * start a woken thread on the CPU it last ran on even when another CPU idles,
 * so the pool wakes the worker parked where the CPU is free: the blocker's own
 * CPU first, then a CPU no running worker is on, and pins the worker for its
 * wake-up when none is parked there. The CPUs are the pool's view, faked per
 * thread through work_lib.cpu_hook, and the idle workers' CPUs are set under
 * the pool lock, so what is asserted does not depend on the real scheduler.
 */
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dw_debug.h"
#include "dw_test.h"
#include "dw_work.h"
#include "work_private.h"

/* The CPU each thread reports to the pool; a worker keeps what its items set. */
static __thread int fake_cpu = 900;

static int
fake_cpu_hook(void)
{
	return fake_cpu;
}

static struct pool *
pool0(void)
{
	return work_lib.pools[0];
}

static void
lib_up(const char *topo)
{
	struct dw_work_lib_conf c = {
		.size = sizeof(c),
		/* Nothing but the annotations and the queueing may wake a worker. */
		.flags = DW_WORK_LIB_F_NO_MONITOR | DW_WORK_LIB_F_NO_PERF,
	};

	__atomic_store_n(&work_lib.cpu_hook, fake_cpu_hook, __ATOMIC_SEQ_CST);
	dw_test_fake_topology(topo);
	ck_assert_int_eq(dw_work_lib_init(&c), 0);
}

static void
lib_down(void)
{
	ck_assert_int_eq(dw_work_lib_fini(), 0);
	__atomic_store_n(&work_lib.cpu_hook, NULL, __ATOMIC_SEQ_CST);
}

/* --- idle workers on demand --- */

static sem_t parked_release;
static uint32_t parked_started;

static void
block_until_released(struct dw_work *w)
{
	RTE_SET_USED(w);
	__atomic_add_fetch(&parked_started, 1, __ATOMIC_SEQ_CST);
	dw_blocking_begin();
	while (sem_wait(&parked_release) < 0)
		;
	dw_blocking_end();
}

/*
 * At least @p n idle workers, @p running running (a woken worker counts as
 * running until it parks), nothing pending, and every thread started: a new
 * thread sets its CPU as it parks.
 */
static bool
quiet(unsigned int n, unsigned int running)
{
	struct pool *pool = pool0();
	struct worker *w;
	bool ok;

	pthread_mutex_lock(&pool->lock);
	ok = pool->nr_idle >= n && pool->nr_running == running && pool->nr_pending == 0;
	TAILQ_FOREACH(w, &pool->workers, all_entry)
		ok = ok && w->tid != 0;
	pthread_mutex_unlock(&pool->lock);
	return ok;
}

/* @p n items blocked at once, so each has its own worker, then released and done. */
static void
block_n(unsigned int n)
{
	struct dw_work w[8];
	unsigned int i;

	ck_assert_uint_le(n, RTE_DIM(w));
	sem_init(&parked_release, 0, 0);
	parked_started = 0;
	for (i = 0; i < n; i++) {
		dw_work_init(&w[i], block_until_released);
		ck_assert(dw_queue_work(dw_system_wq, &w[i]));
	}
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&parked_started, __ATOMIC_SEQ_CST) == n, 5000));
	for (i = 0; i < n; i++)
		sem_post(&parked_release);
	ck_assert_int_eq(dw_flush_wq(dw_system_wq), 0);
	/* Every worker parked: none still on its way to the idle list. */
	ck_assert(DW_TEST_WAIT(quiet(n, 0), 5000));
	sem_destroy(&parked_release);
}

/*
 * Pool lock held: give every idle worker @p cpu but the least recently parked
 * one, which gets @p last_cpu; returns that one. The most recently parked one
 * (what the pool woke before) is then on @p cpu.
 */
static struct worker *
idle_cpus_set(int cpu, int last_cpu)
{
	struct worker *w, *last = NULL;

	TAILQ_FOREACH(w, &pool0()->idle_list, idle_entry) {
		w->cpu = cpu;
		last = w;
	}
	ck_assert_ptr_nonnull(last);
	ck_assert_ptr_ne(last, TAILQ_FIRST(&pool0()->idle_list));
	last->cpu = last_cpu;
	return last;
}

/* --- items --- */

struct runner {
	struct dw_work work;
	int cpu;	   /* fake CPU it reports once it runs */
	bool block;	   /* after go: dw_blocking_begin() until @p until is set */
	bool started;	   /* atomic */
	bool go;	   /* atomic: set by the test */
	bool *until;	   /* atomic */
	struct worker *wk; /* the worker running it */
};

static void
runner_fn(struct dw_work *w)
{
	struct runner *r = container_of(w, struct runner, work);

	fake_cpu = r->cpu;
	r->wk = current_worker();
	__atomic_store_n(&r->started, true, __ATOMIC_RELEASE);
	/* Runs (counted in nr_running) until the test says go. */
	while (!__atomic_load_n(&r->go, __ATOMIC_ACQUIRE))
		sched_yield();
	if (!r->block)
		return;
	dw_blocking_begin();
	while (!__atomic_load_n(r->until, __ATOMIC_ACQUIRE))
		sched_yield();
	dw_blocking_end();
}

/* Start a runner; @p running: how many then run, counted, once no other worker is on its way. */
static void
runner_start(struct runner *r, int cpu, bool block, bool *until, unsigned int running)
{
	memset(r, 0, sizeof(*r));
	r->cpu = cpu;
	r->block = block;
	r->until = until;
	dw_work_init(&r->work, runner_fn);
	ck_assert(dw_queue_work(dw_system_wq, &r->work));
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&r->started, __ATOMIC_ACQUIRE), 5000));
	/* A second worker the queueing or the manager woke meanwhile parks again. */
	ck_assert(DW_TEST_WAIT(quiet(1, running), 5000));
}

/* The item whose worker the test checks. */
static struct {
	struct dw_work work;
	struct worker *wk;
	bool affinity_restored;
	bool done; /* atomic */
} probe;

static void
probe_fn(struct dw_work *w)
{
	rte_cpuset_t now;

	RTE_SET_USED(w);
	probe.wk = current_worker();
	probe.affinity_restored =
	    sched_getaffinity(0, sizeof(now), &now) == 0 && CPU_EQUAL(&now, &probe.wk->cpus);
	__atomic_store_n(&probe.done, true, __ATOMIC_RELEASE);
}

static void
probe_queue(void)
{
	memset(&probe, 0, sizeof(probe));
	dw_work_init(&probe.work, probe_fn);
	ck_assert(dw_queue_work(dw_system_wq, &probe.work));
}

static struct dw_pool_stats
pool0_stats(void)
{
	struct dw_pool_stats st;

	ck_assert_int_eq(dw_pool_stats_get(0, &st), 0);
	return st;
}

/*
 * One CPU's worth of concurrency: a runner on CPU 3 blocks while an item
 * waits. The idle worker parked on CPU 3 takes it, not the most recently
 * parked one (on CPU 7), which is what the pool woke before.
 */
START_TEST(test_wake_on_blocker_cpu)
{
	struct worker *expect;
	struct runner r;

	lib_up("1x1");
	block_n(3);
	runner_start(&r, 3, true, &probe.done, 1);
	probe_queue();
	ck_assert_uint_eq(pool0_stats().nr_pending, 1); /* the one CPU is taken: it waits */
	pthread_mutex_lock(&pool0()->lock);
	expect = idle_cpus_set(7, 3);
	pthread_mutex_unlock(&pool0()->lock);
	__atomic_store_n(&r.go, true, __ATOMIC_RELEASE);
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&probe.done, __ATOMIC_ACQUIRE), 5000));
	ck_assert_msg(probe.wk == expect,
		      "the replacement was not the worker parked on the blocker's CPU");
	ck_assert_int_eq(dw_flush_wq(dw_system_wq), 0);
	lib_down();
}
END_TEST

/*
 * Two CPUs, one runner on CPU 7: a queueing wakes the idle worker parked on
 * the other CPU (5), not the most recently parked one, which sits on CPU 7
 * behind the runner.
 */
START_TEST(test_wake_on_free_cpu)
{
	struct worker *expect;
	struct runner r;

	lib_up("1x2");
	block_n(3);
	runner_start(&r, 7, false, NULL, 1);
	pthread_mutex_lock(&pool0()->lock);
	r.wk->cpu = 7; /* it read its CPU before its item set it */
	expect = idle_cpus_set(7, 5);
	pthread_mutex_unlock(&pool0()->lock);
	probe_queue();
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&probe.done, __ATOMIC_ACQUIRE), 5000));
	ck_assert_msg(probe.wk == expect,
		      "the queueing woke a worker parked on a CPU a runner occupies");
	__atomic_store_n(&r.go, true, __ATOMIC_RELEASE);
	ck_assert_int_eq(dw_flush_wq(dw_system_wq), 0);
	lib_down();
}
END_TEST

/*
 * Two CPUs, runners on CPU c (a real one of the pool's) and CPU c + 1, an item
 * waiting, every idle worker parked on c + 1. When the runner on c blocks, the
 * worker woken is pinned to c until it runs (seen at the pause point between
 * the pick and the signal), then gets its own affinity back.
 */
START_TEST(test_wake_pinned_to_blocker_cpu)
{
	struct runner r, s;
	struct worker *w, *woken = NULL;
	rte_cpuset_t aff;
	uint64_t pinned0;
	int c;

	dw_test_need_pause_points();
	lib_up("1x2");
	for (c = 0; c < CPU_SETSIZE && !CPU_ISSET(c, &pool0()->cpus); c++)
		;
	ck_assert_int_lt(c, CPU_SETSIZE);
	block_n(4); /* two stay idle with a thread: a worker still starting is never pinned */
	runner_start(&r, c, true, &probe.done, 1);
	runner_start(&s, c + 1, false, NULL, 2);
	probe_queue();
	ck_assert_uint_eq(pool0_stats().nr_pending, 1);
	pthread_mutex_lock(&pool0()->lock);
	s.wk->cpu = c + 1;
	TAILQ_FOREACH(w, &pool0()->idle_list, idle_entry)
		w->cpu = c + 1;
	pinned0 = pool0()->st.wake_pinned;
	pthread_mutex_unlock(&pool0()->lock);
	ck_assert_int_eq(dw_pause_arm("work.block.woken", 0), 0);
	__atomic_store_n(&r.go, true, __ATOMIC_RELEASE);
	ck_assert_int_eq(dw_pause_wait("work.block.woken", 5000), 0);
	pthread_mutex_lock(&pool0()->lock);
	TAILQ_FOREACH(w, &pool0()->workers, all_entry)
		if (w->flags & W_WOKEN)
			woken = w;
	ck_assert_ptr_nonnull(woken);
	ck_assert_uint_eq(pool0()->st.wake_pinned, pinned0 + 1);
	ck_assert_int_eq(sched_getaffinity(woken->tid, sizeof(aff), &aff), 0);
	pthread_mutex_unlock(&pool0()->lock);
	ck_assert_msg(CPU_COUNT(&aff) == 1 && CPU_ISSET(c, &aff),
		      "the woken worker was not pinned to the blocker's CPU");
	ck_assert_int_eq(dw_pause_release("work.block.woken"), 0);
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&probe.done, __ATOMIC_ACQUIRE), 5000));
	ck_assert(probe.wk == woken);
	ck_assert_msg(probe.affinity_restored, "the pinned worker kept its one-CPU affinity");
	__atomic_store_n(&s.go, true, __ATOMIC_RELEASE);
	ck_assert_int_eq(dw_flush_wq(dw_system_wq), 0);
	lib_down();
}
END_TEST

/*
 * The reaper takes idle workers beyond two only after idle_timeout_ms (5 s
 * here). The manager reads the clock, then passes over the pools: workers that
 * park in between are younger than that reading, and must not look idle for
 * 2^64 ns. The pause point holds the manager between its clock read and its
 * pass while every idle worker runs an item and parks again.
 */
START_TEST(test_reap_after_timeout_only)
{
	uint64_t reaped0;
	unsigned int n;

	dw_test_need_pause_points();
	lib_up("1x1");
	block_n(4);
	pthread_mutex_lock(&pool0()->lock);
	n = RTE_MIN(pool0()->nr_idle, 8u);
	pthread_mutex_unlock(&pool0()->lock);
	reaped0 = pool0_stats().workers_reaped;
	ck_assert_int_eq(dw_pause_arm("work.mgr.pass", 0), 0);
	pool_kick_manager();
	ck_assert_int_eq(dw_pause_wait("work.mgr.pass", 5000), 0);
	/* Each blocks, so the next one takes another idle worker: all of them park anew. */
	block_n(n);
	/* Let that pass run, and wait for the next one to start: the first one is over. */
	ck_assert_int_eq(dw_pause_release("work.mgr.pass"), 0);
	/* The slot frees once the manager has left the point. */
	ck_assert(DW_TEST_WAIT(dw_pause_arm("work.mgr.pass", 0) == 0, 5000));
	pool_kick_manager();
	ck_assert_int_eq(dw_pause_wait("work.mgr.pass", 5000), 0);
	ck_assert_msg(pool0_stats().workers_reaped == reaped0,
		      "%lu workers reaped right after they parked (idle timeout 5 s)",
		      (unsigned long)(pool0_stats().workers_reaped - reaped0));
	ck_assert_int_eq(dw_pause_release("work.mgr.pass"), 0);
	lib_down();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("work_idle");
	TCase *tc = tcase_create("wake");
	TCase *reap = tcase_create("reap");

	tcase_add_test(tc, test_wake_on_blocker_cpu);
	tcase_add_test(tc, test_wake_on_free_cpu);
	tcase_add_test(tc, test_wake_pinned_to_blocker_cpu);
	tcase_add_test(reap, test_reap_after_timeout_only);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, reap);
	return dw_test_run(s);
}
