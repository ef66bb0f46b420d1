/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Delayed work for pool workqueues: one timer thread with a min-heap
 * (lib/common/dw_heap.h) of armed items. An armed item holds PENDING; at expiry the thread queues
 * it as if dw_queue_work() had just succeeded. BH delayed work is serviced
 * by the lcore run loop instead (bh.c), never here.
 */
#include <errno.h>
#include <stdlib.h>

#include <rte_cycles.h>

#include "common_private.h"
#include "dw_clock.h"
#include "dw_common.h"
#include "dw_debug.h"
#include "dw_heap.h"
#include "work_private.h"

static struct {
	pthread_t thread;
	pthread_mutex_t lock; /* protects everything below */
	pthread_cond_t cond;
	struct dw_heap heap; /* of struct dw_delayed_work by expires */
	bool stop;
	bool running;
} tm = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.heap = DW_HEAP_INITIALIZER(struct dw_delayed_work, expires, heap_idx),
};

static void
timer_remove(struct dw_delayed_work *dw)
{
	DW_ASSERT_LOCKED(&tm.lock);
	dw_heap_remove(&tm.heap, dw);
	dw->timer = NULL;
	__atomic_fetch_and(&dw->work.state, ~WORK_TIMER, __ATOMIC_RELEASE);
}

void
timer_arm(struct dw_delayed_work *dw, struct dw_wq *wq, int target, uint64_t delay_us)
{
	pthread_mutex_lock(&tm.lock);
	DW_ASSERT(dw->heap_idx < 0); /* armed once: the caller holds PENDING */
	dw->expires = dw_now_ns() + delay_us * DW_NS_PER_US;
	/* Rare growth under the lock; arming must not fail, so retry until it fits. */
	while (dw_heap_insert(&tm.heap, dw) != 0) {
		pthread_mutex_unlock(&tm.lock);
		WORK_LOG(ERR, "out of memory growing the timer heap, retrying");
		rte_delay_us_sleep(1000);
		pthread_mutex_lock(&tm.lock);
	}
	dw->cpu = target;
	dw->timer_wq = wq;
	dw->timer = &tm;
	__atomic_fetch_or(&dw->work.state, WORK_TIMER, __ATOMIC_RELEASE);
	if (dw_heap_top(&tm.heap) == dw)
		pthread_cond_signal(&tm.cond);
	pthread_mutex_unlock(&tm.lock);
}

bool
timer_disarm(struct dw_delayed_work *dw)
{
	bool armed;

	pthread_mutex_lock(&tm.lock);
	armed = dw->heap_idx >= 0 && dw->timer == &tm;
	if (armed)
		timer_remove(dw);
	pthread_mutex_unlock(&tm.lock);
	return armed;
}

/* Take every armed timer of @wq (all if NULL) off the heap into a list. */
static unsigned int
timer_take(struct dw_wq *wq, struct dw_delayed_work ***out, bool only_expired)
{
	uint64_t now = dw_now_ns();
	struct dw_delayed_work **list = NULL;
	unsigned int n = 0, i = 0;

	pthread_mutex_lock(&tm.lock);
	if (tm.heap.len > 0)
		list = malloc(sizeof(*list) * tm.heap.len);
	while (list != NULL && i < tm.heap.len) {
		struct dw_delayed_work *dw = tm.heap.v[i];

		if (only_expired) {
			if (dw_heap_top_key(&tm.heap) > now)
				break;
			dw = dw_heap_top(&tm.heap);
		} else if (wq != NULL && dw->timer_wq != wq) {
			i++;
			continue;
		}
		timer_remove(dw);
		/* Until it is queued, a drain of its queue must wait for it. */
		wq_queuer_enter(dw->timer_wq);
		list[n++] = dw;
	}
	pthread_mutex_unlock(&tm.lock);
	*out = list;
	return n;
}

static unsigned int
timer_fire_list(struct dw_delayed_work **list, unsigned int n)
{
	struct dw_wq *wq;
	unsigned int i;

	for (i = 0; i < n; i++) {
		/* Off the heap (TIMER clear), not queued yet: the item is in transit. */
		DW_PAUSE_POINT("timer.fire.taken");
		wq = list[i]->timer_wq; /* once queued, the item may be re-armed */
		work_queue_held(wq, &list[i]->work, list[i]->cpu, false);
		wq_queuer_exit(wq);
	}
	free(list);
	return n;
}

unsigned int
timer_fire_wq(struct dw_wq *wq)
{
	struct dw_delayed_work **list;
	unsigned int n = timer_take(wq, &list, false);

	return timer_fire_list(list, n);
}

/*
 * The fake clock moved (test builds): fire what is due now, in the advancing
 * thread, so that the test sees it queued when its advance returns; then let
 * the thread compute its wait again (after a stop, on the real clock).
 */
static void
timer_clock_moved(void *arg)
{
	struct dw_delayed_work **list;
	unsigned int n;

	RTE_SET_USED(arg);
	n = timer_take(NULL, &list, true);
	timer_fire_list(list, n);
	pthread_mutex_lock(&tm.lock);
	pthread_cond_signal(&tm.cond);
	pthread_mutex_unlock(&tm.lock);
}

static void *
timer_main(void *arg)
{
	struct dw_delayed_work **list;
	struct timespec ts;
	unsigned int n;

	RTE_SET_USED(arg);
	pthread_setname_np(pthread_self(), "dw-timer");
	pthread_mutex_lock(&tm.lock);
	while (!tm.stop) {
		if (tm.heap.len == 0) {
			pthread_cond_wait(&tm.cond, &tm.lock);
			continue;
		}
		if (dw_heap_top_key(&tm.heap) > dw_now_ns()) {
			ts = dw_clock_abstime(dw_heap_top_key(&tm.heap));
			pthread_cond_timedwait(&tm.cond, &tm.lock, &ts);
			continue;
		}
		pthread_mutex_unlock(&tm.lock);
		n = timer_take(NULL, &list, true);
		timer_fire_list(list, n);
		pthread_mutex_lock(&tm.lock);
	}
	pthread_mutex_unlock(&tm.lock);
	return NULL;
}

int
timer_init(void)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&tm.cond, &ca);
	pthread_condattr_destroy(&ca);
	tm.stop = false;
	if (dw_thread_create(&tm.thread, NULL, NULL, false, timer_main, NULL) != 0) {
		WORK_LOG(ERR, "cannot create the timer thread");
		return -EAGAIN;
	}
	tm.running = true;
	if (dw_clock_hook_add(timer_clock_moved, NULL) != 0)
		WORK_LOG(WARNING, "timers will not follow the fake clock");
	return 0;
}

void
timer_fini(void)
{
	struct dw_delayed_work **list;
	unsigned int n;

	if (!tm.running)
		return;
	dw_clock_hook_del(timer_clock_moved, NULL);
	pthread_mutex_lock(&tm.lock);
	tm.stop = true;
	pthread_cond_signal(&tm.cond);
	pthread_mutex_unlock(&tm.lock);
	pthread_join(tm.thread, NULL);
	tm.running = false;
	/* Every queue was drained (and its timers fired) before: nothing should be left. */
	n = timer_take(NULL, &list, false);
	if (n > 0)
		WORK_LOG(ERR, "%u timers armed at shutdown were dropped", n);
	while (n > 0)
		wq_queuer_exit(list[--n]->timer_wq);
	free(list);
	dw_heap_fini(&tm.heap);
}
