/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BH lanes on real EAL lcores (-l 0-1): where items run, FIFO per producer,
 * budgets, tombstone cancel and revive, cancel_sync of self-requeueing items,
 * flush, delayed BH work, the kick hook, trustee hand-over, drain at fini,
 * bad input, disable/enable, and a multi-producer stress with every item
 * accounted for. Case 'races': lane offline, flush colors and BH items waiting
 * on BH work, made deterministic with pause points.
 */
#include "test_bh_common.h"

START_TEST(test_runs_on_target_lane)
{
	struct bitem b = { 0 };

	up(true);
	dw_work_init(&b.work, bitem_fn);
	ck_assert(dw_queue_work_on((int)worker_lcore, dw_system_bh_wq, &b.work));
	ck_assert(DW_TEST_WAIT(runs_of(&b) == 1, 2000));
	ck_assert_uint_eq(b.lcore, worker_lcore);
	ck_assert_int_ge(dw_flush_work(&b.work), 0);
	down();
}
END_TEST

#define NPROD 3
#define PER_PROD 20000
struct seq_item {
	struct dw_work work;
	uint32_t prod, seq;
};
static uint32_t last_seq[NPROD + 1];
static uint32_t order_errors, seq_runs;

static void
seq_fn(struct dw_work *w)
{
	struct seq_item *s = container_of(w, struct seq_item, work);

	if (s->seq != last_seq[s->prod] + 1)
		order_errors++;
	last_seq[s->prod] = s->seq;
	__atomic_add_fetch(&seq_runs, 1, __ATOMIC_RELEASE);
}

static void *
producer_main(void *arg)
{
	struct seq_item *items = arg;
	unsigned int i;

	for (i = 0; i < PER_PROD; i++)
		dw_queue_work_on((int)worker_lcore, dw_system_bh_wq, &items[i].work);
	return NULL;
}

START_TEST(test_fifo_per_producer)
{
	struct seq_item *items = calloc(NPROD * PER_PROD, sizeof(*items));
	pthread_t t[NPROD];
	struct dw_bh_lane_stats st;
	unsigned int p, i;

	up(true);
	for (p = 0; p < NPROD; p++)
		for (i = 0; i < PER_PROD; i++) {
			struct seq_item *s = &items[p * PER_PROD + i];

			s->prod = p;
			s->seq = i + 1;
			dw_work_init(&s->work, seq_fn);
		}
	for (p = 0; p < NPROD; p++)
		pthread_create(&t[p], NULL, producer_main, &items[p * PER_PROD]);
	for (p = 0; p < NPROD; p++)
		pthread_join(t[p], NULL);
	ck_assert_int_eq(dw_flush_wq(dw_system_bh_wq), 0);
	ck_assert_uint_eq(__atomic_load_n(&seq_runs, __ATOMIC_ACQUIRE), NPROD * PER_PROD);
	ck_assert_uint_eq(order_errors, 0);
	ck_assert_int_eq(dw_bh_lane_stats_get(worker_lcore, &st), 0);
	ck_assert_uint_eq(st.ran, NPROD * PER_PROD);
	ck_assert_uint_eq(st.queued, NPROD * PER_PROD);
	down();
	free(items);
}
END_TEST

START_TEST(test_budget_and_cancel)
{
	struct bitem b[10] = { 0 };
	unsigned int main_lc = rte_get_main_lcore(), i;
	struct dw_bh_lane_stats st;

	up(false);
	main_lc = rte_get_main_lcore();
	for (i = 0; i < 10; i++) {
		dw_work_init(&b[i].work, bitem_fn);
		ck_assert(dw_queue_work(dw_system_bh_wq, &b[i].work)); /* main lcore's lane */
	}
	ck_assert(dw_bh_lane_pending(main_lc));
	ck_assert_uint_eq(dw_bh_lane_run(4, 0), 4);
	ck_assert(dw_bh_lane_pending(main_lc));
	/* Tombstone: cancelled where it sits, dropped by the lane, never run. */
	ck_assert(dw_cancel_work(&b[5].work));
	ck_assert(!dw_work_pending(&b[5].work));
	ck_assert(!dw_cancel_work(&b[5].work));
	/* Revived: cancelled then queued again before the lane got there: runs once. */
	ck_assert(dw_cancel_work(&b[6].work));
	ck_assert(dw_queue_work(dw_system_bh_wq, &b[6].work));
	ck_assert(!dw_queue_work(dw_system_bh_wq, &b[6].work));
	ck_assert_uint_eq(dw_bh_lane_run(100, 0), 5);
	ck_assert(!dw_bh_lane_pending(main_lc));
	for (i = 0; i < 10; i++)
		ck_assert_uint_eq(runs_of(&b[i]), i == 5 ? 0 : 1);
	ck_assert_int_eq(dw_bh_lane_stats_get(main_lc, &st), 0);
	ck_assert_uint_eq(st.dropped, 1);
	/* The dropped item is reusable. */
	ck_assert(dw_queue_work(dw_system_bh_wq, &b[5].work));
	ck_assert_uint_eq(dw_bh_lane_run(100, 0), 1);
	ck_assert_uint_eq(runs_of(&b[5]), 1);
	down();
}
END_TEST

