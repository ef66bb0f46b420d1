/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Thread placement: no thread dwork creates (pool workers, manager, timer,
 * rescuers, interrupt threads) may run on a worker lcore's CPU, even when the
 * library is started, and the threads are requested, from that worker lcore.
 * With "-l 0-1" every CPU hosts an lcore, so dwork's threads belong on the
 * main lcore's CPUs only (the rule of rte_ctrl_thread_create()).
 */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>

#include "dw_irq.h"
#include "dw_test.h"
#include "dw_topo.h"
#include "dw_work.h"

#define NR_ITEMS 6

static struct dw_work items[NR_ITEMS];
static struct dw_delayed_work dwork;
static int ran;
static int irq_fd = -1;
static int irq_thread_ran;
static struct dw_wq *rescuer_wq;
static pid_t lcore_tid;

static void
item_fn(struct dw_work *w)
{
	RTE_SET_USED(w);
	dw_test_sleep_us(2000); /* overlap, so the pools grow past one worker */
	__atomic_fetch_add(&ran, 1, __ATOMIC_RELEASE);
}

static void
dwork_fn(struct dw_work *w)
{
	item_fn(w);
}

static enum dw_irq_return
irq_thread_fn(int fd, void *arg)
{
	RTE_SET_USED(fd);
	RTE_SET_USED(arg);
	__atomic_store_n(&irq_thread_ran, 1, __ATOMIC_RELEASE); /* the core read the fd */
	return DW_IRQ_HANDLED;
}

static bool lcore_done; /* published with release once the lcore's writes above are done */

/* Runs on the worker lcore: everything that creates dwork threads starts here. */
static int
on_worker_lcore(void *arg)
{
	static const struct dw_wq_conf rconf = { .size = sizeof(rconf), .flags = DW_WQ_RESCUER };
	int *rc = arg;

	lcore_tid = (pid_t)syscall(SYS_gettid);
	*rc = dw_work_lib_init(NULL);
	if (*rc < 0)
		goto out;
	rescuer_wq = dw_wq_create("place_rescuer", &rconf);
	if (rescuer_wq == NULL) {
		*rc = -1;
		goto out;
	}
	irq_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	*rc = dw_request_threaded_irq(irq_fd, NULL, irq_thread_fn, 0, "place", NULL);
out:
	/* EAL's lcore handoff is not visible to TSan: publish explicitly. */
	__atomic_store_n(&lcore_done, true, __ATOMIC_RELEASE);
	return 0;
}

static struct dw_wq *
system_wq(unsigned int i)
{
	return i == 0 ? dw_system_wq : i == 1 ? dw_system_highpri_wq : dw_system_unbound_wq;
}

/* CPUs of every lcore but the main one. */
static void
worker_lcore_cpus(rte_cpuset_t *set)
{
	unsigned int lcore;

	CPU_ZERO(set);
	RTE_LCORE_FOREACH_WORKER(lcore) {
		rte_cpuset_t c = rte_lcore_cpuset(lcore);

		CPU_OR(set, set, &c);
	}
}

/* Threads that existed before dwork started (EAL's, a sanitizer's): not dwork's. */
#define MAX_OLD 64
static pid_t old_tids[MAX_OLD];
static unsigned int nr_old;

static bool
is_old(pid_t tid)
{
	unsigned int i;

	for (i = 0; i < nr_old; i++)
		if (old_tids[i] == tid)
			return true;
	return false;
}

/* Call @p fn on every thread of this process; returns how many there were. */
static int
for_each_task(void (*fn)(pid_t tid, void *arg), void *arg)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir("/proc/self/task");
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		pid_t tid = (pid_t)atoi(de->d_name);

		if (tid <= 0)
			continue;
		fn(tid, arg);
		n++;
	}
	closedir(d);
	return n;
}

static void
note_old(pid_t tid, void *arg)
{
	RTE_SET_USED(arg);
	ck_assert_uint_lt(nr_old, MAX_OLD);
	old_tids[nr_old++] = tid;
}

struct scan {
	const rte_cpuset_t *bad;
	pid_t skip;
	int n;
};

