/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Delayed work for pool workqueues: one timer thread with a binary min-heap
 * of armed items. An armed item holds PENDING; at expiry the thread queues
 * it as if dw_queue_work() had just succeeded. BH delayed work is serviced
 * by the lcore run loop instead (bh.c), never here.
 */
#include <errno.h>
#include <stdlib.h>

#include <rte_cycles.h>

#include "dw_common.h"
#include "dw_debug.h"
#include "work_private.h"

static struct {
	pthread_t thread;
	pthread_mutex_t lock; /* protects everything below */
	pthread_cond_t cond;
	struct dw_delayed_work **heap;
	unsigned int len, cap;
	bool stop;
	bool running;
} tm = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void
heap_set(unsigned int i, struct dw_delayed_work *dw)
{
	tm.heap[i] = dw;
	dw->heap_idx = (int32_t)i;
}

static void
heap_up(unsigned int i)
{
	struct dw_delayed_work *dw = tm.heap[i];

	while (i > 0 && tm.heap[(i - 1) / 2]->expires > dw->expires) {
		heap_set(i, tm.heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(i, dw);
}

static void
heap_down(unsigned int i)
{
	struct dw_delayed_work *dw = tm.heap[i];
	unsigned int c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= tm.len)
			break;
		if (c + 1 < tm.len && tm.heap[c + 1]->expires < tm.heap[c]->expires)
			c++;
		if (tm.heap[c]->expires >= dw->expires)
			break;
		heap_set(i, tm.heap[c]);
		i = c;
	}
	heap_set(i, dw);
}

static void
heap_remove(struct dw_delayed_work *dw)
{
	unsigned int i = (unsigned int)dw->heap_idx;
	struct dw_delayed_work *last = tm.heap[--tm.len];

	dw->heap_idx = -1;
	dw->timer = NULL;
	__atomic_fetch_and(&dw->work.state, ~WORK_TIMER, __ATOMIC_RELEASE);
	if (last == dw)
		return;
	heap_set(i, last);
	heap_up(i);
	heap_down((unsigned int)last->heap_idx);
}

void
timer_arm(struct dw_delayed_work *dw, struct dw_wq *wq, int target, uint64_t delay_us)
{
	struct dw_delayed_work **h;
	bool first;

	pthread_mutex_lock(&tm.lock);
	if (tm.len == tm.cap) {
		/* Rare growth under the lock; arming must not fail, so retry until it fits. */
		while ((h = realloc(tm.heap, sizeof(*h) * (tm.cap ? tm.cap * 2 : 64))) == NULL) {
			pthread_mutex_unlock(&tm.lock);
			WORK_LOG(ERR, "out of memory growing the timer heap, retrying");
			rte_delay_us_sleep(1000);
			pthread_mutex_lock(&tm.lock);
		}
		tm.heap = h;
		tm.cap = tm.cap ? tm.cap * 2 : 64;
	}
	dw->expires = dw_now_ns() + delay_us * DW_NS_PER_US;
	dw->cpu = target;
	dw->timer_wq = wq;
	dw->timer = &tm;
	__atomic_fetch_or(&dw->work.state, WORK_TIMER, __ATOMIC_RELEASE);
	heap_set(tm.len++, dw);
	heap_up((unsigned int)dw->heap_idx);
	first = tm.heap[0] == dw;
	if (first)
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
		heap_remove(dw);
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
	if (tm.len > 0)
		list = malloc(sizeof(*list) * tm.len);
	while (list != NULL && i < tm.len) {
		struct dw_delayed_work *dw = tm.heap[i];

		if (only_expired) {
			if (tm.heap[0]->expires > now)
				break;
			dw = tm.heap[0];
		} else if (wq != NULL && dw->timer_wq != wq) {
			i++;
			continue;
		}
		heap_remove(dw);
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
		if (tm.len == 0) {
			pthread_cond_wait(&tm.cond, &tm.lock);
			continue;
		}
		if (tm.heap[0]->expires > dw_now_ns()) {
			ts = dw_ns_to_timespec(tm.heap[0]->expires);
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
	if (pthread_create(&tm.thread, NULL, timer_main, NULL) != 0) {
		WORK_LOG(ERR, "cannot create the timer thread");
		return -EAGAIN;
	}
	tm.running = true;
	return 0;
}

void
timer_fini(void)
{
	struct dw_delayed_work **list;
	unsigned int n;

	if (!tm.running)
		return;
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
	free(tm.heap);
	tm.heap = NULL;
	tm.len = tm.cap = 0;
}