START_TEST(test_cancel_sync_self_requeue)
{
	struct bitem b = { 0 };
	uint32_t n;
	int i;

	up(true);
	for (i = 0; i < 20; i++) {
		b.runs = 0;
		b.wq = dw_system_bh_wq;
		b.requeue = UINT32_MAX;
		dw_work_init(&b.work, bitem_fn);
		ck_assert(dw_queue_work_on((int)worker_lcore, dw_system_bh_wq, &b.work));
		ck_assert(DW_TEST_WAIT(runs_of(&b) > 100, 2000));
		ck_assert_int_ge(dw_cancel_work_sync(&b.work), 0);
		ck_assert(!dw_work_busy(&b.work));
		n = runs_of(&b);
		dw_test_sleep_us(2000);
		ck_assert_uint_eq(runs_of(&b), n);
	}
	down();
}
END_TEST

START_TEST(test_flush_from_other_thread_and_own_lane)
{
	struct bitem b = { 0 }, c = { 0 };

	up(true);
	dw_work_init(&b.work, bitem_fn);
	ck_assert(dw_queue_work_on((int)worker_lcore, dw_system_bh_wq, &b.work));
	ck_assert_int_ge(dw_flush_work(&b.work), 0);
	ck_assert_uint_eq(runs_of(&b), 1);
	/* Flushing an item on our own lane runs the lane instead of deadlocking. */
	dw_work_init(&c.work, bitem_fn);
	ck_assert(dw_queue_work(dw_system_bh_wq, &c.work));
	ck_assert_int_eq(dw_flush_work(&c.work), 1);
	ck_assert_uint_eq(runs_of(&c), 1);
	ck_assert_uint_eq(c.lcore, rte_get_main_lcore());
	ck_assert(dw_queue_work(dw_system_bh_wq, &c.work));
	ck_assert_int_eq(dw_flush_wq(dw_system_bh_wq), 0);
	ck_assert_uint_eq(runs_of(&c), 2);
	down();
}
END_TEST

/*
 * On the fake clock, @p b's timer on the calling lcore's lane (armed for
 * @p delay_us from the current fake time): at the deadline minus 1 ns the
 * lane has nothing to run; at the deadline it runs the item.
 */
static void
expect_lane_fire_at(struct bitem *b, uint64_t delay_us)
{
	unsigned int lc = rte_lcore_id();
	uint32_t r = runs_of(b);

	ck_assert_uint_eq(dw_bh_lane_next_timer(lc), dw_now_ns() + delay_us * DW_NS_PER_US);
	ck_assert_int_eq(dw_clock_fake_advance(delay_us * DW_NS_PER_US - 1), 0);
	ck_assert(!dw_bh_lane_pending(lc));
	ck_assert_uint_eq(dw_bh_lane_run(100, 0), 0);
	ck_assert_uint_eq(runs_of(b), r);
	ck_assert_int_eq(dw_clock_fake_advance(1), 0);
	ck_assert(dw_bh_lane_pending(lc));
	ck_assert_uint_eq(dw_bh_lane_run(100, 0), 1);
	ck_assert_uint_eq(runs_of(b), r + 1);
	ck_assert_uint_eq(b->lcore, lc);
}

/* Delayed BH work on the fake clock, on the test thread's own lane. */
START_TEST(test_delayed_bh)
{
	struct bitem b = { 0 }, ord[3];
	static const uint64_t ord_us[3] = { 300, 100, 200 };
	int main_lc;
	unsigned int i;

	dw_test_need_fake_clock();
	up(false);
	main_lc = (int)rte_get_main_lcore();
	ck_assert_int_eq(dw_clock_fake_start(), 0);
	dw_delayed_work_init(&b.dw, bdelayed_fn);
	ck_assert(dw_queue_delayed_work_on(main_lc, dw_system_bh_wq, &b.dw, 30000));
	expect_lane_fire_at(&b, 30000);
	ck_assert_uint_eq(dw_bh_lane_next_timer((unsigned int)main_lc), UINT64_MAX);
	/* Cancel before expiry: never runs, even long past its deadline. */
	ck_assert(dw_queue_delayed_work_on(main_lc, dw_system_bh_wq, &b.dw, 30000));
	ck_assert(dw_cancel_delayed_work(&b.dw));
	ck_assert_int_eq(dw_clock_fake_advance(DW_NS_PER_S), 0);
	ck_assert_uint_eq(dw_bh_lane_run(100, 0), 0);
	ck_assert_uint_eq(runs_of(&b), 1);
	/* mod moves a pending timer closer. */
	ck_assert(dw_queue_delayed_work_on(main_lc, dw_system_bh_wq, &b.dw, 10000000));
	ck_assert_int_eq(dw_mod_delayed_work(dw_system_bh_wq, &b.dw, 1000), 1);
	expect_lane_fire_at(&b, 1000);
	/* Armed out of order, run in deadline order, each at its own deadline. */
	memset(ord, 0, sizeof(ord));
	for (i = 0; i < 3; i++) {
		dw_delayed_work_init(&ord[i].dw, bdelayed_fn);
		ck_assert(
		    dw_queue_delayed_work_on(main_lc, dw_system_bh_wq, &ord[i].dw, ord_us[i]));
	}
	expect_lane_fire_at(&ord[1], 100);
	expect_lane_fire_at(&ord[2], 100);
	expect_lane_fire_at(&ord[0], 100);
	/* flush_delayed fires it now, with no time passing. */
	ck_assert(dw_queue_delayed_work_on(main_lc, dw_system_bh_wq, &b.dw, 10000000));
	ck_assert_int_eq(dw_flush_delayed_work(&b.dw), 1);
	ck_assert_uint_eq(runs_of(&b), 3);
	ck_assert_int_eq(dw_cancel_delayed_work_sync(&b.dw), 0);
	dw_clock_fake_stop();
	down();
}
END_TEST

