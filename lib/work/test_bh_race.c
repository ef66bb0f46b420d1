/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one-pass BH queueing path (bh_queue_new()) and the owner's own list,
 * on real EAL lcores (-l 0-1): every window they open gets a pause point and
 * a test here. The producer's in-flight count against flush, drain and
 * destroy; a claim refused after the count; LINKED set by the claim against
 * a canceller and a reviver; a first queueing overtaken by another queue;
 * the owner appending to its own list against dw_bh_lane_offline() from
 * another thread; non-reentrancy across lanes; run snapshots and push order.
 * Each test that takes an index runs once with membarrier() fences (even
 * index) and once with the seq-cst fallback (odd index).
 */
#include "test_bh_common.h"

/* Point @name is reached within the test's bound. */
static void
expect_parked(const char *name)
{
	ck_assert_msg(dw_pause_wait(name, 10000 * dw_test_time_scale()) == 0,
		      "nobody reached pause point %s", name);
}

/* The lanes run with membarrier() (else the owner's own list is not used). */
static bool
fences_asym(void)
{
	char buf[4096];

	dw_test_telemetry("/dwork/wq/info,events_bh", buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "\"fences\":"), "%s", buf);
	return strstr(buf, "\"fences\":\"membarrier\"") != NULL;
}

/*
 * Non-reentrancy across lanes: an item still running on lane 1 and queued
 * again from lcore 0 (its own lane by default) must not start on lane 0
 * while lane 1 runs it; it runs again on lane 1 once the first run returns.
 * Before the fix lane 0 ran it at once, beside lane 1.
 */
struct reent {
	struct dw_work work;
	uint32_t inside, overlap, runs; /* atomic */
	unsigned int lcore;		/* lcore of the last run */
	bool release;			/* atomic: the first run may return */
};

static void
reent_fn(struct dw_work *w)
{
	struct reent *r = container_of(w, struct reent, work);
	uint64_t dl = dw_test_now_ms() + 10000 * dw_test_time_scale();

	if (__atomic_add_fetch(&r->inside, 1, __ATOMIC_SEQ_CST) > 1)
		__atomic_add_fetch(&r->overlap, 1, __ATOMIC_SEQ_CST);
	r->lcore = rte_lcore_id();
	if (__atomic_add_fetch(&r->runs, 1, __ATOMIC_SEQ_CST) == 1)
		while (!__atomic_load_n(&r->release, __ATOMIC_SEQ_CST) && dw_test_now_ms() < dl)
			dw_test_sleep_us(100);
	__atomic_sub_fetch(&r->inside, 1, __ATOMIC_SEQ_CST);
}

static uint32_t
reent_runs(struct reent *r)
{
	return __atomic_load_n(&r->runs, __ATOMIC_SEQ_CST);
}

START_TEST(test_bh_non_reentrant)
{
	struct reent r = { 0 };

	fences_seqcst = _i & 1;
	up(true);
	dw_work_init(&r.work, reent_fn);
	ck_assert(dw_queue_work_on((int)worker_lcore, dw_system_bh_wq, &r.work));
	ck_assert(DW_TEST_WAIT(reent_runs(&r) == 1, 10000));
	/* Running on lane 1, not pending: this queues a second instance. */
	ck_assert(dw_queue_work(dw_system_bh_wq, &r.work));
	dw_bh_lane_run(10, 0); /* lane 0 must not start it while lane 1 runs it */
	ck_assert_uint_eq(__atomic_load_n(&r.overlap, __ATOMIC_SEQ_CST), 0);
	__atomic_store_n(&r.release, true, __ATOMIC_SEQ_CST);
	ck_assert_int_ge(dw_flush_work(&r.work), 0);
	ck_assert_uint_eq(reent_runs(&r), 2);
	ck_assert_uint_eq(__atomic_load_n(&r.overlap, __ATOMIC_SEQ_CST), 0);
	ck_assert_uint_eq(r.lcore, worker_lcore);
	down();
}
END_TEST

