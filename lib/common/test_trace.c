/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dwork's trace points fire: with EAL's --trace=dw\. every point is enabled,
 * and a run that queues pool and BH work, parks and wakes an lcore and runs
 * an irq thread handler leaves each point's events in the saved CTF trace
 * (read back with babeltrace, as doc/guides/tracing.md does).
 */
#define ALLOW_EXPERIMENTAL_API /* rte_trace_point_lookup(), rte_trace_point_is_enabled() */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_trace.h>
#include <rte_trace_point.h>

#include "dw_bh.h"
#include "dw_irq.h"
#include "dw_napi.h"
#include "dw_test.h"
#include "dw_work.h"

static const char *const points[] = {
	"dw.work.queue_work",  "dw.work.activate_work", "dw.work.execute_start",
	"dw.work.execute_end", "dw.bh.lane_run",	"dw.napi.park",
	"dw.napi.wake",	       "dw.irq.thread_start",	"dw.irq.thread_end",
};

static unsigned int ran, irq_ran;

static void
work_fn(struct dw_work *w)
{
	(void)w;
	__atomic_add_fetch(&ran, 1, __ATOMIC_RELEASE);
}

static enum dw_irq_return
irq_thread_fn(int fd, void *arg)
{
	(void)fd;
	(void)arg;
	__atomic_add_fetch(&irq_ran, 1, __ATOMIC_RELEASE);
	return DW_IRQ_HANDLED;
}

static bool
lcore_parked(unsigned int lcore)
{
	struct dw_lcore_stats st;

	return dw_lcore_stats_get(lcore, &st) == 0 && st.parked;
}

/* Count, per point, the events babeltrace prints for the trace under @p dir. */
static void
count_events(const char *dir, unsigned int *count)
{
	char cmd[512], line[1024];
	unsigned int i;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "babeltrace '%s' 2>&1", dir);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		for (i = 0; i < RTE_DIM(points); i++) {
			char key[64];

			snprintf(key, sizeof(key), " %s: ", points[i]);
			if (strstr(line, key) != NULL)
				count[i]++;
		}
	ck_assert_msg(pclose(f) == 0,
		      "babeltrace failed (apt package babeltrace, devtools/deps.txt)");
}

START_TEST(test_points_fire)
{
	char dir[] = "/tmp/dw_trace_XXXXXX", trace_dir[64], cmd[128];
	const char *args[] = { "-l", "0-1", "--trace=dw\\.", trace_dir, NULL };
	struct dw_lcore_conf lc = { .size = sizeof(lc),
				    .mode = DW_NAPI_MODE_INTERRUPT,
				    .trustee = -1 };
	unsigned int count[RTE_DIM(points)] = { 0 }, worker, i;
	struct dw_work w, bh;
	uint64_t one = 1;
	int efd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(trace_dir, sizeof(trace_dir), "--trace-dir=%s", dir);
	ck_assert_int_ge(dw_test_eal_init(args), 0);
	for (i = 0; i < RTE_DIM(points); i++) {
		rte_trace_point_t *t = rte_trace_point_lookup(points[i]);

		ck_assert_msg(t != NULL, "%s is not registered", points[i]);
		ck_assert_msg(rte_trace_point_is_enabled(t), "%s is not enabled", points[i]);
	}
	ck_assert_int_eq(dw_work_lib_init(NULL), 0);
	ck_assert_int_eq(dw_bh_init(), 0);
	worker = rte_get_next_lcore(-1, 1, 0);
	ck_assert_uint_lt(worker, RTE_MAX_LCORE);
	ck_assert_int_eq(dw_lcore_launch(worker, &lc), 0);

	/* Pool work: queue_work, activate_work, execute_start/end. */
	dw_work_init(&w, work_fn);
	ck_assert(dw_queue_work(dw_system_wq, &w));
	ck_assert_int_ge(dw_flush_work(&w), 0);
	/* BH work on a parked lcore: its doorbell wakes it, its lane runs the item. */
	ck_assert(DW_TEST_WAIT(lcore_parked(worker), 5000));
	dw_work_init(&bh, work_fn);
	ck_assert(dw_queue_work_on((int)worker, dw_system_bh_wq, &bh));
	ck_assert_int_ge(dw_flush_work(&bh), 0);
	ck_assert_uint_eq(__atomic_load_n(&ran, __ATOMIC_ACQUIRE), 2);
	/* An irq thread handler. */
	efd = eventfd(0, EFD_NONBLOCK);
	ck_assert_int_ge(efd, 0);
	ck_assert_int_eq(dw_request_threaded_irq(efd, NULL, irq_thread_fn, 0, "trace", NULL), 0);
	ck_assert_int_eq(write(efd, &one, sizeof(one)), sizeof(one));
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&irq_ran, __ATOMIC_ACQUIRE) >= 1, 5000));
	ck_assert_int_eq(dw_free_irq(efd, NULL), 0);
	close(efd);

	ck_assert_int_eq(dw_lcore_stop(worker), 0);
	rte_eal_mp_wait_lcore();
	ck_assert_int_eq(dw_work_lib_fini(), 0);
	ck_assert_int_eq(rte_trace_save(), 0);

	count_events(dir, count);
	for (i = 0; i < RTE_DIM(points); i++)
		ck_assert_msg(count[i] > 0, "no %s event in the trace", points[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	rte_eal_cleanup();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("trace");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_points_fire);
	suite_add_tcase(s, tc);
	return dw_test_run(s);
}