/* Real-time smoke test: a lane's loop runs its timer by itself, not early, on its lcore. */
START_TEST(test_delayed_bh_realtime)
{
	struct bitem b = { 0 };
	uint64_t t0;

	up(true);
	dw_delayed_work_init(&b.dw, bdelayed_fn);
	t0 = dw_test_now_ms();
	ck_assert(dw_queue_delayed_work_on((int)worker_lcore, dw_system_bh_wq, &b.dw, 20000));
	ck_assert(DW_TEST_WAIT(runs_of(&b) == 1, 5000 * dw_test_time_scale()));
	ck_assert_uint_ge(b.ran_at_ms - t0, 20);
	ck_assert_uint_eq(b.lcore, worker_lcore);
	down();
}
END_TEST

static uint32_t kicks_seen;

static void
kick_fn(unsigned int lcore, void *arg)
{
	RTE_SET_USED(lcore);
	__atomic_add_fetch((uint32_t *)arg, 1, __ATOMIC_RELAXED);
}

START_TEST(test_kick_and_trustee)
{
	struct bitem b[8] = { 0 }, d = { 0 };
	unsigned int i, main_lc;
	struct dw_bh_lane_stats st;

	dw_test_need_fake_clock();
	up(false); /* lane of lcore 1 has no loop: its items sit there */
	main_lc = rte_get_main_lcore();
	ck_assert_int_eq(dw_clock_fake_start(), 0);
	ck_assert_int_eq(dw_bh_set_kick(worker_lcore, kick_fn, &kicks_seen), 0);
	for (i = 0; i < 8; i++) {
		dw_work_init(&b[i].work, bitem_fn);
		ck_assert(dw_queue_work_on((int)worker_lcore, dw_system_bh_wq, &b[i].work));
	}
	/* The first producer rang; the others found items on the lane (taken with theirs). */
	ck_assert_uint_eq(kicks_seen, 1);
	dw_delayed_work_init(&d.dw, bdelayed_fn);
	ck_assert(dw_queue_delayed_work_on((int)worker_lcore, dw_system_bh_wq, &d.dw, 1000));
	ck_assert_uint_eq(kicks_seen, 2); /* arming always rings: the loop's timeout shortens */
	ck_assert(dw_bh_lane_pending(worker_lcore));
	ck_assert(dw_cancel_work(&b[3].work)); /* a tombstone travels too */
	/* Lcore 1 leaves for good: its lane goes to the main lcore's. */
	ck_assert_int_eq(dw_bh_lane_offline(worker_lcore, main_lc), 9);
	ck_assert_int_eq(dw_bh_lane_stats_get(worker_lcore, &st), 0);
	ck_assert(!st.online);
	while (dw_bh_lane_run(100, 0) > 0)
		;
	ck_assert_uint_eq(runs_of(&d), 0); /* its timer moved with the lane, not due yet */
	for (i = 0; i < 8; i++) {
		ck_assert_uint_eq(runs_of(&b[i]), i == 3 ? 0 : 1);
		ck_assert_uint_eq(b[i].lcore, i == 3 ? 0 : main_lc);
	}
	expect_lane_fire_at(&d, 1000);
	/* Later queueing on lcore 1 lands on its trustee. */
	ck_assert(dw_queue_work_on((int)worker_lcore, dw_system_bh_wq, &b[0].work));
	ck_assert_uint_eq(dw_bh_lane_run(100, 0), 1);
	ck_assert_uint_eq(runs_of(&b[0]), 2);
	ck_assert_int_eq(dw_bh_lane_offline(worker_lcore, worker_lcore), -EINVAL);
	dw_clock_fake_stop();
	down();
}
END_TEST

START_TEST(test_fini_runs_what_is_left)
{
	static struct bitem b[16];
	unsigned int i;

	up(false);
	for (i = 0; i < 16; i++) {
		dw_work_init(&b[i].work, bitem_fn);
		ck_assert(dw_queue_work_on((int)(i % 2 ? worker_lcore : rte_get_main_lcore()),
					   dw_system_bh_wq, &b[i].work));
	}
	/* Nobody runs the lanes: fini must, rather than hang or drop them. */
	ck_assert_int_eq(dw_work_lib_fini(), 0);
	for (i = 0; i < 16; i++)
		ck_assert_uint_eq(runs_of(&b[i]), 1);
	rte_eal_cleanup();
}
END_TEST

START_TEST(test_work_telemetry)
{
	struct bitem b = { 0 };
	char buf[4096];

	fences_seqcst = _i & 1;
	up(false);
	dw_work_init(&b.work, bitem_fn);
	ck_assert(dw_queue_work(dw_system_wq, &b.work));
	ck_assert_int_ge(dw_flush_work(&b.work), 0);
	dw_test_telemetry("/dwork/wq/list", buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "\"events\"") && strstr(buf, "\"events_bh\"") &&
			  strstr(buf, "\"events_unbound\""),
		      "%s", buf);
	dw_test_telemetry("/dwork/wq/info,events", buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "\"queued\":1") && strstr(buf, "\"completed\":1") &&
			  strstr(buf, "\"kind\":\"bound\""),
		      "%s", buf);
	dw_test_telemetry("/dwork/wq/info,events_bh", buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "\"kind\":\"bh\""), "%s", buf);
	/* membarrier() where the kernel has it; DW_BH_NO_MEMBARRIER forces the fallback. */
	ck_assert_msg(strstr(buf, fences_seqcst ? "\"fences\":\"seq-cst\"" : "\"fences\":\""), "%s",
		      buf);
	dw_test_telemetry("/dwork/wq/info,nosuchqueue", buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "null") != NULL, "%s", buf);
	dw_test_telemetry("/dwork/pool/list", buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "[0,1,2") != NULL, "%s", buf);
	dw_test_telemetry("/dwork/pool/info,0", buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "\"kind\":\"normal\"") && strstr(buf, "\"workers\""), "%s", buf);
	dw_test_telemetry("/dwork/pool/info,x", buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "null") != NULL, "%s", buf);
	down();
}
END_TEST