/* A thread calling a whole-queue wait: flush, drain or destroy. */
struct qwaiter {
	struct dw_wq *wq;
	int op; /* 0 flush, 1 drain, 2 destroy */
	struct bitem *b;
	int rc;
	uint32_t runs_at_return; /* b's runs when the call returned */
	bool done;		 /* atomic */
};

static void *
qwaiter_main(void *arg)
{
	struct qwaiter *q = arg;

	q->rc = q->op == 0   ? dw_flush_wq(q->wq)
		: q->op == 1 ? dw_drain_wq(q->wq)
			     : dw_wq_destroy(q->wq);
	q->runs_at_return = runs_of(q->b);
	__atomic_store_n(&q->done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * A producer on lcore 1 has counted its item in flight and checked the
 * queue (bh.queue.counted), not yet claimed it. A flush, drain or destroy of
 * the queue called now must wait for the item: it finds the count
 * (bh.flush.wait_color) and returns only after the item ran. Without the
 * count taken before the check (nr_queuers is not used on this path), the
 * call returned at once with the item still to come.
 */
START_TEST(test_race_wait_counted)
{
	struct dw_wq_conf c = { .size = sizeof(c), .flags = DW_WQ_BH };
	struct bitem b = { 0 };
	struct producer p = { .work = &b.work, .lcore = DW_WORK_ANY, .run_lane = true };
	struct qwaiter q = { .op = _i / 2, .b = &b };
	pthread_t t;

	dw_test_need_pause_points();
	fences_seqcst = _i & 1;
	up(false);
	q.wq = p.wq = dw_wq_create("bh_counted", &c);
	ck_assert_ptr_nonnull(p.wq);
	dw_work_init(&b.work, bitem_fn);
	ck_assert_int_eq(dw_pause_arm("bh.queue.counted", 0), 0);
	launch_producer(&p); /* its own lane, which it runs afterwards */
	expect_parked("bh.queue.counted");
	ck_assert_int_eq(dw_pause_arm("bh.flush.wait_color", 0), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, qwaiter_main, &q), 0);
	expect_parked("bh.flush.wait_color");
	ck_assert(!__atomic_load_n(&q.done, __ATOMIC_SEQ_CST));
	ck_assert_int_eq(dw_pause_release("bh.queue.counted"), 0);
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&p.done, __ATOMIC_SEQ_CST), 10000));
	ck_assert(p.ok);
	ck_assert_int_eq(dw_pause_release("bh.flush.wait_color"), 0);
	pthread_join(t, NULL);
	ck_assert_int_eq(q.rc, 0);
	ck_assert_msg(q.runs_at_return == 1, "the wait returned before the item it overlapped ran");
	if (q.op != 2)
		ck_assert_int_eq(dw_wq_destroy(q.wq), 0);
	down();
}
END_TEST

/*
 * A producer on lcore 1 read the queue alive and is about to count itself in
 * (bh.take_color.loaded) when the queue is destroyed. It must then be
 * refused (ESHUTDOWN) without queueing, and its count lands in the husk's
 * counters, which the destroy keeps (ASan reports the write if it freed
 * them, as it did before this path counted there).
 */
START_TEST(test_race_destroy_refuses)
{
	struct dw_wq_conf c = { .size = sizeof(c), .flags = DW_WQ_BH };
	struct bitem b = { 0 };
	struct producer p = { .work = &b.work, .lcore = DW_WORK_ANY };
	struct dw_wq *wq;

	dw_test_need_pause_points();
	fences_seqcst = _i & 1;
	up(false);
	p.wq = wq = dw_wq_create("bh_refuse", &c);
	ck_assert_ptr_nonnull(wq);
	dw_work_init(&b.work, bitem_fn);
	ck_assert_int_eq(dw_pause_arm("bh.take_color.loaded", 0), 0);
	launch_producer(&p);
	expect_parked("bh.take_color.loaded");
	ck_assert_int_eq(dw_wq_destroy(wq), 0);
	ck_assert_int_eq(dw_pause_release("bh.take_color.loaded"), 0);
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&p.done, __ATOMIC_SEQ_CST), 10000));
	ck_assert(!p.ok);
	ck_assert_int_eq(p.err, ESHUTDOWN);
	ck_assert(!dw_work_pending(&b.work));
	ck_assert_uint_eq(runs_of(&b), 0);
	down();
}
END_TEST

