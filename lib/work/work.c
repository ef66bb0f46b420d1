/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Work items and workqueues: PENDING test-and-set, queueing, flushing,
 * cancelling, workqueue lifetime, library init. Pools live in pool.c.
 */
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>

#include "dw_common.h"
#include "common_private.h"
#include "dw_debug.h"
#include "dw_trace.h"
#include "work_private.h"

RTE_LOG_REGISTER(dw_work_logtype, dw.work, INFO);

struct work_lib work_lib = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.threads_lock = PTHREAD_MUTEX_INITIALIZER,
	.threads_cond = PTHREAD_COND_INITIALIZER,
	.wqs = TAILQ_HEAD_INITIALIZER(work_lib.wqs),
	.graveyard = TAILQ_HEAD_INITIALIZER(work_lib.graveyard),
};

const struct work_bh_ops *work_bh;

struct dw_wq *dw_system_wq;
struct dw_wq *dw_system_highpri_wq;
struct dw_wq *dw_system_unbound_wq;
struct dw_wq *dw_system_bh_wq;

void
work_list_append(struct work_list *l, struct dw_work *w)
{
	w->next = NULL;
	w->prev = l->tail;
	if (l->tail != NULL)
		l->tail->next = w;
	else
		l->head = w;
	l->tail = w;
	/* Pairs with the acquire in work_linked_on(). */
	__atomic_store_n(&w->list, l, __ATOMIC_RELEASE);
}

void
work_list_remove(struct work_list *l, struct dw_work *w)
{
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		l->head = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	else
		l->tail = w->prev;
	w->next = w->prev = NULL;
	__atomic_store_n(&w->list, NULL, __ATOMIC_RELAXED);
}

struct dw_work *
work_list_pop(struct work_list *l)
{
	struct dw_work *w = l->head;

	if (w != NULL)
		work_list_remove(l, w);
	return w;
}

const char *
work_func_name(dw_work_func_t fn, char *buf, size_t len)
{
	Dl_info info;

	if (dladdr((void *)(uintptr_t)fn, &info) != 0 && info.dli_sname != NULL)
		snprintf(buf, len, "%s", info.dli_sname);
	else
		snprintf(buf, len, "%p", (void *)(uintptr_t)fn);
	return buf;
}

bool
work_valid_slow(const struct dw_work *w, const char *caller)
{
	if (w == NULL) {
		WORK_LOG(ERR, "%s: NULL work item", caller);
		return false;
	}
	if (w->magic != WORK_MAGIC || w->func == NULL) {
		WORK_LOG(ERR, "%s: work item %p is not initialised (dw_work_init)", caller, w);
		return false;
	}
	return true;
}

bool
wq_valid_slow(const struct dw_wq *wq, const char *caller)
{
	if (wq == NULL) {
		WORK_LOG(ERR, "%s: NULL workqueue", caller);
		return false;
	}
	if (wq_magic(wq) == WQ_DEAD) {
		WORK_LOG(ERR, "%s: workqueue %s was destroyed", caller, wq->name);
		return false;
	}
	if (wq_magic(wq) != WQ_MAGIC) {
		WORK_LOG(ERR, "%s: %p is not a workqueue", caller, wq);
		return false;
	}
	return true;
}

void
dw_work_init(struct dw_work *work, dw_work_func_t func)
{
	if (work == NULL)
		return;
	memset(work, 0, sizeof(*work));
	work->func = func;
	work->target = DW_WORK_ANY;
	work->magic = func != NULL ? WORK_MAGIC : 0;
	if (func == NULL)
		WORK_LOG(ERR, "work item %p initialised without a function", work);
}

void
dw_delayed_work_init(struct dw_delayed_work *dwork, dw_work_func_t func)
{
	if (dwork == NULL)
		return;
	memset(dwork, 0, sizeof(*dwork));
	dw_work_init(&dwork->work, func);
	dwork->heap_idx = -1;
}

bool
dw_work_pending(const struct dw_work *work)
{
	uint32_t st = work != NULL ? __atomic_load_n(&work->state, __ATOMIC_ACQUIRE) : 0;

	return (st & WORK_PENDING) && !(st & WORK_BH_DEAD);
}

static bool
work_running(struct dw_work *w, uint64_t *gen)
{
	struct pool *pool = WORK_LOAD(&w->last_pool);
	struct worker *wk;
	bool running = false;

	if (pool == NULL)
		return false;
	if (w->wq != NULL && (w->wq->flags & DW_WQ_BH))
		return work_bh != NULL && work_bh->running(w, gen);
	pthread_mutex_lock(&pool->lock);
	wk = pool_find_executing(pool, w);
	if (wk != NULL) {
		running = true;
		if (gen != NULL)
			*gen = wk->current_gen;
	}
	pthread_mutex_unlock(&pool->lock);
	return running;
}

bool
dw_work_busy(const struct dw_work *work)
{
	if (work == NULL || work->magic != WORK_MAGIC)
		return false;
	return dw_work_pending(work) || work_running((struct dw_work *)(uintptr_t)work, NULL);
}

void
work_color_done_n(struct dw_wq *wq, uint32_t color, uint64_t n)
{
	uint64_t left = __atomic_sub_fetch(&wq->in_flight[color], n, __ATOMIC_SEQ_CST);

	DW_ASSERT(left <= UINT64_MAX - n); /* one done per instance counted in flight */
	/* Pairs with the load in wq_wait_color(). */
	if (left == 0) {
		pthread_mutex_lock(&wq->lock);
		pthread_cond_broadcast(&wq->cond);
		pthread_mutex_unlock(&wq->lock);
	}
}

static bool
queue_fail(int err)
{
	rte_errno = err;
	return false;
}

/* True if the caller is a work item (or rescuer) of @wq. */
static bool
in_own_item(const struct dw_wq *wq)
{
	struct dw_work *cur = dw_current_work();

	return cur != NULL && WORK_LOAD(&cur->wq) == wq;
}