static int deadlk_rc[2];

static void
self_flush_fn(struct dw_work *w)
{
	deadlk_rc[0] = dw_flush_work(w);
	deadlk_rc[1] = dw_cancel_work_sync(w);
}

START_TEST(test_bad_input)
{
	struct dw_wq_conf c = { .size = sizeof(c), .flags = DW_WQ_BH };
	struct bitem b = { 0 };
	static const char *const args[] = { "-l", "0-1", NULL };

	ck_assert_int_ge(dw_test_eal_init(args), 0);
	ck_assert_int_eq(dw_bh_init(), -ESHUTDOWN); /* before dw_work_lib_init */
	ck_assert_int_eq(dw_work_lib_init(NULL), 0);
	ck_assert_ptr_null(dw_wq_create("bh_early", &c));
	ck_assert_int_eq(rte_errno, ENOTSUP);
	ck_assert_int_eq(dw_bh_init(), 0);
	ck_assert_int_eq(dw_bh_init(), -EALREADY);
	worker_lcore = rte_get_next_lcore(-1, 1, 0);
	dw_work_init(&b.work, bitem_fn);
	ck_assert(!dw_queue_work_on(100, dw_system_bh_wq, &b.work));
	ck_assert_int_eq(rte_errno, EINVAL);
	ck_assert(!dw_queue_work_on(-5, dw_system_bh_wq, &b.work));
	ck_assert_int_eq(dw_bh_set_kick(RTE_MAX_LCORE, kick_fn, NULL), -EINVAL);
	ck_assert_int_eq(dw_bh_lane_offline(worker_lcore, 200), -EINVAL);
	ck_assert_uint_eq(dw_bh_lane_run(10, 0), 0);
	/* An item flushing or cancelling itself from its lane: refused, no hang. */
	dw_work_init(&b.work, self_flush_fn);
	ck_assert(dw_queue_work(dw_system_bh_wq, &b.work));
	ck_assert_uint_eq(dw_bh_lane_run(10, 0), 1);
	ck_assert_int_eq(deadlk_rc[0], -EDEADLK);
	ck_assert_int_eq(deadlk_rc[1], -EDEADLK);
	ck_assert_int_eq(dw_wq_destroy(dw_system_bh_wq), -EPERM);
	ck_assert_int_eq(dw_work_lib_fini(), 0);
	rte_eal_cleanup();
}
END_TEST

/* --- stress: producers, cancellers and flushers against two running lanes --- */

#define SITEMS 64
static struct sitem {
	struct dw_delayed_work dw;
	uint64_t queued, cancelled, ran; /* atomic */
} sitems[SITEMS];

static void
sfn(struct dw_work *w)
{
	struct sitem *s = container_of(dw_to_delayed_work(w), struct sitem, dw);

	__atomic_add_fetch(&s->ran, 1, __ATOMIC_RELAXED);
}

static uint32_t sthreads_done;

struct sarg {
	unsigned int seed;
	unsigned long ops;
};