/*
 * The count is taken, then the claim finds the item disabled: the producer
 * fails with ECANCELED and must take its count back, or every later flush of
 * the queue waits for an item that never comes.
 */
START_TEST(test_race_disable_counted)
{
	struct bitem b = { 0 };
	struct producer p = { .work = &b.work, .lcore = DW_WORK_ANY };
	struct qwaiter q = { .op = 0, .b = &b };
	pthread_t t;

	dw_test_need_pause_points();
	fences_seqcst = _i & 1;
	up(false);
	q.wq = p.wq = dw_system_bh_wq;
	dw_work_init(&b.work, bitem_fn);
	ck_assert_int_eq(dw_pause_arm("bh.queue.counted", 0), 0);
	launch_producer(&p);
	expect_parked("bh.queue.counted");
	ck_assert(!dw_disable_work(&b.work)); /* idle: nothing cancelled */
	ck_assert_int_eq(dw_pause_release("bh.queue.counted"), 0);
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&p.done, __ATOMIC_SEQ_CST), 10000));
	ck_assert(!p.ok);
	ck_assert_int_eq(p.err, ECANCELED);
	ck_assert_int_eq(pthread_create(&t, NULL, qwaiter_main, &q), 0);
	ck_assert_msg(
	    DW_TEST_WAIT(__atomic_load_n(&q.done, __ATOMIC_SEQ_CST), 10000 * dw_test_time_scale()),
	    "dw_flush_wq() waits for the refused queueing's count");
	pthread_join(t, NULL);
	ck_assert(dw_enable_work(&b.work));
	down();
}
END_TEST

/*
 * The flush-color race of test_race_flush_color, with the producer on an
 * lcore (its per-lcore counters): loaded the color, then a flush flips it and
 * returns. A flush called after the queueing returned must wait for the item.
 */
START_TEST(test_race_flush_color_lcore)
{
	struct bitem b = { 0 };
	struct producer p = { .work = &b.work, .lcore = (int)rte_get_main_lcore() };

	dw_test_need_pause_points();
	fences_seqcst = _i & 1;
	up(false);
	p.lcore = (int)rte_get_main_lcore();
	p.wq = dw_system_bh_wq;
	dw_work_init(&b.work, bitem_fn);
	ck_assert_int_eq(dw_pause_arm("bh.take_color.loaded", 0), 0);
	launch_producer(&p);
	expect_parked("bh.take_color.loaded");
	ck_assert_int_eq(dw_flush_wq(dw_system_bh_wq), 0); /* overlaps the queueing */
	ck_assert_int_eq(dw_pause_release("bh.take_color.loaded"), 0);
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&p.done, __ATOMIC_SEQ_CST), 10000));
	ck_assert(p.ok);
	ck_assert_int_eq(dw_flush_wq(dw_system_bh_wq), 0);
	ck_assert_msg(runs_of(&b) == 1, "dw_flush_wq() returned before an item queued earlier ran");
	down();
}
END_TEST

/*
 * The owner (lcore 1) is appending to its own list (bh.own.append) when
 * another thread takes its lane offline. Offline must wait for the append
 * (bh.offline.owner_busy) and then move the item to the trustee. Without the
 * owner_busy pair, offline moved nothing and the item stayed on the dead
 * lane's list for ever. Needs membarrier(): the seq-cst fallback pushes.
 */
struct offliner {
	unsigned int lcore, trustee;
	int rc;
};

static void *
offline_main(void *arg)
{
	struct offliner *o = arg;

	o->rc = dw_bh_lane_offline(o->lcore, o->trustee);
	return NULL;
}