bool
work_queue_held(struct dw_wq *wq, struct dw_work *w, int target, bool count)
{
	struct pool *last, *pool;
	struct worker *wk;
	struct pwq *pwq;
	unsigned int node;

	if (wq->flags & DW_WQ_BH)
		return work_bh->queue(wq, w, target, count);
	dw_trace_work_queue_work(w, (const void *)(uintptr_t)w->func, wq->name, target);

	/* Non-reentrancy: an item still running stays on the pool running it. */
	last = WORK_LOAD(&w->last_pool);
	if (last != NULL) {
		pthread_mutex_lock(&last->lock);
		wk = pool_find_executing(last, w);
		if (wk != NULL && wk->current_pwq->wq == wq) {
			pool = last;
			pwq = wk->current_pwq;
			goto locked;
		}
		pthread_mutex_unlock(&last->lock);
	}
	node = target >= 0 ? (unsigned int)target : dw_topo_current_node();
	if (node >= dw_topo_nr_nodes())
		node = 0;
	pwq = wq->pwqs[node];
	pool = pwq->pool;
	pthread_mutex_lock(&pool->lock);
locked:
	WORK_STORE(&w->wq, wq);
	WORK_STORE(&w->last_pool, pool);
	w->target = target;
	w->queued_gen++;
	w->queued_at = dw_now_ns();
	w->color = wq->work_color;
	__atomic_fetch_add(&wq->in_flight[w->color], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&wq->n_pending, 1, __ATOMIC_RELAXED);
	if (count)
		__atomic_fetch_add(&wq->n_queued, 1, __ATOMIC_RELAXED);
	pool_insert_work(pool, pwq, w);
	pthread_mutex_unlock(&pool->lock);
	return true;
}

/* queue_prepare() results besides false. */
#define QUEUE_GO 1	/* PENDING is ours: queue it, then wq_queuer_exit() */
#define QUEUE_REVIVED 2 /* a cancelled BH item was taken back where it sits */

void
wq_queuer_enter(struct dw_wq *wq)
{
	/* Seq-cst: pairs with wq_drain()/wq_destroy() (flag store, then count load). */
	__atomic_fetch_add(&wq->nr_queuers, 1, __ATOMIC_SEQ_CST);
}

void
wq_queuer_exit(struct dw_wq *wq)
{
	uint32_t old = __atomic_fetch_sub(&wq->nr_queuers, 1, __ATOMIC_RELEASE);

	DW_ASSERT(old > 0);
}

/* wq_refuses() once the quick look found the queue destroyed or draining. */
bool
wq_refuses_slow(struct dw_wq *wq, const char *caller)
{
	uint32_t magic = wq_magic(wq);

	if (magic == WQ_MAGIC &&
	    !(__atomic_load_n(&wq->draining, __ATOMIC_SEQ_CST) && !in_own_item(wq)))
		return false;
	WORK_LOG(ERR, "%s: workqueue %s is %s", caller, wq->name,
		 magic == WQ_MAGIC ? "draining" : "destroyed");
	return true;
}

