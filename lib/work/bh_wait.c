/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Waiting on BH items (dw_bh.h): dw_flush_work(), dw_cancel_work(_sync)(),
 * dw_mod_delayed_work() and dw_flush_wq() of BH queues. Waiters spin,
 * running their own lane meanwhile when they are lcores outside a BH item; a
 * BH item whose wait could never end gets -EDEADLK instead.
 */
#include <errno.h>
#include <sched.h>

#include <rte_pause.h>

#include "bh_private.h"
#include "dw_bh.h"
#include "dw_debug.h"

/* --- waiting: spin, helping one's own lane --- */

/* While waiting on lane work: run our own lane if we are an lcore, else yield. */
void
bh_help(void)
{
	if (lane_self() != NULL && bh_running_lane == NULL && dw_bh_lane_run(64, 0) > 0)
		return;
	rte_pause();
	sched_yield();
}

/* Is an instance of @w up to @gen pending or running? */
static bool
bh_busy(struct dw_work *w, uint64_t gen)
{
	uint32_t st = __atomic_load_n(&w->state, __ATOMIC_SEQ_CST);
	struct lane *l;

	if ((st & WORK_PENDING) && !(st & WORK_BH_DEAD) && !(st & WORK_TIMER) &&
	    __atomic_load_n(&w->queued_gen, __ATOMIC_ACQUIRE) <= gen)
		return true;
	/*
	 * Not pending: the lane that started it (or a hand-over before that)
	 * stored last_pool before the state we just read, so read it after.
	 */
	l = __atomic_load_n((struct lane **)&w->last_pool, __ATOMIC_ACQUIRE);
	return l != NULL && __atomic_load_n(&l->current, __ATOMIC_SEQ_CST) == w &&
	       __atomic_load_n(&l->current_gen, __ATOMIC_RELAXED) <= gen;
}

bool
bh_running(struct dw_work *w, uint64_t *gen)
{
	struct lane *l = __atomic_load_n((struct lane **)&w->last_pool, __ATOMIC_ACQUIRE);

	if (l == NULL || __atomic_load_n(&l->current, __ATOMIC_SEQ_CST) != w)
		return false;
	if (gen != NULL)
		*gen = __atomic_load_n(&l->current_gen, __ATOMIC_RELAXED);
	return true;
}

/* Calling this on the lane that runs @w from inside @w would never end. */
static bool
self_wait(struct dw_work *w)
{
	return bh_running_lane != NULL && bh_running_lane->current == w;
}

/* The lane that holds or runs @w (where a waiter must see progress). */
static struct lane *
bh_lane_of_item(struct dw_work *w)
{
	struct lane *l = __atomic_load_n((struct lane **)&w->last_pool, __ATOMIC_ACQUIRE);

	return l != NULL ? lane_of(l->lcore) : NULL;
}

/*
 * From inside a BH item, a wait for @w ends only if another lane makes
 * progress: the caller's own lane is stuck until the item returns. True
 * (a deadlock) if @w waits on the caller's lane, or if the lanes whose items
 * wait on each other lead from @w's lane back to the caller's. Each waiting
 * lane records its target (seq-cst) before it follows the chain, so of two
 * lanes that start waiting on each other at least one sees the cycle.
 * Outside BH items it is always false.
 */
static bool
bh_wait_deadlocks(struct dw_work *w)
{
	struct lane *self = bh_running_lane, *t = bh_lane_of_item(w), *l;
	unsigned int hops = 0;

	if (self == NULL || t == NULL)
		return false;
	if (t == self)
		return true;
	__atomic_store_n(&self->waiting_for, t, __ATOMIC_SEQ_CST);
	for (l = t; l != NULL && hops++ < RTE_MAX_LCORE;
	     l = __atomic_load_n(&l->waiting_for, __ATOMIC_SEQ_CST))
		if (l == self)
			return true;
	return false;
}

static void
bh_wait_end(void)
{
	if (bh_running_lane != NULL)
		__atomic_store_n(&bh_running_lane->waiting_for, NULL, __ATOMIC_SEQ_CST);
}

int
bh_flush(struct dw_work *w)
{
	uint64_t gen = __atomic_load_n(&w->queued_gen, __ATOMIC_ACQUIRE);
	int rc = 0;

	if (self_wait(w))
		return -EDEADLK;
	while (bh_busy(w, gen)) {
		if (bh_wait_deadlocks(w)) {
			WORK_LOG(ERR, "BH item %p flushes %p, which waits on its own lane",
				 bh_current_work(), w);
			rc = -EDEADLK;
			break;
		}
		rc = 1;
		DW_PAUSE_POINT("bh.flush.wait");
		bh_help();
	}
	bh_wait_end();
	return rc;
}