START_TEST(test_race_own_append_offline)
{
	struct bitem b = { 0 };
	struct producer p = { .work = &b.work, .lcore = DW_WORK_ANY };
	struct offliner o;
	pthread_t t;

	dw_test_need_pause_points();
	fences_seqcst = false;
	up(false);
	if (!fences_asym()) {
		printf("test_race_own_append_offline: no membarrier(), owners push: skipped\n");
		down();
		return;
	}
	o = (struct offliner){ .lcore = worker_lcore, .trustee = rte_get_main_lcore() };
	p.wq = dw_system_bh_wq;
	dw_work_init(&b.work, bitem_fn);
	ck_assert_int_eq(dw_pause_arm("bh.own.append", 0), 0);
	launch_producer(&p);
	expect_parked("bh.own.append");
	ck_assert_int_eq(dw_pause_arm("bh.offline.owner_busy", 0), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, offline_main, &o), 0);
	expect_parked("bh.offline.owner_busy");
	ck_assert_int_eq(dw_pause_release("bh.own.append"), 0);
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&p.done, __ATOMIC_SEQ_CST), 10000));
	ck_assert_int_eq(dw_pause_release("bh.offline.owner_busy"), 0);
	pthread_join(t, NULL);
	ck_assert(p.ok);
	ck_assert_int_eq(o.rc, 1);
	ck_assert_uint_eq(dw_bh_lane_run(10, 0), 1);
	ck_assert_uint_eq(runs_of(&b), 1);
	ck_assert_uint_eq(b.lcore, rte_get_main_lcore());
	down();
}
END_TEST

/*
 * The other half: the owner picked its own lane (bh.queue.picked), the lane
 * goes offline before it appends. The owner must see the lane offline and
 * push, which forwards the item to the trustee; appending anyway stranded
 * it on the dead lane.
 */
START_TEST(test_race_own_offline_first)
{
	struct bitem b = { 0 };
	struct producer p = { .work = &b.work, .lcore = DW_WORK_ANY };

	dw_test_need_pause_points();
	fences_seqcst = _i & 1;
	up(false);
	p.wq = dw_system_bh_wq;
	dw_work_init(&b.work, bitem_fn);
	ck_assert_int_eq(dw_pause_arm("bh.queue.picked", 0), 0);
	launch_producer(&p);
	expect_parked("bh.queue.picked");
	ck_assert_int_eq(dw_bh_lane_offline(worker_lcore, rte_get_main_lcore()), 0);
	ck_assert_int_eq(dw_pause_release("bh.queue.picked"), 0);
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&p.done, __ATOMIC_SEQ_CST), 10000));
	ck_assert(p.ok);
	ck_assert_msg(dw_bh_lane_pending(rte_get_main_lcore()),
		      "the owner's item did not follow its lane to the trustee");
	ck_assert_uint_eq(dw_bh_lane_run(10, 0), 1);
	ck_assert_uint_eq(runs_of(&b), 1);
	ck_assert_uint_eq(b.lcore, rte_get_main_lcore());
	down();
}
END_TEST

/*
 * An item queued on this queue before is claimed with LINKED in one CAS, so
 * it can be cancelled (and revived) before its producer links it
 * (bh.queue.picked). _i / 2 == 0: cancelled only: the producer still links
 * the tombstone, the lane drops it, nothing runs and the accounts balance.
 * _i / 2 == 1: cancelled, then queued again (revived in place): it runs once.
 */