static void *
sthread(void *arg)
{
	struct sarg *a = arg;
	unsigned long i;
	int rc;

	for (i = 0; i < a->ops; i++) {
		unsigned int r = (unsigned int)rand_r(&a->seed);
		struct sitem *s = &sitems[r % SITEMS];
		int lane = (r >> 10) & 1 ? (int)worker_lcore : (int)rte_get_main_lcore();

		switch ((r >> 12) % 10) {
		case 0 ... 3:
			if (dw_queue_work_on(lane, dw_system_bh_wq, &s->dw.work))
				__atomic_add_fetch(&s->queued, 1, __ATOMIC_RELAXED);
			break;
		case 4:
			if (dw_queue_delayed_work_on(lane, dw_system_bh_wq, &s->dw,
						     (r >> 16) % 300))
				__atomic_add_fetch(&s->queued, 1, __ATOMIC_RELAXED);
			break;
		case 5 ... 6:
			if (dw_cancel_delayed_work(&s->dw))
				__atomic_add_fetch(&s->cancelled, 1, __ATOMIC_RELAXED);
			break;
		case 7:
			rc = dw_cancel_delayed_work_sync(&s->dw);
			if (rc == 1)
				__atomic_add_fetch(&s->cancelled, 1, __ATOMIC_RELAXED);
			break;
		case 8:
			dw_flush_work(&s->dw.work);
			break;
		default:
			dw_flush_delayed_work(&s->dw);
			break;
		}
	}
	__atomic_add_fetch(&sthreads_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

START_TEST(test_stress_accounting)
{
	const char *env = getenv("DW_STRESS_OPS");
	unsigned long ops = env != NULL ? strtoul(env, NULL, 10) / 16 : 60000;
	struct sarg args[3];
	pthread_t t[3];
	uint64_t q = 0, r = 0, x = 0;
	struct dw_wq_stats st;
	unsigned int i;

	fences_seqcst = _i & 1; /* membarrier() fences, then the seq-cst fallback */
	memset(sitems, 0, sizeof(sitems));
	__atomic_store_n(&sthreads_done, 0, __ATOMIC_RELAXED);
	up(true);
	for (i = 0; i < SITEMS; i++)
		dw_delayed_work_init(&sitems[i].dw, sfn);
	for (i = 0; i < 3; i++) {
		args[i] = (struct sarg){ .seed = 77 + i, .ops = ops };
		pthread_create(&t[i], NULL, sthread, &args[i]);
	}
	/* The main lcore runs its own lane while the producers work. */
	while (__atomic_load_n(&sthreads_done, __ATOMIC_ACQUIRE) < 3)
		dw_bh_lane_run(64, 0);
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < SITEMS; i++)
		ck_assert_int_ge(dw_flush_delayed_work(&sitems[i].dw), 0);
	ck_assert_int_eq(dw_flush_wq(dw_system_bh_wq), 0);
	for (i = 0; i < SITEMS; i++) {
		ck_assert_msg(sitems[i].queued == sitems[i].ran + sitems[i].cancelled,
			      "item %u: queued %lu ran %lu cancelled %lu", i,
			      (unsigned long)sitems[i].queued, (unsigned long)sitems[i].ran,
			      (unsigned long)sitems[i].cancelled);
		q += sitems[i].queued;
		r += sitems[i].ran;
		x += sitems[i].cancelled;
	}
	printf("BH stress (%s): %lu queued = %lu ran + %lu cancelled\n",
	       fences_seqcst ? "seq-cst" : "fences as found", (unsigned long)q, (unsigned long)r,
	       (unsigned long)x);
	ck_assert_uint_gt(r, 1000);
	ck_assert_uint_gt(x, 100);
	ck_assert_int_eq(dw_wq_stats_get(dw_system_bh_wq, &st), 0);
	ck_assert_uint_eq(st.queued, st.completed + st.cancelled);
	down();
}
END_TEST

/*
 * --- race tests: pause points (dw_debug.h) park one thread at the racing
 * line while the test drives the other; each failed before its fix ---
 */

/* An item that runs until its waiter is seen waiting at @point, or has returned. */
struct holder {
	struct dw_work work;
	const char *point;
	bool started;	  /* atomic */
	bool waiter_done; /* atomic */
	bool overlap;	  /* the waiter returned while the item still ran */
};

static void
hold_fn(struct dw_work *w)
{
	struct holder *h = container_of(w, struct holder, work);
	uint64_t dl = dw_test_now_ms() + 10000 * dw_test_time_scale();

	__atomic_store_n(&h->started, true, __ATOMIC_SEQ_CST);
	while (!dw_pause_parked(h->point) && !__atomic_load_n(&h->waiter_done, __ATOMIC_SEQ_CST) &&
	       dw_test_now_ms() < dl)
		dw_test_sleep_us(100);
	h->overlap = __atomic_load_n(&h->waiter_done, __ATOMIC_SEQ_CST);
}

struct waiter {
	struct holder *h;
	int (*call)(struct dw_work *w);
	int rc;
};

static void *
waiter_main(void *arg)
{
	struct waiter *a = arg;

	DW_TEST_WAIT(__atomic_load_n(&a->h->started, __ATOMIC_SEQ_CST), 10000);
	a->rc = a->call(&a->h->work);
	__atomic_store_n(&a->h->waiter_done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * Defect 1: an item handed to the trustee by dw_bh_lane_offline() runs there;
 * a waiter on another thread must watch the trustee, not the old lane.
 */
static void
offline_handover_wait(int (*call)(struct dw_work *w), const char *point, int want_rc)
{
	struct holder h = { .point = point };
	struct waiter a = { .h = &h, .call = call };
	pthread_t t;

	dw_test_need_pause_points();
	up(false);
	dw_work_init(&h.work, hold_fn);
	ck_assert(dw_queue_work_on((int)worker_lcore, dw_system_bh_wq, &h.work));
	ck_assert_int_eq(dw_bh_lane_offline(worker_lcore, rte_get_main_lcore()), 1);
	ck_assert_int_eq(dw_pause_arm(point, 0), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, waiter_main, &a), 0);
	ck_assert_uint_eq(dw_bh_lane_run(10, 0), 1); /* the trustee runs it here */
	dw_pause_release(point);
	pthread_join(t, NULL);
	ck_assert_msg(!h.overlap, "the waiter returned while the handed-over item ran");
	ck_assert_int_eq(a.rc, want_rc);
	down();
}

START_TEST(test_race_offline_cancel_sync)
{
	offline_handover_wait(dw_cancel_work_sync, "bh.cancel.wait_running", 0);
}
END_TEST

START_TEST(test_race_offline_flush)
{
	offline_handover_wait(dw_flush_work, "bh.flush.wait", 1);
}
END_TEST

/*
 * Defect 3: a producer loads the flush color, a flush flips it and returns,
 * then the producer counts its item under the old color. A flush called
 * after the queueing returned must still wait for the item.
 */
START_TEST(test_race_flush_color)
{
	struct bitem b = { 0 };
	struct producer p = { .work = &b.work, .lcore = (int)rte_get_main_lcore() };
	pthread_t t;

	dw_test_need_pause_points();
	up(false);
	p.wq = dw_system_bh_wq;
	dw_work_init(&b.work, bitem_fn);
	ck_assert_int_eq(dw_pause_arm("bh.take_color.loaded", 0), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, produce_main, &p), 0);
	ck_assert_int_eq(dw_pause_wait("bh.take_color.loaded", 10000), 0);
	ck_assert_int_eq(dw_flush_wq(dw_system_bh_wq), 0); /* overlaps the queueing */
	ck_assert_int_eq(dw_pause_release("bh.take_color.loaded"), 0);
	pthread_join(t, NULL);
	ck_assert(p.ok);
	ck_assert_int_eq(dw_flush_wq(dw_system_bh_wq), 0);
	ck_assert_msg(runs_of(&b) == 1, "dw_flush_wq() returned before an item queued earlier ran");
	down();
}
END_TEST

/*
 * Defect 4: a producer picks lane 1, lane 1 goes offline (moving nothing),
 * then the producer pushes (or arms its timer) on the dead lane. The item
 * must reach the trustee: it runs there and a flush returns.
 */
static void
offline_vs_producer(bool delayed)
{
	const char *point = delayed ? "bh.arm.picked" : "bh.queue.picked";
	unsigned int main_lc = rte_get_main_lcore();
	struct bitem b = { 0 };
	struct producer p = { .work = &b.work, .delay_us = 1000 };
	pthread_t t;

	dw_test_need_pause_points();
	up(false);
	p.wq = dw_system_bh_wq;
	p.lcore = (int)worker_lcore;
	dw_work_init(&b.work, bitem_fn);
	if (delayed) {
		dw_delayed_work_init(&b.dw, bdelayed_fn);
		p.dwork = &b.dw;
	}
	ck_assert_int_eq(dw_pause_arm(point, 0), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, produce_main, &p), 0);
	ck_assert_int_eq(dw_pause_wait(point, 10000), 0);
	ck_assert_int_eq(dw_bh_lane_offline(worker_lcore, main_lc), 0);
	ck_assert_int_eq(dw_pause_release(point), 0);
	pthread_join(t, NULL);
	ck_assert(p.ok);
	if (delayed) {
		ck_assert_msg(dw_bh_lane_next_timer(main_lc) != UINT64_MAX,
			      "the timer armed during the hand-over is not on the trustee");
		ck_assert(DW_TEST_WAIT((dw_bh_lane_run(10, 0), runs_of(&b) == 1), 10000));
		ck_assert_int_eq(dw_flush_delayed_work(&b.dw), 0);
	} else {
		ck_assert_msg(dw_bh_lane_pending(main_lc),
			      "the item queued during the hand-over is not on the trustee");
		ck_assert_uint_eq(dw_bh_lane_run(10, 0), 1);
		ck_assert_uint_eq(runs_of(&b), 1);
		ck_assert_int_eq(dw_flush_work(&b.work), 0);
	}
	ck_assert_uint_eq(b.lcore, main_lc);
	down();
}