/* Test-and-set PENDING, counted in as a queuer (see queue_prepare()). */
static int
queue_claim(struct dw_wq *wq, struct dw_work *w, const char *caller)
{
	struct dw_wq *cur_wq;
	uint32_t old;

	if (wq_refuses(wq, caller))
		return queue_fail(ESHUTDOWN);
	DW_PAUSE_POINT("work.queue.entered");
retry:
	/* Test-and-set PENDING, unless disabled (then the state stays as it is). */
	old = __atomic_load_n(&w->state, __ATOMIC_RELAXED);
	do {
		if (old & WORK_DISABLE_MASK)
			return queue_fail(ECANCELED); /* the caller disabled it: no log */
	} while (!__atomic_compare_exchange_n(&w->state, &old, old | WORK_PENDING, false,
					      __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
	if (old & WORK_CANCELING) {
		/* A cancel_sync is under way (BH ones wait for PENDING without holding it). */
		if (!(old & WORK_PENDING))
			__atomic_fetch_and(&w->state, ~WORK_PENDING, __ATOMIC_RELEASE);
		return queue_fail(ECANCELED);
	}
	if (old & WORK_PENDING) {
		cur_wq = WORK_LOAD(&w->wq);
		if (cur_wq != NULL && cur_wq != wq) {
			WORK_LOG(ERR, "%s: work %p is pending on %s, not %s", caller, w,
				 cur_wq->name, wq->name);
			return queue_fail(EBUSY);
		}
		if (old & WORK_BH_DEAD) {
			if (work_bh->revive(w, true))
				return QUEUE_REVIVED;
			goto retry; /* the lane dropped it meanwhile: it is idle now */
		}
		return queue_fail(0);
	}
	cur_wq = WORK_LOAD(&w->wq);
	if (cur_wq != NULL && cur_wq != wq && work_running(w, NULL)) {
		__atomic_fetch_and(&w->state, ~WORK_PENDING, __ATOMIC_RELEASE);
		WORK_LOG(ERR, "%s: work %p is running on %s, cannot queue it on %s", caller, w,
			 cur_wq->name, wq->name);
		return queue_fail(EBUSY);
	}
	return QUEUE_GO;
}

/* The argument checks of a queue call: true if it may go on (else rte_errno is set, logged). */
static bool
queue_args_ok(struct dw_wq *wq, struct dw_work *w, int target, const char *caller)
{
	if (!work_valid(w, caller) || !wq_valid(wq, caller))
		return queue_fail(wq != NULL && wq_magic(wq) == WQ_DEAD ? ESHUTDOWN : EINVAL);
	if (target != DW_WORK_ANY &&
	    ((wq->flags & DW_WQ_BH) ? !work_bh->lane_exists(target)
				    : target < 0 || (unsigned int)target >= dw_topo_nr_nodes())) {
		WORK_LOG(ERR, "%s: target %d out of range for %s", caller, target, wq->name);
		return queue_fail(EINVAL);
	}
	return true;
}

/*
 * Test-and-set PENDING, counted in as a queuer. On QUEUE_GO the caller is
 * counted in nr_queuers and must call wq_queuer_exit() once the item is
 * linked (or armed); on anything else it is not.
 */
static int
queue_enter_claim(struct dw_wq *wq, struct dw_work *w, const char *caller)
{
	int rc;

	wq_queuer_enter(wq);
	rc = queue_claim(wq, w, caller);
	if (rc != QUEUE_GO)
		wq_queuer_exit(wq);
	return rc;
}

/* Common checks, then queue_enter_claim(). */
static int
queue_prepare(struct dw_wq *wq, struct dw_work *w, int target, const char *caller)
{
	if (!queue_args_ok(wq, w, target, caller))
		return false;
	return queue_enter_claim(wq, w, caller);
}

bool
dw_queue_work_on(int target, struct dw_wq *wq, struct dw_work *work)
{
	bool ok;
	int rc;

	if (!queue_args_ok(wq, work, target, __func__))
		return false;
	/* BH: one pass in bh.c unless the item moves between queues. */
	if ((wq->flags & DW_WQ_BH) && (rc = work_bh->queue_new(wq, work, target)) >= 0)
		return rc == 1;
	rc = queue_enter_claim(wq, work, __func__);
	if (rc != QUEUE_GO)
		return rc == QUEUE_REVIVED;
	ok = work_queue_held(wq, work, target, true);
	wq_queuer_exit(wq);
	return ok;
}

bool
dw_queue_work(struct dw_wq *wq, struct dw_work *work)
{
	return dw_queue_work_on(DW_WORK_ANY, wq, work);
}

bool
dw_queue_delayed_work_on(int target, struct dw_wq *wq, struct dw_delayed_work *dwork,
			 uint64_t delay_us)
{
	int rc;

	if (dwork == NULL)
		return queue_fail(EINVAL);
	rc = queue_prepare(wq, &dwork->work, target, __func__);
	if (rc != QUEUE_GO)
		return rc == QUEUE_REVIVED;
	if (delay_us == 0) {
		work_queue_held(wq, &dwork->work, target, true);
	} else {
		WORK_STORE(&dwork->work.wq, wq);
		__atomic_fetch_add(&wq->n_queued, 1, __ATOMIC_RELAXED);
		if (wq->flags & DW_WQ_BH)
			work_bh->arm(wq, dwork, target, delay_us);
		else
			timer_arm(dwork, wq, target, delay_us);
	}
	wq_queuer_exit(wq);
	return true;
}

bool
dw_queue_delayed_work(struct dw_wq *wq, struct dw_delayed_work *dwork, uint64_t delay_us)
{
	return dw_queue_delayed_work_on(DW_WORK_ANY, wq, dwork, delay_us);
}

/*
 * True if @w sits on a list of @pool (whose lock the caller holds). A queuer
 * targeting another pool stores last_pool before it links the item there
 * (release, in work_list_append()), so seeing the link means seeing the pool.
 */
static bool
work_linked_on(struct dw_work *w, struct pool *pool)
{
	DW_ASSERT_LOCKED(&pool->lock);
	if (__atomic_load_n(&w->list, __ATOMIC_ACQUIRE) == NULL)
		return false;
	return WORK_LOAD(&w->last_pool) == pool;
}

/*
 * Take PENDING away from whoever holds it so the caller owns it:
 *   1: it was pending; the item is now off its list or timer,
 *   0: it was idle; the caller now holds PENDING,
 *   -EAGAIN: it is between states (being queued, timer firing): retry,
 *   -ECANCELED: another cancel holds it.
 * count_cancel: a pending instance taken off counts as cancelled (the caller
 * is cancelling, not moving it).
 */
static int
grab_pending(struct dw_work *w, bool is_dwork, bool count_cancel)
{
	struct pool *pool;
	struct dw_wq *wq;
	uint32_t old;

	if (is_dwork && timer_disarm(dw_to_delayed_work(w))) {
		wq = WORK_LOAD(&w->wq);
		if (count_cancel) {
			__atomic_fetch_add(&wq->n_cancelled, 1, __ATOMIC_RELAXED);
			/* The timer instance never got a generation: nothing to mark done. */
		}
		return 1;
	}
	old = __atomic_fetch_or(&w->state, WORK_PENDING, __ATOMIC_ACQ_REL);
	if (!(old & WORK_PENDING))
		return 0;
	if (old & WORK_CANCELING)
		return -ECANCELED;
	pool = WORK_LOAD(&w->last_pool);
	if (pool == NULL)
		return -EAGAIN;
	pthread_mutex_lock(&pool->lock);
	if (!work_linked_on(w, pool)) {
		pthread_mutex_unlock(&pool->lock);
		return -EAGAIN;
	}
	wq = ((struct pwq *)w->pwq)->wq;
	pool_unlink_work(pool, w);
	__atomic_fetch_sub(&wq->n_pending, 1, __ATOMIC_RELAXED);
	if (count_cancel)
		__atomic_fetch_add(&wq->n_cancelled, 1, __ATOMIC_RELAXED);
	/* The taken-off instance is over unless the caller queues it again. */
	if (!TAILQ_EMPTY(&pool->flushers))
		pool_flushers_wake(pool, w);
	work_color_done(wq, w->color);
	pthread_mutex_unlock(&pool->lock);
	return 1;
}

static int
grab_pending_wait(struct dw_work *w, bool is_dwork, bool count_cancel)
{
	unsigned int spins = 0;
	int rc;

	while ((rc = grab_pending(w, is_dwork, count_cancel)) < 0) {
		if (++spins < 64)
			sched_yield();
		else
			rte_delay_us_sleep(50);
	}
	return rc;
}

static int
mod_delayed(struct dw_wq *wq, struct dw_delayed_work *dwork, uint64_t delay_us)
{
	struct dw_work *w = &dwork->work;
	int was;

	if (wq_refuses(wq, __func__))
		return -ESHUTDOWN;
	/* A disable after this check cancels what we queue: it comes after us. */
	if (__atomic_load_n(&w->state, __ATOMIC_ACQUIRE) & WORK_DISABLE_MASK)
		return -ECANCELED;
	if (WORK_LOAD(&w->wq) != NULL && WORK_LOAD(&w->wq) != wq && dw_work_busy(w)) {
		WORK_LOG(ERR, "delayed work %p is busy on %s, not %s", w, WORK_LOAD(&w->wq)->name,
			 wq->name);
		return -EBUSY;
	}
	if (wq->flags & DW_WQ_BH)
		return work_bh->mod(wq, dwork, delay_us);
	for (;;) {
		was = grab_pending(w, true, false);
		if (was >= 0)
			break;
		if (was == -ECANCELED)
			return -ECANCELED;
		sched_yield();
	}
	if (!was)
		__atomic_fetch_add(&wq->n_queued, 1, __ATOMIC_RELAXED);
	if (delay_us == 0) {
		work_queue_held(wq, w, w->target, false);
	} else {
		WORK_STORE(&w->wq, wq);
		timer_arm(dwork, wq, w->target, delay_us);
	}
	return was;
}

int
dw_mod_delayed_work(struct dw_wq *wq, struct dw_delayed_work *dwork, uint64_t delay_us)
{
	int rc;

	if (!work_valid(dwork != NULL ? &dwork->work : NULL, __func__) || !wq_valid(wq, __func__))
		return wq != NULL && wq_magic(wq) == WQ_DEAD ? -ESHUTDOWN : -EINVAL;
	wq_queuer_enter(wq);
	rc = mod_delayed(wq, dwork, delay_us);
	wq_queuer_exit(wq);
	return rc;
}

/* PENDING, yet neither linked nor on a timer nor held by a canceller. */
static bool
work_in_transit(const struct dw_work *w)
{
	uint32_t st = __atomic_load_n(&w->state, __ATOMIC_ACQUIRE);

	return (st & (WORK_PENDING | WORK_TIMER | WORK_CANCELING)) == WORK_PENDING;
}

int
dw_flush_work(struct dw_work *work)
{
	struct dw_work *cur = dw_current_work();
	struct dw_wq *wq;
	struct pool *pool;
	bool busy = false, waited = false;

	if (!work_valid(work, __func__))
		return -EINVAL;
	if (cur == work) {
		WORK_LOG(ERR, "work %p flushes itself: would deadlock", work);
		return -EDEADLK;
	}
	wq = WORK_LOAD(&work->wq);
	if (wq == NULL)
		return 0;
	if (cur != NULL && WORK_LOAD(&cur->wq) == wq && wq->max_active == 1) {
		WORK_LOG(ERR, "work %p on %s flushes a sibling on the same one-at-a-time queue",
			 cur, wq->name);
		return -EDEADLK;
	}
	if (wq->flags & DW_WQ_BH)
		return work_bh->flush(work);
	/*
	 * No pool yet: never queued, unless a first queueing is under way (a
	 * timer that fired and is queueing the item right now).
	 */
	pool = WORK_LOAD(&work->last_pool);
	if (pool == NULL && !work_in_transit(work))
		return 0;
	dw_blocking_begin();
	for (;;) {
		if (pool != NULL) {
			pthread_mutex_lock(&pool->lock);
			if (work_linked_on(work, pool) || pool_find_executing(pool, work) != NULL) {
				busy = true;
				pool_flush_wait(pool, work, work->queued_gen);
			} else if (WORK_LOAD(&work->last_pool) != pool) {
				/* Queued on another pool meanwhile: look there. */
				pthread_mutex_unlock(&pool->lock);
				pool = WORK_LOAD(&work->last_pool);
				continue;
			}
			pthread_mutex_unlock(&pool->lock);
		}
		if (busy || !work_in_transit(work))
			break;
		/* PENDING but on no list and no timer: a queueing is under way. */
		DW_PAUSE_POINT("work.flush.in_transit");
		waited = true;
		sched_yield();
		pool = WORK_LOAD(&work->last_pool);
	}
	dw_blocking_end();
	return busy || waited;
}

int
dw_flush_delayed_work(struct dw_delayed_work *dwork)
{
	struct dw_work *w = dwork != NULL ? &dwork->work : NULL;
	bool fired = false;
	struct dw_wq *wq;
	int rc;

	if (!work_valid(w, __func__))
		return -EINVAL;
	wq = WORK_LOAD(&w->wq);
	if (wq != NULL && (wq->flags & DW_WQ_BH))
		return work_bh->flush_delayed(dwork);
	/*
	 * Fire an armed timer now: we hold PENDING after a successful disarm.
	 * Counted in as a queuer, so a destroy does not free the queue under us;
	 * a destroyed queue fired its timers when it drained.
	 */
	if (wq != NULL) {
		wq_queuer_enter(wq);
		if (wq_magic(wq) == WQ_MAGIC && timer_disarm(dwork)) {
			work_queue_held(WORK_LOAD(&w->wq), w, dwork->cpu, false);
			fired = true;
		}
		wq_queuer_exit(wq);
	}
	rc = dw_flush_work(w);
	return rc < 0 ? rc : (rc || fired);
}

/* Wait for a running instance of @w to return (the caller holds PENDING). */
static void
wait_running(struct dw_work *w)
{
	struct pool *pool = WORK_LOAD(&w->last_pool);
	struct worker *wk;

	if (pool == NULL)
		return;
	pthread_mutex_lock(&pool->lock);
	wk = pool_find_executing(pool, w);
	if (wk != NULL) {
		pthread_mutex_unlock(&pool->lock);
		DW_PAUSE_POINT("work.cancel.wait_running"); /* never under a dwork lock */
		pthread_mutex_lock(&pool->lock);
		if ((wk = pool_find_executing(pool, w)) != NULL)
			pool_flush_wait(pool, w, wk->current_gen);
	}
	pthread_mutex_unlock(&pool->lock);
}

static int
cancel_sync(struct dw_work *w, bool is_dwork)
{
	int was;

	if (!work_valid(w, __func__))
		return -EINVAL;
	if (dw_current_work() == w) {
		WORK_LOG(ERR, "work %p cancels itself synchronously: would deadlock", w);
		return -EDEADLK;
	}
	if (WORK_LOAD(&w->wq) != NULL && (WORK_LOAD(&w->wq)->flags & DW_WQ_BH))
		return work_bh->cancel(w, true);
	dw_blocking_begin();
	for (;;) {
		was = grab_pending_wait(w, is_dwork, true);
		/* Holding PENDING: mark it so queue attempts fail with ECANCELED. */
		if (!(__atomic_fetch_or(&w->state, WORK_CANCELING, __ATOMIC_ACQ_REL) &
		      WORK_CANCELING))
			break;
		/* Another canceller holds it: wait for it to finish and retry. */
		sched_yield();
	}
	wait_running(w);
	/* Pairs with the fetch_or in queue_prepare(). */
	__atomic_fetch_and(&w->state, ~(WORK_PENDING | WORK_CANCELING), __ATOMIC_RELEASE);
	dw_blocking_end();
	return was;
}

int
dw_cancel_work_sync(struct dw_work *work)
{
	return cancel_sync(work, false);
}

int
dw_cancel_delayed_work_sync(struct dw_delayed_work *dwork)
{
	return cancel_sync(dwork != NULL ? &dwork->work : NULL, true);
}

static bool
cancel(struct dw_work *w, bool is_dwork)
{
	int was;

	if (!work_valid(w, __func__)) {
		rte_errno = EINVAL;
		return false;
	}
	if (WORK_LOAD(&w->wq) != NULL && (WORK_LOAD(&w->wq)->flags & DW_WQ_BH))
		return work_bh->cancel(w, false) == 1;
	do {
		was = grab_pending(w, is_dwork, true);
		if (was == -ECANCELED)
			return false; /* a cancel_sync owns it already */
		if (was == -EAGAIN)
			sched_yield();
	} while (was < 0);
	__atomic_fetch_and(&w->state, ~WORK_PENDING, __ATOMIC_RELEASE);
	return was == 1;
}

bool
dw_cancel_work(struct dw_work *work)
{
	return cancel(work, false);
}

bool
dw_cancel_delayed_work(struct dw_delayed_work *dwork)
{
	return cancel(dwork != NULL ? &dwork->work : NULL, true);
}

/* --- disable / enable --- */

/* Add one to the disable count; false (logged) if it would overflow. */
static bool
disable_get(struct dw_work *w)
{
	uint32_t old = __atomic_load_n(&w->state, __ATOMIC_RELAXED);

	do {
		if ((old & WORK_DISABLE_MASK) == WORK_DISABLE_MASK) {
			WORK_LOG(ERR, "work %p disabled %u times already", w,
				 WORK_DISABLE_MASK >> WORK_DISABLE_SHIFT);
			return false;
		}
		/* Seq-cst: a queuer's compare-and-swap either sees the count or comes first. */
	} while (!__atomic_compare_exchange_n(&w->state, &old, old + WORK_DISABLE_ONE, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	return true;
}

/* Take one off the disable count: 1 if it is now 0, 0 if not, -EINVAL if it was 0. */
static int
disable_put(struct dw_work *w)
{
	uint32_t old = __atomic_load_n(&w->state, __ATOMIC_RELAXED);

	do {
		if (!(old & WORK_DISABLE_MASK))
			return -EINVAL;
	} while (!__atomic_compare_exchange_n(&w->state, &old, old - WORK_DISABLE_ONE, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	return ((old - WORK_DISABLE_ONE) & WORK_DISABLE_MASK) == 0;
}

static bool
disable(struct dw_work *w, bool is_dwork)
{
	if (!work_valid(w, __func__) || !disable_get(w)) {
		rte_errno = w == NULL || w->magic != WORK_MAGIC ? EINVAL : ERANGE;
		return false;
	}
	rte_errno = 0;
	return cancel(w, is_dwork);
}

static int
disable_sync(struct dw_work *w, bool is_dwork)
{
	int rc;

	if (!work_valid(w, __func__))
		return -EINVAL;
	if (!disable_get(w))
		return -ERANGE;
	rc = cancel_sync(w, is_dwork);
	if (rc < 0)
		disable_put(w); /* it failed: leave the count as it was */
	return rc;
}

static bool
enable(struct dw_work *w)
{
	int rc;

	if (!work_valid(w, __func__)) {
		rte_errno = EINVAL;
		return false;
	}
	rc = disable_put(w);
	if (rc < 0) {
		WORK_LOG(ERR, "work %p enabled more often than disabled", w);
		rte_errno = EINVAL;
		return false;
	}
	rte_errno = 0;
	return rc == 1;
}

bool
dw_disable_work(struct dw_work *work)
{
	return disable(work, false);
}

int
dw_disable_work_sync(struct dw_work *work)
{
	return disable_sync(work, false);
}

bool
dw_enable_work(struct dw_work *work)
{
	return enable(work);
}

bool
dw_disable_delayed_work(struct dw_delayed_work *dwork)
{
	return disable(dwork != NULL ? &dwork->work : NULL, true);
}

int
dw_disable_delayed_work_sync(struct dw_delayed_work *dwork)
{
	return disable_sync(dwork != NULL ? &dwork->work : NULL, true);
}

bool
dw_enable_delayed_work(struct dw_delayed_work *dwork)
{
	return enable(dwork != NULL ? &dwork->work : NULL);
}

/* --- workqueues --- */

static void
wq_lock_pools(struct dw_wq *wq)
{
	unsigned int i;

	for (i = 0; i < wq->nr_pwqs; i++)
		pthread_mutex_lock(&wq->pwq_list[i]->pool->lock);
}

static void
wq_unlock_pools(struct dw_wq *wq)
{
	unsigned int i;

	for (i = wq->nr_pwqs; i > 0; i--)
		pthread_mutex_unlock(&wq->pwq_list[i - 1]->pool->lock);
}

/*
 * Waiting for a whole queue never ends from one of its own items, nor from
 * any BH item when the queue is a BH one: its items may sit behind the
 * caller on the caller's own lane. @what: "flushes", "drains", "destroys".
 */
static bool
wq_wait_deadlocks(const struct dw_wq *wq, const char *what)
{
	if (in_own_item(wq)) {
		WORK_LOG(ERR, "an item of %s %s its own queue: would deadlock", wq->name, what);
		return true;
	}
	if ((wq->flags & DW_WQ_BH) && bh_current_work() != NULL) {
		WORK_LOG(ERR, "a BH item %s BH workqueue %s: would deadlock", what, wq->name);
		return true;
	}
	return false;
}

static int
wq_flush(struct dw_wq *wq)
{
	uint32_t old;

	if (wq->flags & DW_WQ_BH) {
		/* Never block: a flusher ahead of us may wait on our own lane. */
		while (pthread_mutex_trylock(&wq->flush_mutex) != 0)
			bh_help();
		/* Lanes take no lock: flip atomically (pairs with bh_color_in()). */
		old = __atomic_load_n(&wq->work_color, __ATOMIC_RELAXED);
		__atomic_store_n(&wq->work_color, old ^ 1, __ATOMIC_SEQ_CST);
		work_bh->wait_color(wq, old);
		pthread_mutex_unlock(&wq->flush_mutex);
		return 0;
	} else {
		dw_blocking_begin();
		pthread_mutex_lock(&wq->flush_mutex);
		wq_lock_pools(wq);
		old = wq->work_color;
		wq->work_color = old ^ 1;
		wq_unlock_pools(wq);
		dw_blocking_end();
	}
	dw_blocking_begin();
	pthread_mutex_lock(&wq->lock);
	/* Pairs with the decrement in work_color_done(). */
	while (__atomic_load_n(&wq->in_flight[old], __ATOMIC_SEQ_CST) != 0)
		pthread_cond_wait(&wq->cond, &wq->lock);
	pthread_mutex_unlock(&wq->lock);
	pthread_mutex_unlock(&wq->flush_mutex);
	dw_blocking_end();
	return 0;
}

int
dw_flush_wq(struct dw_wq *wq)
{
	if (!wq_valid(wq, __func__))
		return wq != NULL && wq_magic(wq) == WQ_DEAD ? -ESHUTDOWN : -EINVAL;
	if (wq_wait_deadlocks(wq, "flushes"))
		return -EDEADLK;
	return wq_flush(wq);
}

static uint64_t
wq_in_flight(struct dw_wq *wq)
{
	if (wq->flags & DW_WQ_BH)
		return work_bh->in_flight(wq);
	return __atomic_load_n(&wq->in_flight[0], __ATOMIC_ACQUIRE) +
	       __atomic_load_n(&wq->in_flight[1], __ATOMIC_ACQUIRE);
}

/* Wait until no queueing of @wq is between its checks and its link. */
static void
wq_wait_queuers(struct dw_wq *wq)
{
	/* Seq-cst: pairs with wq_queuer_enter() (see queue_claim()). */
	while (__atomic_load_n(&wq->nr_queuers, __ATOMIC_SEQ_CST) != 0) {
		DW_PAUSE_POINT("work.drain.wait_queuers");
		if (wq->flags & DW_WQ_BH)
			bh_help(); /* never block an lcore's lane */
		else
			sched_yield();
	}
}

/*
 * Flush until empty. With @destroy, `draining` stays set: only the queue's
 * own items could still queue, and once it is empty there are none.
 */
static void
wq_drain(struct dw_wq *wq, bool destroy)
{
	unsigned int (*fire)(struct dw_wq *) =
	    (wq->flags & DW_WQ_BH) ? work_bh->fire_wq : timer_fire_wq;

	__atomic_store_n(&wq->draining, true, __ATOMIC_SEQ_CST);
	/*
	 * Armed timers fire now; items may queue (and arm) more while we flush.
	 * A queuer that came in before `draining` was set is waited for: its
	 * item is in flight (and flushed) by the time it counts itself out.
	 */
	for (;;) {
		fire(wq);
		wq_wait_queuers(wq);
		wq_flush(wq);
		if (fire(wq) == 0) {
			wq_wait_queuers(wq);
			if (wq_in_flight(wq) == 0)
				break;
		}
	}
	if (!destroy)
		__atomic_store_n(&wq->draining, false, __ATOMIC_RELEASE);
}

int
dw_drain_wq(struct dw_wq *wq)
{
	if (!wq_valid(wq, __func__))
		return wq != NULL && wq_magic(wq) == WQ_DEAD ? -ESHUTDOWN : -EINVAL;
	if (wq_wait_deadlocks(wq, "drains"))
		return -EDEADLK;
	wq_drain(wq, false);
	return 0;
}

static struct dw_wq *
wq_lookup_locked(const char *name)
{
	struct dw_wq *wq;

	TAILQ_FOREACH(wq, &work_lib.wqs, entry)
		if (strcmp(wq->name, name) == 0)
			return wq;
	return NULL;
}

struct dw_wq *
dw_wq_lookup(const char *name)
{
	struct dw_wq *wq = NULL;

	if (name != NULL) {
		pthread_mutex_lock(&work_lib.lock);
		wq = wq_lookup_locked(name);
		pthread_mutex_unlock(&work_lib.lock);
	}
	if (wq == NULL)
		rte_errno = ENOENT;
	return wq;
}

const char *
dw_wq_name(const struct dw_wq *wq)
{
	return wq != NULL && (wq_magic(wq) == WQ_MAGIC || wq_magic(wq) == WQ_DEAD) ? wq->name
										   : NULL;
}

static int
wq_conf_check(const char *name, const struct dw_wq_conf *conf)
{
	if (name == NULL || name[0] == '\0' || strlen(name) >= DW_CFG_WQ_NAME_LEN) {
		WORK_LOG(ERR, "workqueue name missing or longer than %d", DW_CFG_WQ_NAME_LEN - 1);
		return -EINVAL;
	}
	if (conf == NULL)
		return 0;
	if (conf->size != sizeof(*conf)) {
		WORK_LOG(ERR, "%s: conf size %zu, expected %zu", name, conf->size, sizeof(*conf));
		return -EINVAL;
	}
	if (conf->flags & ~DW_WQ_FLAGS_ALL) {
		WORK_LOG(ERR, "%s: unknown flags %#x", name, conf->flags & ~DW_WQ_FLAGS_ALL);
		return -EINVAL;
	}
	if (conf->max_active > DW_CFG_WQ_MAX_ACTIVE) {
		WORK_LOG(ERR, "%s: max_active %u over %d", name, conf->max_active,
			 DW_CFG_WQ_MAX_ACTIVE);
		return -EINVAL;
	}
	if ((conf->flags & DW_WQ_BH) && (conf->flags & ~(DW_WQ_BH | DW_WQ_HIGHPRI))) {
		WORK_LOG(ERR, "%s: DW_WQ_BH combines only with DW_WQ_HIGHPRI", name);
		return -EINVAL;
	}
	return 0;
}

static int
wq_alloc_pwqs(struct dw_wq *wq)
{
	unsigned int node, nr_nodes = dw_topo_nr_nodes();
	struct pwq *pwq;

	for (node = 0; node < nr_nodes; node++) {
		if ((wq->flags & DW_WQ_ORDERED) && node > 0) {
			wq->pwqs[node] = wq->pwqs[0];
			continue;
		}
		pwq = calloc(1, sizeof(*pwq));
		if (pwq == NULL)
			return -ENOMEM;
		pwq->wq = wq;
		pwq->pool = pool_for(wq, node);
		pwq->max_active = wq->max_active;
		wq->pwqs[node] = pwq;
		wq->pwq_list[wq->nr_pwqs++] = pwq;
	}
	return 0;
}

static void
wq_free(struct dw_wq *wq)
{
	unsigned int i;

	for (i = 0; i < wq->nr_pwqs; i++)
		free(wq->pwq_list[i]);
	free(wq->bh); /* BH queues' counters stay with the husk (bh_wq_fini()) */
	pthread_mutex_destroy(&wq->flush_mutex);
	pthread_mutex_destroy(&wq->lock);
	pthread_cond_destroy(&wq->cond);
	free(wq);
}

static struct dw_wq *
wq_create(const char *name, const struct dw_wq_conf *conf, bool system)
{
	struct dw_wq *wq;
	int rc;

	if (!__atomic_load_n(&work_lib.initialised, __ATOMIC_ACQUIRE)) {
		WORK_LOG(ERR, "dw_work_lib_init() was not called");
		rte_errno = ESHUTDOWN;
		return NULL;
	}
	rc = wq_conf_check(name, conf);
	if (rc < 0)
		goto fail;
	if (conf != NULL && (conf->flags & DW_WQ_BH) && work_bh == NULL) {
		WORK_LOG(ERR, "%s: BH lanes are not set up (dw_bh_init)", name);
		rc = -ENOTSUP;
		goto fail;
	}
	wq = calloc(1, sizeof(*wq));
	if (wq == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	snprintf(wq->name, sizeof(wq->name), "%s", name);
	wq->flags = conf != NULL ? conf->flags : 0;
	wq->max_active = conf != NULL && conf->max_active ? conf->max_active : DW_CFG_WQ_DFL_ACTIVE;
	if (wq->flags & DW_WQ_ORDERED) {
		wq->flags |= DW_WQ_UNBOUND;
		wq->max_active = 1;
	}
	wq->system = system;
	pthread_mutex_init(&wq->flush_mutex, NULL);
	pthread_mutex_init(&wq->lock, NULL);
	pthread_cond_init(&wq->cond, NULL);
	wq->magic = WQ_MAGIC;

	rc = (wq->flags & DW_WQ_BH) ? work_bh->wq_init(wq) : wq_alloc_pwqs(wq);
	if (rc < 0)
		goto free_wq;
	if (wq->flags & DW_WQ_RESCUER) {
		rc = rescuer_start(wq);
		if (rc < 0)
			goto free_wq;
	}

	pthread_mutex_lock(&work_lib.lock);
	if (wq_lookup_locked(name) != NULL) {
		pthread_mutex_unlock(&work_lib.lock);
		WORK_LOG(ERR, "workqueue %s exists already", name);
		rc = -EEXIST;
		goto stop_rescuer;
	}
	TAILQ_INSERT_TAIL(&work_lib.wqs, wq, entry);
	pthread_mutex_unlock(&work_lib.lock);
	return wq;

stop_rescuer:
	if (wq->rescuer != NULL)
		rescuer_stop(wq);
free_wq:
	if (wq->flags & DW_WQ_BH && wq->bh != NULL)
		work_bh->wq_fini(wq);
	wq->magic = 0;
	wq_free(wq);
fail:
	rte_errno = -rc;
	return NULL;
}

struct dw_wq *
dw_wq_create(const char *name, const struct dw_wq_conf *conf)
{
	struct dw_wq_conf c;
	int rc;

	if (conf != NULL && (rc = DW_CONF_COPY(dw_work_logtype, &c, conf, max_active)) < 0) {
		rte_errno = -rc;
		return NULL;
	}
	return wq_create(name, conf != NULL ? &c : NULL, false);
}

static int
wq_destroy(struct dw_wq *wq)
{
	unsigned int i;

	wq_drain(wq, true);
	/* Refuse newcomers from now on; items of this queue are all done. */
	__atomic_store_n(&wq->magic, WQ_DEAD, __ATOMIC_SEQ_CST);
	/* Whoever counted in before saw the queue alive: let them finish. */
	wq_wait_queuers(wq);
	if (wq->rescuer != NULL)
		rescuer_stop(wq);
	/* Barrier: a worker finishing our last item released its pool lock. */
	for (i = 0; i < wq->nr_pwqs; i++) {
		pthread_mutex_lock(&wq->pwq_list[i]->pool->lock);
		pthread_mutex_unlock(&wq->pwq_list[i]->pool->lock);
	}
	if (wq->flags & DW_WQ_BH)
		work_bh->wq_fini(wq);
	for (i = 0; i < wq->nr_pwqs; i++) {
		free(wq->pwq_list[i]);
		wq->pwq_list[i] = NULL;
	}
	memset(wq->pwqs, 0, sizeof(wq->pwqs));
	wq->nr_pwqs = 0;
	pthread_mutex_lock(&work_lib.lock);
	TAILQ_REMOVE(&work_lib.wqs, wq, entry);
	TAILQ_INSERT_TAIL(&work_lib.graveyard, wq, entry);
	pthread_mutex_unlock(&work_lib.lock);
	return 0;
}

int
dw_wq_destroy(struct dw_wq *wq)
{
	if (!wq_valid(wq, __func__))
		return wq != NULL && wq_magic(wq) == WQ_DEAD ? -ESHUTDOWN : -EINVAL;
	if (wq->system) {
		WORK_LOG(ERR, "%s is a system workqueue", wq->name);
		return -EPERM;
	}
	if (wq_wait_deadlocks(wq, "destroys"))
		return -EDEADLK;
	return wq_destroy(wq);
}

static int
wq_stats_fill(const struct dw_wq *wq, struct dw_wq_stats *st)
{
	if (!wq_valid(wq, __func__) || st == NULL)
		return wq != NULL && wq_magic(wq) == WQ_DEAD ? -ESHUTDOWN : -EINVAL;
	st->queued = __atomic_load_n(&wq->n_queued, __ATOMIC_RELAXED);
	st->started = __atomic_load_n(&wq->n_started, __ATOMIC_RELAXED);
	st->completed = __atomic_load_n(&wq->n_completed, __ATOMIC_RELAXED);
	st->cancelled = __atomic_load_n(&wq->n_cancelled, __ATOMIC_RELAXED);
	st->cpu_ns = __atomic_load_n(&wq->n_cpu_ns, __ATOMIC_RELAXED);
	st->rescued = __atomic_load_n(&wq->n_rescued, __ATOMIC_RELAXED);
	st->maydays = __atomic_load_n(&wq->n_maydays, __ATOMIC_RELAXED);
	st->pending = __atomic_load_n(&wq->n_pending, __ATOMIC_RELAXED);
	st->running = __atomic_load_n(&wq->n_running, __ATOMIC_RELAXED);
	if ((wq->flags & DW_WQ_BH) && work_bh != NULL)
		work_bh->stats(wq, st);
	return 0;
}

int
dw_wq_stats_get_sized(const struct dw_wq *wq, struct dw_wq_stats *st, size_t size)
{
	struct dw_wq_stats full;
	int rc = dw_out_check(dw_work_logtype, __func__, st, size,
			      DW_CONF_END(struct dw_wq_stats, running));

	if (rc < 0)
		return rc;
	memset(&full, 0, sizeof(full));
	rc = wq_stats_fill(wq, &full);
	if (rc == 0)
		dw_out_put(st, size, &full, sizeof(full));
	return rc;
}

/* --- library --- */

static int
lib_conf_check(const struct dw_work_lib_conf *conf)
{
	if (conf == NULL)
		return 0;
	if (conf->size != sizeof(*conf)) {
		WORK_LOG(ERR, "conf size %zu, expected %zu", conf->size, sizeof(*conf));
		return -EINVAL;
	}
	if (conf->flags & ~DW_WORK_LIB_F_ALL) {
		WORK_LOG(ERR, "unknown flags %#x", conf->flags & ~DW_WORK_LIB_F_ALL);
		return -EINVAL;
	}
	if (conf->reserved != NULL) {
		WORK_LOG(ERR, "conf reserved field set (fake topologies come from DW_FAKE_TOPO)");
		return -EINVAL;
	}
	return 0;
}

static void
lib_conf_defaults(struct dw_work_lib_conf *c)
{
	if (c->max_threads == 0)
		c->max_threads = DW_CFG_MAX_THREADS;
	if (c->idle_timeout_ms == 0)
		c->idle_timeout_ms = DW_CFG_IDLE_TIMEOUT_MS;
	if (c->cpu_intensive_thresh_us == 0)
		c->cpu_intensive_thresh_us = DW_CFG_CPU_INTENSIVE_THRESH_US;
	if (c->monitor_interval_us == 0)
		c->monitor_interval_us = DW_CFG_MONITOR_INTERVAL_US;
	if (c->watchdog_thresh_ms == 0)
		c->watchdog_thresh_ms = DW_CFG_WATCHDOG_THRESH_MS;
}

static int
system_wqs_create(void)
{
	struct dw_wq_conf c = { .size = sizeof(c) };

	dw_system_wq = wq_create("events", &c, true);
	c.flags = DW_WQ_HIGHPRI;
	dw_system_highpri_wq = wq_create("events_highpri", &c, true);
	c.flags = DW_WQ_UNBOUND;
	dw_system_unbound_wq = wq_create("events_unbound", &c, true);
	if (dw_system_wq == NULL || dw_system_highpri_wq == NULL || dw_system_unbound_wq == NULL)
		return -rte_errno;
	return 0;
}

int
dw_work_lib_init(const struct dw_work_lib_conf *conf)
{
	struct dw_work_lib_conf c;
	int rc;

	if (conf != NULL && (rc = DW_CONF_COPY(dw_work_logtype, &c, conf, flags)) < 0)
		return rc;
	rc = lib_conf_check(conf != NULL ? &c : NULL);
	if (rc < 0)
		return rc;
	if (__atomic_load_n(&work_lib.initialised, __ATOMIC_ACQUIRE)) {
		WORK_LOG(ERR, "already initialised");
		return -EALREADY;
	}
	memset(&work_lib.conf, 0, sizeof(work_lib.conf));
	if (conf != NULL)
		work_lib.conf = c;
	work_lib.conf.size = sizeof(work_lib.conf);
	lib_conf_defaults(&work_lib.conf);
	rc = dw_topo_init(NULL);
	if (rc < 0)
		return rc;
	rc = timer_init();
	if (rc < 0)
		return rc;
	rc = pools_init(&work_lib.conf);
	if (rc < 0)
		goto stop_timer;
	__atomic_store_n(&work_lib.initialised, true, __ATOMIC_RELEASE);
	rc = system_wqs_create();
	if (rc < 0)
		goto fini;
	work_telemetry_register();
	WORK_LOG(DEBUG, "%u pools on %u nodes", work_lib.nr_pools, dw_topo_nr_nodes());
	return 0;

fini:
	dw_work_lib_fini();
	return rc;
stop_timer:
	timer_fini();
	return rc;
}

int
dw_work_lib_fini(void)
{
	struct dw_wq *wq;

	if (!__atomic_load_n(&work_lib.initialised, __ATOMIC_ACQUIRE))
		return -ESHUTDOWN;
	if (current_worker() != NULL || dw_current_work() != NULL) {
		WORK_LOG(ERR, "called from a work item: would deadlock");
		return -EDEADLK;
	}
	/* Lanes nobody runs any more go to the caller, which runs them while it drains. */
	if (work_bh != NULL)
		bh_prepare_drain();
	/* Destroy user queues first (their items may use the system queues), newest first. */
	for (;;) {
		pthread_mutex_lock(&work_lib.lock);
		wq = TAILQ_LAST(&work_lib.wqs, wq_list);
		while (wq != NULL && wq->system)
			wq = TAILQ_PREV(wq, wq_list, entry);
		if (wq == NULL)
			wq = TAILQ_LAST(&work_lib.wqs, wq_list);
		pthread_mutex_unlock(&work_lib.lock);
		if (wq == NULL)
			break;
		if (wq->system)
			WORK_LOG(DEBUG, "draining system workqueue %s", wq->name);
		wq_destroy(wq);
	}
	dw_system_wq = dw_system_highpri_wq = dw_system_unbound_wq = NULL;
	if (work_bh != NULL)
		bh_fini();
	/* Seq-cst: pairs with dw_pool_stats_get() (see pools_fini()). */
	__atomic_store_n(&work_lib.initialised, false, __ATOMIC_SEQ_CST);
	pools_fini();
	timer_fini();
	pthread_mutex_lock(&work_lib.lock);
	while ((wq = TAILQ_FIRST(&work_lib.graveyard)) != NULL) {
		TAILQ_REMOVE(&work_lib.graveyard, wq, entry);
		wq_free(wq);
	}
	pthread_mutex_unlock(&work_lib.lock);
	return 0;
}