START_TEST(test_race_cancel_claimed)
{
	struct bitem b = { 0 };
	struct producer p = { .work = &b.work };
	struct dw_bh_lane_stats st;
	struct dw_wq_stats ws;
	bool revive = _i / 2;
	pthread_t t;

	dw_test_need_pause_points();
	fences_seqcst = _i & 1;
	up(false);
	p.wq = dw_system_bh_wq;
	p.lcore = (int)rte_get_main_lcore();
	dw_work_init(&b.work, bitem_fn);
	ck_assert(dw_queue_work(dw_system_bh_wq, &b.work)); /* bound to the queue now */
	ck_assert_uint_eq(dw_bh_lane_run(10, 0), 1);
	ck_assert_int_eq(dw_pause_arm("bh.queue.picked", 0), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, produce_main, &p), 0);
	expect_parked("bh.queue.picked");
	ck_assert(dw_cancel_work(&b.work)); /* linked, not pushed yet: tombstoned */
	ck_assert(!dw_work_pending(&b.work));
	if (revive) {
		ck_assert(dw_queue_work(dw_system_bh_wq, &b.work));
		ck_assert(dw_work_pending(&b.work));
	}
	ck_assert_int_eq(dw_pause_release("bh.queue.picked"), 0);
	pthread_join(t, NULL);
	ck_assert(p.ok);
	ck_assert_uint_eq(dw_bh_lane_run(10, 0), revive ? 1 : 0);
	ck_assert_uint_eq(runs_of(&b), revive ? 2 : 1);
	ck_assert_int_eq(dw_bh_lane_stats_get(rte_get_main_lcore(), &st), 0);
	ck_assert_uint_eq(st.dropped, revive ? 0 : 1);
	ck_assert_int_eq(dw_flush_wq(dw_system_bh_wq), 0);
	ck_assert_int_eq(dw_wq_stats_get(dw_system_bh_wq, &ws), 0);
	ck_assert_uint_eq(ws.queued, ws.completed + ws.cancelled);
	ck_assert_uint_eq(ws.pending, 0);
	ck_assert(dw_queue_work(dw_system_bh_wq, &b.work)); /* idle again */
	ck_assert_uint_eq(dw_bh_lane_run(10, 0), 1);
	down();
}
END_TEST

/*
 * A first queueing (the item bound to no queue yet) on a user queue counted
 * itself (bh.queue.counted); meanwhile the item is queued on
 * dw_system_bh_wq and starts on lane 1, where it stays running. The first
 * producer's claim then succeeds, but the item belongs to another queue and
 * runs there: it must fail with EBUSY, not link the item on lane 0 beside
 * the running instance (the re-check of the queue after the claim).
 */
START_TEST(test_race_first_queue_overtaken)
{
	struct dw_wq_conf c = { .size = sizeof(c), .flags = DW_WQ_BH };
	struct reent r = { 0 };
	struct producer p = { .work = &r.work };
	struct dw_wq *wq;
	pthread_t t;

	dw_test_need_pause_points();
	fences_seqcst = _i & 1;
	up(true);
	p.wq = wq = dw_wq_create("bh_first", &c);
	ck_assert_ptr_nonnull(wq);
	p.lcore = (int)rte_get_main_lcore();
	dw_work_init(&r.work, reent_fn);
	ck_assert_int_eq(dw_pause_arm("bh.queue.counted", 0), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, produce_main, &p), 0);
	expect_parked("bh.queue.counted");
	ck_assert(dw_queue_work_on((int)worker_lcore, dw_system_bh_wq, &r.work));
	ck_assert(DW_TEST_WAIT(reent_runs(&r) == 1, 10000)); /* running on lane 1 */
	ck_assert_int_eq(dw_pause_release("bh.queue.counted"), 0);
	pthread_join(t, NULL);
	ck_assert(!p.ok);
	ck_assert_int_eq(p.err, EBUSY);
	ck_assert_uint_eq(dw_bh_lane_run(10, 0), 0);
	__atomic_store_n(&r.release, true, __ATOMIC_SEQ_CST);
	ck_assert_int_ge(dw_flush_work(&r.work), 0);
	ck_assert_uint_eq(__atomic_load_n(&r.overlap, __ATOMIC_SEQ_CST), 0);
	ck_assert_uint_eq(reent_runs(&r), 1);
	ck_assert_int_eq(dw_flush_wq(wq), 0); /* nothing left counted on the first queue */
	ck_assert_int_eq(dw_wq_destroy(wq), 0);
	down();
}
END_TEST

/* --- the owner's own list: what a run takes, and the order against other producers --- */