START_TEST(test_race_offline_queue)
{
	offline_vs_producer(false);
}
END_TEST

START_TEST(test_race_offline_arm)
{
	offline_vs_producer(true);
}
END_TEST

/* --- counters: per-lcore BH counts summed by dw_wq_stats_get() --- */

static struct dw_wq_stats seen_running; /* stats read by stats_item_fn while it ran */

static void
stats_item_fn(struct dw_work *w)
{
	struct bitem *b = container_of(w, struct bitem, work);

	ck_assert_int_eq(dw_wq_stats_get(b->wq, &seen_running), 0);
	__atomic_add_fetch(&b->runs, 1, __ATOMIC_SEQ_CST);
}

static void
expect_stats(struct dw_wq *wq, uint64_t queued, uint64_t started, uint64_t cancelled,
	     uint32_t pending)
{
	struct dw_wq_stats st;

	ck_assert_int_eq(dw_wq_stats_get(wq, &st), 0);
	ck_assert_uint_eq(st.queued, queued);
	ck_assert_uint_eq(st.started, started);
	ck_assert_uint_eq(st.completed, started);
	ck_assert_uint_eq(st.cancelled, cancelled);
	ck_assert_uint_eq(st.pending, pending);
	ck_assert_uint_eq(st.running, 0);
}

/*
 * A BH queue counts its fast path per lcore (the producer's lcore for
 * queueings, the lane's for runs) and threads without an lcore id, cancels
 * and revivals in struct dw_wq: the sum must be exact once things settle,
 * and a running item must see itself running and no longer pending.
 */
START_TEST(test_wq_stats_per_lcore)
{
	struct dw_wq_conf c = { .size = sizeof(c), .flags = DW_WQ_BH };
	struct bitem b[6] = { 0 };
	struct producer p[2];
	struct dw_wq *wq;
	pthread_t t;
	unsigned int i;

	up(false);
	wq = dw_wq_create("bh_stats", &c);
	ck_assert_ptr_nonnull(wq);
	for (i = 0; i < 6; i++) {
		dw_work_init(&b[i].work, i == 0 ? stats_item_fn : bitem_fn);
		b[i].wq = wq;
	}
	for (i = 0; i < 4; i++) /* main lcore: its own counters */
		ck_assert(dw_queue_work(wq, &b[i].work));
	for (i = 0; i < 2; i++) { /* no lcore id: the queue's atomics */
		p[i] = (struct producer){ .work = &b[4 + i].work,
					  .wq = wq,
					  .lcore = (int)rte_get_main_lcore() };
		ck_assert_int_eq(pthread_create(&t, NULL, produce_main, &p[i]), 0);
		pthread_join(t, NULL);
		ck_assert(p[i].ok);
	}
	expect_stats(wq, 6, 0, 0, 6);
	ck_assert(dw_cancel_work(&b[1].work)); /* lcore-counted, cancelled in struct dw_wq */
	ck_assert(dw_cancel_work(&b[5].work));
	expect_stats(wq, 6, 0, 2, 4);
	ck_assert(dw_queue_work(wq, &b[1].work)); /* revived where it sits */
	expect_stats(wq, 7, 0, 2, 5);
	ck_assert_uint_eq(dw_bh_lane_run(100, 0), 5);
	ck_assert_uint_eq(seen_running.running, 1);
	ck_assert_uint_eq(seen_running.started, 1);
	ck_assert_uint_eq(seen_running.pending, 4);
	expect_stats(wq, 7, 5, 2, 0);
	ck_assert_uint_eq(runs_of(&b[5]), 0);
	ck_assert_int_eq(dw_wq_destroy(wq), 0);
	down();
}
END_TEST