static void
check_task(pid_t tid, void *arg)
{
	struct scan *sc = arg;
	char path[64], comm[32] = "?";
	rte_cpuset_t aff, both;
	FILE *f;

	if (tid == sc->skip || is_old(tid))
		return;
	if (sched_getaffinity(tid, sizeof(aff), &aff) < 0)
		return; /* exited meanwhile */
	CPU_AND(&both, &aff, sc->bad);
	if (CPU_COUNT(&both) == 0)
		return;
	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", (int)tid);
	f = fopen(path, "r");
	if (f != NULL) {
		if (fgets(comm, sizeof(comm), f) != NULL)
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	printf("thread %d (%s) may run on a worker lcore's CPU\n", (int)tid, comm);
	sc->n++;
}

/*
 * Number of threads started since note_old() (but @p skip) allowed on a CPU
 * of @p bad; @p nr_threads gets how many threads the process has.
 */
static int
threads_on(const rte_cpuset_t *bad, pid_t skip, int *nr_threads)
{
	struct scan sc = { .bad = bad, .skip = skip };

	*nr_threads = for_each_task(check_task, &sc);
	return sc.n;
}

START_TEST(test_eal_threads_off_worker_lcores)
{
	static const char *const args[] = { "-l", "0-1", NULL };
	rte_cpuset_t bad, ctrl, main_cpus, set;
	unsigned int worker, i;
	int rc = -1, nr_threads;
	uint64_t one = 1;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		printf("skipped: needs 2 CPUs\n");
		return;
	}
	ck_assert_int_ge(dw_test_eal_init(args), 0);
	worker = rte_get_next_lcore(-1, 1, 0);
	ck_assert_uint_lt(worker, RTE_MAX_LCORE);
	worker_lcore_cpus(&bad);
	ck_assert_int_gt(CPU_COUNT(&bad), 0);

	/* Every CPU hosts an lcore: the main lcore's CPUs are left. */
	main_cpus = rte_lcore_cpuset(rte_get_main_lcore());
	ck_assert_int_eq(dw_topo_ctrl_cpus(&ctrl), CPU_COUNT(&main_cpus));
	ck_assert(CPU_EQUAL(&ctrl, &main_cpus));

	nr_old = 0;
	for_each_task(note_old, NULL);
	ck_assert_int_eq(rte_eal_remote_launch(on_worker_lcore, &rc, worker), 0);
	ck_assert_int_eq(rte_eal_wait_lcore(worker), 0);
	ck_assert(__atomic_load_n(&lcore_done, __ATOMIC_ACQUIRE));
	ck_assert_int_eq(rc, 0);
	for (i = 0; i < dw_topo_nr_nodes(); i++) {
		ck_assert_int_gt(dw_topo_node_worker_cpus(i, &set), 0);
		CPU_AND(&set, &set, &bad);
		ck_assert_int_eq(CPU_COUNT(&set), 0);
	}

	/* Work on every kind of pool, the rescuer queue, a timer, an interrupt. */
	for (i = 0; i < NR_ITEMS; i++) {
		dw_work_init(&items[i], item_fn);
		ck_assert(dw_queue_work(i < 3 ? system_wq(i) : rescuer_wq, &items[i]));
	}
	dw_delayed_work_init(&dwork, dwork_fn);
	ck_assert(dw_queue_delayed_work(dw_system_wq, &dwork, 1000));
	ck_assert_int_eq(write(irq_fd, &one, sizeof(one)), (ssize_t)sizeof(one));
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&ran, __ATOMIC_ACQUIRE) == NR_ITEMS + 1,
			       5000 * dw_test_time_scale()));
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&irq_thread_ran, __ATOMIC_ACQUIRE) == 1,
			       5000 * dw_test_time_scale()));

	/* The worker lcore's own thread is the only one allowed there. */
	ck_assert_int_eq(threads_on(&bad, lcore_tid, &nr_threads), 0);
	/* main, worker lcore's, EAL's, manager, timer, rescuer, irq x2, pool workers */
	ck_assert_int_ge(nr_threads, 8);

	ck_assert_int_eq(dw_free_irq(irq_fd, NULL), 0);
	close(irq_fd);
	ck_assert_int_eq(dw_wq_destroy(rescuer_wq), 0);
	ck_assert_int_eq(dw_work_lib_fini(), 0);
	rte_eal_cleanup();
}
END_TEST

/* Without EAL nothing is an lcore: no constraint, and the pools still work. */
START_TEST(test_no_eal_unconstrained)
{
	rte_cpuset_t set;
	unsigned int i;

	ck_assert_int_eq(dw_work_lib_init(NULL), 0);
	ck_assert_int_eq(dw_topo_ctrl_cpus(&set), 0);
	ck_assert_int_eq(dw_topo_ctrl_cpus(NULL), -EINVAL);
	for (i = 0; i < dw_topo_nr_nodes(); i++)
		ck_assert_int_eq(dw_topo_node_worker_cpus(i, &set),
				 CPU_COUNT(dw_topo_node_cpus(i)));
	for (i = 0; i < 3; i++) {
		dw_work_init(&items[i], item_fn);
		ck_assert(dw_queue_work(system_wq(i), &items[i]));
	}
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&ran, __ATOMIC_ACQUIRE) == 3,
			       5000 * dw_test_time_scale()));
	ck_assert_int_eq(dw_work_lib_fini(), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("work_place");
	TCase *tc = tcase_create("work_place");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_eal_threads_off_worker_lcores);
	tcase_add_test(tc, test_no_eal_unconstrained);
	suite_add_tcase(s, tc);
	return dw_test_run(s);
}