static struct bitem *chained; /* queued on its own lane by chain_fn */
static uint32_t order[4], nr_order;

static void
chain_fn(struct dw_work *w)
{
	bitem_fn(w);
	ck_assert(dw_queue_work(dw_system_bh_wq, &chained->work));
}

static void
order_fn(struct dw_work *w)
{
	struct bitem *b = container_of(w, struct bitem, work);

	order[nr_order++] = b->requeue; /* used as a label here */
	__atomic_add_fetch(&b->runs, 1, __ATOMIC_SEQ_CST);
}

/*
 * A run takes what was queued when it began: an item its own items append
 * to the lane waits for the next run, as items other producers push do.
 */
START_TEST(test_bh_run_snapshot)
{
	struct bitem x = { 0 }, y = { 0 };

	fences_seqcst = _i & 1;
	up(false);
	dw_work_init(&x.work, chain_fn);
	dw_work_init(&y.work, bitem_fn);
	chained = &y;
	ck_assert(dw_queue_work(dw_system_bh_wq, &x.work));
	ck_assert_uint_eq(dw_bh_lane_run(10, 0), 1);
	ck_assert_uint_eq(runs_of(&y), 0);
	ck_assert(dw_bh_lane_pending(rte_get_main_lcore()));
	ck_assert_uint_eq(dw_bh_lane_run(10, 0), 1);
	ck_assert_uint_eq(runs_of(&y), 1);
	down();
}
END_TEST

/*
 * Items of different producers run in push order: what another thread
 * pushed on the lane runs before what the owner appends to its own list
 * afterwards (the owner takes the stack first).
 */
START_TEST(test_bh_own_after_remote)
{
	struct bitem a = { .requeue = 1 }, b = { .requeue = 2 }, c = { .requeue = 3 };
	struct producer p = { .work = &a.work };
	pthread_t t;

	fences_seqcst = _i & 1;
	up(false);
	nr_order = 0;
	p.wq = dw_system_bh_wq;
	p.lcore = (int)rte_get_main_lcore();
	dw_work_init(&a.work, order_fn);
	dw_work_init(&b.work, order_fn);
	dw_work_init(&c.work, order_fn);
	ck_assert(dw_queue_work(dw_system_bh_wq, &c.work)); /* c is the owner's, then a, then b */
	ck_assert_uint_eq(dw_bh_lane_run(10, 0), 1);
	ck_assert_int_eq(pthread_create(&t, NULL, produce_main, &p), 0);
	pthread_join(t, NULL);
	ck_assert(p.ok);
	ck_assert(dw_queue_work(dw_system_bh_wq, &b.work));
	ck_assert_uint_eq(dw_bh_lane_run(10, 0), 2);
	ck_assert_uint_eq(nr_order, 3);
	ck_assert_uint_eq(order[1], 1);
	ck_assert_uint_eq(order[2], 2);
	down();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("bh_race");
	TCase *races = tcase_create("races"); /* CK_RUN_CASE=races as in test_bh */
	TCase *own = tcase_create("own");

	tcase_add_loop_test(races, test_bh_non_reentrant, 0, 2);
	tcase_add_loop_test(races, test_race_wait_counted, 0, 6);
	tcase_add_loop_test(races, test_race_destroy_refuses, 0, 2);
	tcase_add_loop_test(races, test_race_disable_counted, 0, 2);
	tcase_add_loop_test(races, test_race_flush_color_lcore, 0, 2);
	tcase_add_test(races, test_race_own_append_offline);
	tcase_add_loop_test(races, test_race_own_offline_first, 0, 2);
	tcase_add_loop_test(races, test_race_cancel_claimed, 0, 4);
	tcase_add_loop_test(races, test_race_first_queue_overtaken, 0, 2);
	tcase_add_loop_test(own, test_bh_run_snapshot, 0, 2);
	tcase_add_loop_test(own, test_bh_own_after_remote, 0, 2);
	suite_add_tcase(s, races);
	suite_add_tcase(s, own);
	return dw_test_run(s);
}