/* --- BH items waiting on BH items (defect 2): -EDEADLK or progress, never a hang --- */

struct waiter_item {
	struct dw_work work;
	struct dw_work *target; /* flush or cancel_sync this */
	struct dw_wq *flush_wq; /* or flush this queue */
	int (*call)(struct dw_work *w);
	int rc;
	uint32_t runs; /* atomic */
};

static void
waiter_item_fn(struct dw_work *w)
{
	struct waiter_item *x = container_of(w, struct waiter_item, work);

	x->rc = x->flush_wq != NULL ? dw_flush_wq(x->flush_wq) : x->call(x->target);
	__atomic_add_fetch(&x->runs, 1, __ATOMIC_SEQ_CST);
}

/* Fails the test (from its own thread) if anyone parks at @point before *@stop. */
struct watch {
	const char *point;
	bool stop; /* atomic */
};

static void *
watch_main(void *arg)
{
	struct watch *wa = arg;

	DW_TEST_WAIT(dw_pause_parked(wa->point) || __atomic_load_n(&wa->stop, __ATOMIC_SEQ_CST),
		     10000 * dw_test_time_scale());
	ck_assert_msg(!dw_pause_parked(wa->point), "a BH item waits at %s for its own lane",
		      wa->point);
	return NULL;
}

/*
 * An item flushes (or cancel_syncs) an item queued behind it on its own
 * lane. Flush: -EDEADLK, the other item runs afterwards. Cancel_sync: the
 * caller owns its lane, so it takes the other item off (returns 1): it never
 * runs. Before the fix both spun for ever (the watch thread fails the test
 * as soon as the item waits).
 */
static void
own_lane_wait(int (*call)(struct dw_work *w), const char *point)
{
	struct waiter_item x = { .call = call }, y = { 0 };
	struct watch wa = { .point = point };
	struct dw_wq_conf c = { .size = sizeof(c), .flags = DW_WQ_BH };
	bool flush = call == dw_flush_work;
	struct dw_wq *other;
	pthread_t t;

	dw_test_need_pause_points();
	up(false);
	dw_work_init(&x.work, waiter_item_fn);
	dw_work_init(&y.work, waiter_item_fn);
	y.flush_wq = other = dw_wq_create("bh_other", &c);
	ck_assert_ptr_nonnull(other);
	x.target = &y.work;
	ck_assert_int_eq(dw_pause_arm(point, 0), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, watch_main, &wa), 0);
	ck_assert(dw_queue_work(dw_system_bh_wq, &x.work));
	ck_assert(dw_queue_work(dw_system_bh_wq, &y.work));
	ck_assert_uint_eq(dw_bh_lane_run(10, 0), flush ? 2 : 1);
	__atomic_store_n(&wa.stop, true, __ATOMIC_SEQ_CST);
	pthread_join(t, NULL);
	dw_pause_reset();
	ck_assert_int_eq(x.rc, flush ? -EDEADLK : 1);
	ck_assert_uint_eq(__atomic_load_n(&y.runs, __ATOMIC_SEQ_CST), flush ? 1 : 0);
	/* y, run from a BH item, flushed another BH queue: refused as well. */
	if (flush)
		ck_assert_int_eq(y.rc, -EDEADLK);
	ck_assert(!dw_work_busy(&y.work));
	ck_assert(!dw_bh_lane_pending(rte_get_main_lcore()));
	/* The taken-off item is idle and queues again. */
	ck_assert(dw_queue_work(dw_system_bh_wq, &y.work));
	ck_assert_int_eq(dw_flush_work(&y.work), 1);
	ck_assert_int_eq(dw_wq_destroy(other), 0);
	down();
}

START_TEST(test_bh_flush_own_lane)
{
	own_lane_wait(dw_flush_work, "bh.flush.wait");
}
END_TEST

START_TEST(test_bh_cancel_sync_own_lane)
{
	own_lane_wait(dw_cancel_work_sync, "bh.cancel.wait_pending");
}
END_TEST

/*
 * Two lanes whose items flush each other's queued items: x on lane 1 waits
 * for y on lane 0 (parked at bh.flush.wait), then z on lane 0 flushes w,
 * queued behind x on lane 1. z must get -EDEADLK; then y runs and x returns.
 * Before the fix z spun for ever (the test timed out).
 */
START_TEST(test_bh_flush_cycle)
{
	struct waiter_item x = { .call = dw_flush_work }, z = { .call = dw_flush_work };
	struct bitem y = { 0 }, w = { 0 };

	dw_test_need_pause_points();
	up(true);
	dw_work_init(&x.work, waiter_item_fn);
	dw_work_init(&y.work, bitem_fn);
	dw_work_init(&z.work, waiter_item_fn);
	dw_work_init(&w.work, bitem_fn);
	x.target = &y.work;
	z.target = &w.work;
	ck_assert(dw_queue_work(dw_system_bh_wq, &z.work)); /* lane 0: z, then y */
	ck_assert(dw_queue_work(dw_system_bh_wq, &y.work));
	ck_assert_int_eq(dw_pause_arm("bh.flush.wait", 0), 0);
	ck_assert(dw_queue_work_on((int)worker_lcore, dw_system_bh_wq, &x.work));
	ck_assert(dw_queue_work_on((int)worker_lcore, dw_system_bh_wq, &w.work));
	ck_assert_int_eq(dw_pause_wait("bh.flush.wait", 10000), 0); /* x waits for y */
	ck_assert_uint_eq(dw_bh_lane_run(10, 0), 2);		    /* z, then y */
	ck_assert_int_eq(z.rc, -EDEADLK);
	ck_assert_int_eq(dw_pause_release("bh.flush.wait"), 0);
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&x.runs, __ATOMIC_SEQ_CST) == 1, 10000));
	ck_assert_int_eq(x.rc, 1);
	ck_assert_uint_eq(runs_of(&y), 1);
	ck_assert_int_ge(dw_flush_work(&w.work), 0); /* w ran after x on lane 1 */
	ck_assert_uint_eq(runs_of(&w), 1);
	down();
}
END_TEST

