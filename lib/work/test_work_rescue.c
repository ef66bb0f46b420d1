/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forward progress of RESCUER queues when no worker can be created: once
 * through the test hook, once for real as an unprivileged user under a low
 * RLIMIT_NPROC (needs root to switch to an unused uid; skipped with a message otherwise).
 */
#include <errno.h>
#include <grp.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dw_test.h"
#include "dw_work.h"
#include "work_private.h"

#define NWAITERS 10

static sem_t release;
static uint32_t waiters_done;

/* Blocks its worker until the rescuer-queue item runs. */
static void
waiter_fn(struct dw_work *w)
{
	RTE_SET_USED(w);
	dw_blocking_begin();
	while (sem_wait(&release) < 0 && errno == EINTR)
		;
	dw_blocking_end();
	__atomic_add_fetch(&waiters_done, 1, __ATOMIC_SEQ_CST);
}

static void
releaser_fn(struct dw_work *w)
{
	unsigned int i;

	RTE_SET_USED(w);
	for (i = 0; i < NWAITERS; i++)
		sem_post(&release);
}

static void
noop_fn(struct dw_work *w)
{
	RTE_SET_USED(w);
}

/*
 * Fill the pool with waiters, then queue the releaser on a RESCUER queue.
 * Returns 0 when everything completed within the deadline.
 */
static int
scenario(struct dw_wq *rq, bool fail_hook)
{
	struct dw_work waiters[NWAITERS], releaser, probe;
	struct dw_pool_stats ps;
	struct dw_wq_stats st;
	unsigned int i;

	sem_init(&release, 0, 0);
	waiters_done = 0;
	/*
	 * A worker whose thread runs: without one, nothing but the rescuer could
	 * run, and the waiters are on a queue without a rescuer. nr_workers alone
	 * is not proof: it counts a worker while its thread is being created, and
	 * the fail hook set just after would make that creation fail (CI saw
	 * 0 workers and 10 waiters pending). A worker that ran an item has a thread.
	 */
	dw_work_init(&probe, noop_fn);
	if (!dw_queue_work(dw_system_wq, &probe) || dw_flush_work(&probe) < 0)
		return -5;
	if (fail_hook)
		__atomic_store_n(&work_lib.fail_create, true, __ATOMIC_SEQ_CST);
	for (i = 0; i < NWAITERS; i++) {
		dw_work_init(&waiters[i], waiter_fn);
		if (!dw_queue_work(dw_system_wq, &waiters[i]))
			return -1;
	}
	dw_test_sleep_us(50000);
	dw_work_init(&releaser, releaser_fn);
	if (!dw_queue_work(rq, &releaser))
		return -2;
	if (!DW_TEST_WAIT(__atomic_load_n(&waiters_done, __ATOMIC_SEQ_CST) == NWAITERS, 10000)) {
		dw_pool_stats_get(0, &ps);
		printf("waiters done %u of %u; pool 0: %u workers, %u pending, %lu creation "
		       "failures, %lu maydays, %lu rescued\n",
		       __atomic_load_n(&waiters_done, __ATOMIC_SEQ_CST), NWAITERS, ps.nr_workers,
		       ps.nr_pending, (unsigned long)ps.create_failures, (unsigned long)ps.maydays,
		       (unsigned long)ps.rescued);
		fflush(stdout);
		/* The waiters are on this stack frame and still queued: end here. */
		_exit(1);
	}
	/*
	 * The rescuer counts its item after the function returns, and the
	 * waiters it released may finish first: wait for the count.
	 */
	if (!DW_TEST_WAIT(dw_wq_stats_get(rq, &st) == 0 && st.rescued >= 1 && st.maydays >= 1,
			  2000)) {
		dw_pool_stats_get(0, &ps);
		printf("no rescue seen: rescued %lu maydays %lu; pool 0: %u workers, peak %u, "
		       "%lu creation failures\n",
		       (unsigned long)st.rescued, (unsigned long)st.maydays, ps.nr_workers,
		       ps.peak_workers, (unsigned long)ps.create_failures);
		fflush(stdout);
		return -4;
	}
	__atomic_store_n(&work_lib.fail_create, false, __ATOMIC_SEQ_CST);
	sem_destroy(&release);
	return 0;
}

START_TEST(test_rescue_fail_hook)
{
	struct dw_work_lib_conf c = { .size = sizeof(c), .flags = DW_WORK_LIB_F_NO_MONITOR };
	struct dw_wq_conf qc = { .size = sizeof(c), .flags = DW_WQ_RESCUER };
	struct dw_pool_stats ps;
	struct dw_wq *rq;

	qc.size = sizeof(qc);
	ck_assert_int_eq(dw_work_lib_init(&c), 0);
	rq = dw_wq_create("reclaim", &qc);
	ck_assert_ptr_nonnull(rq);
	ck_assert_int_eq(scenario(rq, true), 0);
	ck_assert_int_eq(dw_pool_stats_get(0, &ps), 0);
	ck_assert_uint_ge(ps.create_failures, 1);
	ck_assert_uint_ge(ps.maydays, 1);
	ck_assert_int_eq(dw_wq_destroy(rq), 0);
	ck_assert_int_eq(dw_work_lib_fini(), 0);
}
END_TEST

static int
child_low_nproc(void)
{
	struct dw_work_lib_conf c = { .size = sizeof(c), .flags = DW_WORK_LIB_F_NO_MONITOR };
	struct dw_wq_conf qc = { .size = sizeof(qc), .flags = DW_WQ_RESCUER };
	/* An unused uid of our own: RLIMIT_NPROC counts every process of the user. */
	uid_t uid = (uid_t)(60000 + getpid() % 5000);
	struct rlimit rl = { .rlim_cur = 12, .rlim_max = 12 };
	struct dw_pool_stats ps;
	struct dw_wq *rq;
	int rc;

	if (setgroups(0, NULL) < 0 || setgid((gid_t)uid) < 0 || setuid(uid) < 0)
		return 10;
	if (setrlimit(RLIMIT_NPROC, &rl) < 0)
		return 11;
	if (dw_work_lib_init(&c) < 0)
		return 12;
	rq = dw_wq_create("reclaim", &qc);
	if (rq == NULL)
		return 13;
	rc = scenario(rq, false);
	if (rc < 0)
		return 20 - rc;
	dw_pool_stats_get(0, &ps);
	if (ps.create_failures == 0)
		return 30; /* the limit never bit: the test proved nothing */
	printf("RLIMIT_NPROC=12 as uid %u: %lu creation failures, rescued OK\n", (unsigned int)uid,
	       (unsigned long)ps.create_failures);
	fflush(stdout);
	/* Do not wait for a clean fini: threads may be capped; exit is enough. */
	_exit(0);
}

START_TEST(test_rescue_rlimit_nproc)
{
	pid_t pid;
	int status;

	if (geteuid() != 0) {
		printf("SKIP: not root, cannot switch to an unprivileged user\n");
		return;
	}
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(child_low_nproc());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("work_rescue");
	TCase *tc = tcase_create("rescue");

	tcase_add_test(tc, test_rescue_fail_hook);
	tcase_add_test(tc, test_rescue_rlimit_nproc);
	suite_add_tcase(s, tc);
	return dw_test_run(s);
}