int
bh_flush_delayed(struct dw_delayed_work *dw)
{
	struct dw_wq *wq = WORK_LOAD(&dw->work.wq);
	bool fired = false;
	int rc;

	/* Counted in as a queuer: see dw_flush_delayed_work(). */
	wq_queuer_enter(wq);
	if (wq_magic(wq) == WQ_MAGIC && bh_disarm(dw)) {
		bh_queue(dw->timer_wq, &dw->work, dw->cpu, false);
		fired = true;
	}
	wq_queuer_exit(wq);
	rc = bh_flush(&dw->work);
	return rc < 0 ? rc : (rc || fired);
}

/* Tombstone a linked live instance; true if we did (and accounted it). */
static bool
bh_kill(struct dw_work *w, struct dw_wq *wq, uint32_t st)
{
	if (!(st & WORK_BH_LINKED) || (st & WORK_BH_DEAD))
		return false;
	if (!__atomic_compare_exchange_n(&w->state, &st, st | WORK_BH_DEAD, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return false;
	__atomic_fetch_sub(&wq->n_pending, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&wq->n_cancelled, 1, __ATOMIC_RELAXED);
	bh_color_out(wq, ctr_of(wq, rte_lcore_id()), st_color(st), 1);
	return true;
}

/* From inside a BH item: does @w sit on (or last ran on) the caller's lane? */
static bool
bh_on_own_lane(struct dw_work *w)
{
	return bh_running_lane != NULL && bh_lane_of_item(w) == bh_running_lane;
}

/*
 * From inside a BH item: if @w is a tombstone queued on the caller's own
 * lane, drop it now, as the lane would when it got there (the caller owns
 * the lane's local list; the run loop pops from it afresh after each item).
 * True if it did.
 */
static bool
bh_drop_own(struct dw_work *w)
{
	struct lane *l = bh_running_lane;
	uint32_t st = __atomic_load_n(&w->state, __ATOMIC_ACQUIRE);

	if (l == NULL || !(st & WORK_BH_DEAD) || bh_lane_of_item(w) != l)
		return false;
	DW_ASSERT(lane_self() == l); /* only the owner touches its local list */
	bh_lane_take(l);
	if (__atomic_load_n(&w->list, __ATOMIC_ACQUIRE) != &l->local)
		return false; /* its producer has not pushed it yet */
	/* The running dw_bh_lane_run() stops at run_end: keep it on the list. */
	if (l->run_end == w)
		l->run_end = w->prev;
	work_list_remove(&l->local, w);
	/* Only the lane (us) clears LINKED: the state is ours to change. */
	__atomic_fetch_and(&w->state, ~(WORK_PENDING | WORK_BH_LINKED | WORK_BH_DEAD),
			   __ATOMIC_RELEASE);
	__atomic_store_n(&l->dropped, l->dropped + 1, __ATOMIC_RELAXED);
	return true;
}

/*
 * Cancel a BH item: disarm its timer or tombstone it in its lane.
 * Without @sync that is all. With @sync, CANCELING goes up first so nothing
 * can queue or revive the item meanwhile; then we wait for the lane to drop
 * the tombstone, take PENDING ourselves, and wait for a running instance.
 */
int
bh_cancel(struct dw_work *w, bool sync)
{
	struct dw_wq *wq = WORK_LOAD(&w->wq);
	int was = 0, rc = 0;
	uint32_t st;

	if (!sync) {
		if (bh_disarm(dw_to_delayed_work(w))) {
			/* We hold PENDING now (the timer's); the instance never started. */
			__atomic_fetch_add(&wq->n_cancelled, 1, __ATOMIC_RELAXED);
			__atomic_fetch_and(&w->state, ~WORK_PENDING, __ATOMIC_RELEASE);
			return 1;
		}
		for (;;) {
			st = __atomic_load_n(&w->state, __ATOMIC_ACQUIRE);
			if (!(st & WORK_PENDING) || (st & (WORK_BH_DEAD | WORK_CANCELING)))
				return 0; /* idle, already cancelled, or a cancel_sync owns it */
			if ((st & WORK_TIMER) && bh_disarm(dw_to_delayed_work(w))) {
				__atomic_fetch_add(&wq->n_cancelled, 1, __ATOMIC_RELAXED);
				__atomic_fetch_and(&w->state, ~WORK_PENDING, __ATOMIC_RELEASE);
				return 1;
			}
			if (bh_kill(w, wq, st))
				return 1;
			bh_help(); /* being queued or fired right now: let it land */
		}
	}
	if (self_wait(w))
		return -EDEADLK;
	/* One canceller at a time; queueing fails with ECANCELED from here on. */
	while (__atomic_fetch_or(&w->state, WORK_CANCELING, __ATOMIC_ACQ_REL) & WORK_CANCELING) {
		/* The other canceller may wait for our lane to drop the item. */
		if (bh_drop_own(w))
			continue;
		if (!bh_on_own_lane(w) && bh_wait_deadlocks(w)) {
			bh_wait_end();
			WORK_LOG(ERR, "BH item %p cancels %p, whose canceller waits on its lane",
				 bh_current_work(), w);
			return -EDEADLK;
		}
		bh_help();
	}
	for (;;) {
		if (bh_disarm(dw_to_delayed_work(w))) {
			__atomic_fetch_add(&wq->n_cancelled, 1, __ATOMIC_RELAXED);
			was = 1;
			break; /* the timer's PENDING is ours now */
		}
		st = __atomic_fetch_or(&w->state, WORK_PENDING, __ATOMIC_ACQ_REL);
		if (!(st & WORK_PENDING))
			break; /* idle: PENDING is ours */
		if (bh_kill(w, wq, st))
			was = 1;
		/* Tombstoned behind us on our own lane: drop it here, as the lane would. */
		if (bh_drop_own(w))
			continue;
		if (!bh_on_own_lane(w) && bh_wait_deadlocks(w)) {
			rc = -EDEADLK;
			goto out; /* tombstoned: it will not run, but it is still linked */
		}
		DW_PAUSE_POINT("bh.cancel.wait_pending");
		bh_help(); /* wait for the lane to drop it, or a queueing in flight to land */
	}
	while (bh_running(w, NULL)) {
		if (bh_wait_deadlocks(w)) {
			rc = -EDEADLK; /* not pending any more, but still running */
			break;
		}
		DW_PAUSE_POINT("bh.cancel.wait_running");
		bh_help();
	}
	/* Pairs with the fetch_or in queue_prepare(). */
	__atomic_fetch_and(&w->state, ~(WORK_PENDING | WORK_CANCELING), __ATOMIC_RELEASE);
	bh_wait_end();
	if (rc < 0)
		WORK_LOG(ERR, "BH item %p cancels %p, which waits on its own lane",
			 bh_current_work(), w);
	return rc < 0 ? rc : was;
out:
	__atomic_fetch_and(&w->state, ~WORK_CANCELING, __ATOMIC_RELEASE);
	bh_wait_end();
	WORK_LOG(ERR, "BH item %p cancels %p, which waits on its own lane", bh_current_work(), w);
	return rc;
}

int
bh_mod(struct dw_wq *wq, struct dw_delayed_work *dw, uint64_t delay_us)
{
	uint32_t st;

	for (;;) {
		if (bh_disarm(dw)) {
			if (delay_us == 0)
				bh_queue(wq, &dw->work, dw->work.target, false);
			else
				bh_arm(wq, dw, dw->work.target, delay_us);
			return 1;
		}
		st = __atomic_fetch_or(&dw->work.state, WORK_PENDING, __ATOMIC_ACQ_REL);
		if (!(st & WORK_PENDING)) {
			__atomic_fetch_add(&wq->n_queued, 1, __ATOMIC_RELAXED);
			if (delay_us == 0)
				bh_queue(wq, &dw->work, dw->work.target, false);
			else
				bh_arm(wq, dw, dw->work.target, delay_us);
			return 0;
		}
		if (st & WORK_CANCELING)
			return -ECANCELED;
		if (st & WORK_BH_DEAD) {
			if (bh_revive(&dw->work, true))
				return 0;
			continue;
		}
		if (st & WORK_BH_LINKED)
			return 1; /* already queued: it runs as soon as its lane gets to it */
		bh_help();
	}
}

/*
 * dw_flush_wq() of a BH queue, after it flipped the color (seq-cst): wait for
 * the old one to drain, helping our own lane. The fence is the rare half of
 * the Dekker pair with bh_color_in(): after it, every producer that kept
 * @color is counted in bh_in_flight().
 */
void
bh_wait_color(struct dw_wq *wq, uint32_t color)
{
	int64_t n;

	bh_fence_slow();
	while ((n = bh_in_flight(wq, color)) != 0) {
		DW_ASSERT(n > 0);
		DW_PAUSE_POINT("bh.flush.wait_color");
		bh_help();
	}
}

/*
 * Instances of @wq in flight, for dw_drain_wq() and dw_wq_destroy() after
 * they set `draining` (seq-cst): the fence is the rare half of the Dekker
 * pair with a producer's count and its check of `draining` (bh_color_in(),
 * wq_refuses()), so a producer that went ahead is counted here.
 */
uint64_t
bh_wq_in_flight(struct dw_wq *wq)
{
	int64_t n;

	bh_fence_slow();
	n = bh_in_flight(wq, 0) + bh_in_flight(wq, 1);
	DW_ASSERT(n >= 0);
	return n > 0 ? (uint64_t)n : 0;
}