/* --- dw_disable_work() on BH queues --- */

START_TEST(test_bh_disable)
{
	struct bitem b = { 0 };
	struct dw_bh_lane_stats st;

	up(false);
	dw_work_init(&b.work, bitem_fn);
	ck_assert(dw_queue_work(dw_system_bh_wq, &b.work));
	ck_assert(dw_disable_work(&b.work));		     /* queued: tombstoned where it sits */
	ck_assert(!dw_disable_work(&b.work));		     /* nests; nothing pending now */
	ck_assert(!dw_queue_work(dw_system_bh_wq, &b.work)); /* no revive while disabled */
	ck_assert_int_eq(rte_errno, ECANCELED);
	ck_assert_uint_eq(dw_bh_lane_run(10, 0), 0);
	ck_assert_int_eq(dw_bh_lane_stats_get(rte_get_main_lcore(), &st), 0);
	ck_assert_uint_eq(st.dropped, 1);
	ck_assert(!dw_enable_work(&b.work));
	ck_assert(!dw_queue_work(dw_system_bh_wq, &b.work));
	ck_assert(dw_enable_work(&b.work));
	ck_assert(dw_queue_work(dw_system_bh_wq, &b.work));
	ck_assert_uint_eq(dw_bh_lane_run(10, 0), 1);
	ck_assert_uint_eq(runs_of(&b), 1);
	/* Delayed BH work: the timer is disarmed. */
	dw_delayed_work_init(&b.dw, bdelayed_fn);
	ck_assert(dw_queue_delayed_work(dw_system_bh_wq, &b.dw, 1000));
	ck_assert(dw_disable_delayed_work(&b.dw));
	ck_assert(dw_bh_lane_next_timer(rte_get_main_lcore()) == UINT64_MAX);
	ck_assert_int_eq(dw_mod_delayed_work(dw_system_bh_wq, &b.dw, 0), -ECANCELED);
	ck_assert(dw_enable_delayed_work(&b.dw));
	down();
}
END_TEST

static int
disable_sync_call(struct dw_work *w)
{
	return dw_disable_work_sync(w);
}

/* dw_disable_work_sync() from another thread waits for the running BH item. */
START_TEST(test_bh_disable_sync_waits)
{
	struct holder h = { .point = "bh.cancel.wait_running" };
	struct waiter a = { .h = &h, .call = disable_sync_call };
	pthread_t t;

	dw_test_need_pause_points();
	up(false);
	dw_work_init(&h.work, hold_fn);
	ck_assert(dw_queue_work(dw_system_bh_wq, &h.work));
	ck_assert_int_eq(dw_pause_arm(h.point, 0), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, waiter_main, &a), 0);
	ck_assert_uint_eq(dw_bh_lane_run(10, 0), 1);
	dw_pause_release(h.point);
	pthread_join(t, NULL);
	ck_assert_msg(!h.overlap, "dw_disable_work_sync() returned while the item ran");
	ck_assert_int_eq(a.rc, 0);
	ck_assert(!dw_queue_work(dw_system_bh_wq, &h.work));
	ck_assert(dw_enable_work(&h.work));
	down();
}
END_TEST

int
main(int argc, char **argv)
{
	Suite *s = suite_create("bh");
	TCase *tc = tcase_create("bh");
	TCase *races = tcase_create("races"); /* CK_RUN_CASE=races runs only these */

	if (argc > 1 && argv[1][0] == 's') { /* "stress": the stress suite's entry */
		tcase_add_loop_test(tc, test_stress_accounting, 0, 2);
	} else {
		tcase_add_test(tc, test_runs_on_target_lane);
		tcase_add_test(tc, test_fifo_per_producer);
		tcase_add_test(tc, test_budget_and_cancel);
		tcase_add_test(tc, test_cancel_sync_self_requeue);
		tcase_add_test(tc, test_flush_from_other_thread_and_own_lane);
		tcase_add_test(tc, test_delayed_bh);
		tcase_add_test(tc, test_delayed_bh_realtime);
		tcase_add_test(tc, test_kick_and_trustee);
		tcase_add_test(tc, test_fini_runs_what_is_left);
		tcase_add_test(tc, test_bad_input);
		tcase_add_loop_test(tc, test_work_telemetry, 0, 2);
		tcase_add_test(tc, test_wq_stats_per_lcore);
		tcase_add_test(races, test_race_offline_cancel_sync);
		tcase_add_test(races, test_race_offline_flush);
		tcase_add_test(races, test_race_flush_color);
		tcase_add_test(races, test_race_offline_queue);
		tcase_add_test(races, test_race_offline_arm);
		tcase_add_test(races, test_bh_flush_own_lane);
		tcase_add_test(races, test_bh_cancel_sync_own_lane);
		tcase_add_test(races, test_bh_flush_cycle);
		tcase_add_test(tc, test_bh_disable);
		tcase_add_test(races, test_bh_disable_sync_waits);
	}
	suite_add_tcase(s, tc);
	suite_add_tcase(s, races);
	return dw_test_run(s);
}
