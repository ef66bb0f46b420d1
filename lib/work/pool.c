/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Concurrency-managed worker pools.
 *
 * Each NUMA node has three pools: normal, high priority and unbound. A bound
 * pool keeps about `concurrency` workers running (nr_running): when a running
 * worker blocks (annotated, or caught asleep by the monitor) another one is
 * woken; when too many run, the extra ones park after their current item.
 * Unbound pools have no limit: every pending item gets a worker (bounded by
 * the queues' max_active and the thread cap). Every pool keeps a spare idle
 * worker so that a block costs a wake-up, not a thread creation; the manager
 * thread creates workers off the critical path, reaps idle surplus, calls
 * rescuers when creation fails, and runs the monitor and the watchdog.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_errno.h>

#include "common_private.h"
#include "dw_clock.h"
#include "dw_common.h"
#include "dw_debug.h"
#include "dw_trace.h"
#include "work_private.h"

static __thread struct worker *tls_worker;

/* Pause between worker creation attempts after one failed. */
#define CREATE_RETRY_NS (20 * DW_NS_PER_MS)

/* The manager thread and what wakes it. */
static struct {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool kicked; /* under lock */
	bool slow;   /* atomic: the manager may sleep its long idle period */
	bool stop;   /* under lock */
	bool running;
	uint64_t last_watchdog_ns;
	uint64_t last_hog_warn_ns;
} mgr = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static uint32_t stats_readers; /* atomic: dw_pool_stats_get() calls inside */

struct worker *
current_worker(void)
{
	return tls_worker;
}

struct dw_work *
dw_current_work(void)
{
	struct worker *w = tls_worker;

	return w != NULL ? w->current_work : bh_current_work();
}

struct pool *
pool_for(const struct dw_wq *wq, unsigned int node)
{
	enum pool_kind kind = POOL_NORMAL;

	if (wq->flags & DW_WQ_UNBOUND)
		kind = POOL_UNBOUND;
	else if (wq->flags & DW_WQ_HIGHPRI)
		kind = POOL_HIGHPRI;
	return work_lib.pools[node * POOL_NR_KINDS + kind];
}

/* --- nr_running accounting (pool lock held) --- */

static void
worker_set_flags(struct worker *w, uint32_t f)
{
	DW_ASSERT_LOCKED(&w->pool->lock);
	if (!(w->flags & WORKER_NOT_RUNNING) && (f & WORKER_NOT_RUNNING))
		w->pool->nr_running--;
	w->flags |= f;
}

static void
worker_clr_flags(struct worker *w, uint32_t f)
{
	uint32_t old = w->flags;

	DW_ASSERT_LOCKED(&w->pool->lock);
	w->flags &= ~f;
	if ((old & WORKER_NOT_RUNNING) && !(w->flags & WORKER_NOT_RUNNING))
		w->pool->nr_running++;
}

static bool
need_more_worker(const struct pool *pool)
{
	if (pool->kind == POOL_UNBOUND)
		/* No concurrency limit: a worker per pending item, but not one per queueing. */
		return pool->nr_pending > pool->nr_waking;
	return pool->nr_pending > 0 && pool->nr_running < pool->concurrency;
}

static bool
keep_working(const struct pool *pool)
{
	return pool->nr_pending > 0 && pool->nr_running <= pool->concurrency;
}

void
pool_kick_manager(void)
{
	pthread_mutex_lock(&mgr.lock);
	mgr.kicked = true;
	pthread_cond_signal(&mgr.cond);
	pthread_mutex_unlock(&mgr.lock);
}

/* The CPU the calling thread runs on, -1 if unknown (a test may say instead). */
static int
this_cpu(void)
{
	int (*hook)(void) = __atomic_load_n(&work_lib.cpu_hook, __ATOMIC_RELAXED);

	return hook != NULL ? hook() : sched_getcpu();
}

/*
 * Which idle worker to wake, and where. A woken thread starts on the CPU it
 * last ran on unless that CPU is busy and the kernel moves it, and some
 * kernels do not move it at wake-up (doc/guides/workqueue.md, "Which worker is
 * woken"): a worker parked on a busy CPU waits there, up to a time slice,
 * while another CPU idles. So the choice of a worker is a choice of CPU:
 *   1. one parked on @p free_cpu (a blocker's CPU, about to go idle);
 *   2. one parked on a CPU that no worker counted in nr_running is on;
 *   3. else the most recently parked, and *@p pin_cpu says where to pin it
 *      for its wake-up: @p free_cpu, or a pool CPU without a running worker
 *      (-1: leave it where it is).
 */
static struct worker *
idle_choose(struct pool *pool, int free_cpu, int *pin_cpu)
{
	struct worker *w, *head = TAILQ_FIRST(&pool->idle_list);
	int target = free_cpu, c;
	rte_cpuset_t used;

	DW_ASSERT_LOCKED(&pool->lock);
	*pin_cpu = -1;
	if (head == NULL)
		return NULL;
	if (free_cpu >= 0)
		TAILQ_FOREACH(w, &pool->idle_list, idle_entry)
			if (w->cpu == free_cpu)
				return w;
	CPU_ZERO(&used);
	TAILQ_FOREACH(w, &pool->workers, all_entry)
		if (!(w->flags & WORKER_NOT_RUNNING) && w->cpu >= 0 && w->cpu < CPU_SETSIZE)
			CPU_SET(w->cpu, &used);
	TAILQ_FOREACH(w, &pool->idle_list, idle_entry)
		if (w->cpu >= 0 && w->cpu < CPU_SETSIZE && !CPU_ISSET(w->cpu, &used))
			return w;
	for (c = 0; target < 0 && c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &pool->cpus) && !CPU_ISSET(c, &used))
			target = c;
	if (target >= 0 && target < CPU_SETSIZE && target != head->cpu && head->tid != 0 &&
	    CPU_ISSET(target, &head->cpus))
		*pin_cpu = target;
	return head;
}

/* Pool lock held (its wake-up must not overtake the pin): make @p w start on @p cpu. */
static void
worker_pin(struct worker *w, int cpu)
{
	rte_cpuset_t one;

	DW_ASSERT_LOCKED(&w->pool->lock);
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(w->tid, sizeof(one), &one) < 0)
		return; /* it wakes where it is: only slower */
	w->flags |= W_PINNED;
	w->cpu = cpu;
	w->pool->st.wake_pinned++;
}

/*
 * Take an idle worker off the idle list (idle_choose(): @p free_cpu is the CPU
 * a blocking worker leaves, or -1) and mark it woken; ask for a new one when
 * none is left. The caller signals its cond, after dropping the pool lock
 * where it can (wake_signal()): signalled under the lock, the worker wakes
 * only to block on that lock (a context switch more per wake-up; glibc's
 * condvar does not requeue waiters onto the mutex).
 */
static struct worker *
wake_idle_pick(struct pool *pool, int free_cpu)
{
	int pin_cpu;
	struct worker *w = idle_choose(pool, free_cpu, &pin_cpu);

	DW_ASSERT_LOCKED(&pool->lock);
	if (w == NULL) {
		if (pool->starved_since_ns == 0)
			pool->starved_since_ns = dw_now_ns();
		pool_kick_manager();
		return NULL;
	}
	TAILQ_REMOVE(&pool->idle_list, w, idle_entry);
	pool->nr_idle--;
	if (pin_cpu >= 0)
		worker_pin(w, pin_cpu);
	w->flags |= W_WOKEN;
	pool->nr_waking++;
	worker_clr_flags(w, W_IDLE);
	/* Keeps it alive until wake_signal() is done with it; pairs with worker_main()'s exit. */
	__atomic_fetch_add(&w->wake_refs, 1, __ATOMIC_RELAXED);
	if (pool->nr_idle == 0)
		pool_kick_manager(); /* keep a spare */
	return w;
}

/*
 * Wake @p w picked by wake_idle_pick(), with or without the pool lock: W_WOKEN
 * was set under it, and wake_refs keeps @p w from being freed meanwhile.
 */
static void
wake_signal(struct worker *w)
{
	if (w == NULL)
		return;
	pthread_cond_signal(&w->cond);
	/* Pairs with the acquire load before the worker frees itself. */
	__atomic_fetch_sub(&w->wake_refs, 1, __ATOMIC_RELEASE);
}

/*
 * Free a worker that is off every list. A waker that picked it may still be
 * signalling it after dropping the pool lock (wake_signal() takes no lock, so
 * waiting here, with or without the pool lock, cannot block it).
 */
static void
worker_free(struct worker *wk)
{
	while (__atomic_load_n(&wk->wake_refs, __ATOMIC_ACQUIRE) != 0)
		sched_yield();
	pthread_cond_destroy(&wk->cond);
	free(wk);
	__atomic_fetch_sub(&work_lib.nr_threads, 1, __ATOMIC_RELAXED);
}

/* Wake an idle worker (wake_idle_pick()), pool lock held. */
static bool
wake_idle(struct pool *pool, int free_cpu)
{
	struct worker *w = wake_idle_pick(pool, free_cpu);

	wake_signal(w);
	return w != NULL;
}

struct worker *
pool_find_executing(struct pool *pool, const struct dw_work *work)
{
	struct worker *w;

	DW_ASSERT_LOCKED(&pool->lock);
	TAILQ_FOREACH(w, &pool->busy_list, busy_entry)
		if (w->current_work == work && w->current_func == work->func)
			return w;
	return NULL;
}

void
pool_insert_work(struct pool *pool, struct pwq *pwq, struct dw_work *w)
{
	DW_ASSERT_LOCKED(&pool->lock);
	w->pwq = pwq;
	if (pwq->nr_active >= pwq->max_active) {
		work_list_append(&pwq->inactive, w);
		return;
	}
	pwq->nr_active++;
	dw_trace_work_activate_work(w);
	work_list_append(&pool->worklist, w);
	pool->nr_pending++;
	if (need_more_worker(pool))
		wake_idle(pool, -1);
	else if (pool->nr_idle == 0 && pool->nr_running == 0)
		pool_kick_manager();
	/*
	 * Work after a quiet spell: bring the manager back to its short tick so the
	 * monitor and watchdog look at it. Pairs with the store in manager_main(),
	 * made before it scans the pools under their locks.
	 */
	if (__atomic_load_n(&mgr.slow, __ATOMIC_RELAXED) &&
	    __atomic_exchange_n(&mgr.slow, false, __ATOMIC_ACQ_REL))
		pool_kick_manager();
}

/* An active slot of @pwq was freed: promote the oldest inactive item. */
static void
pwq_activate_next(struct pool *pool, struct pwq *pwq)
{
	struct dw_work *w;

	DW_ASSERT_LOCKED(&pool->lock);
	pwq->nr_active--;
	if (pwq->nr_active >= pwq->max_active)
		return;
	w = work_list_pop(&pwq->inactive);
	if (w == NULL)
		return;
	pwq->nr_active++;
	dw_trace_work_activate_work(w);
	work_list_append(&pool->worklist, w);
	pool->nr_pending++;
	if (need_more_worker(pool))
		wake_idle(pool, -1);
}

void
pool_unlink_work(struct pool *pool, struct dw_work *w)
{
	struct pwq *pwq = w->pwq;
	struct work_list *l = w->list;

	DW_ASSERT_LOCKED(&pool->lock);
	DW_ASSERT(l != NULL && pwq != NULL); /* linked, with its accounting */
	work_list_remove(l, w);
	w->pwq = NULL;
	if (l == &pwq->inactive)
		return;
	if (l == &pool->worklist)
		pool->nr_pending--;
	pwq_activate_next(pool, pwq);
}

/*
 * Flushers wait on the pool, not on the item: a work function may free its
 * own item, so the worker may only compare the pointer after the call. A
 * waiter for instance @gen is done when no instance up to @gen is pending or
 * running; the item is alive then because the waiter's caller keeps it so.
 */
static bool
flush_done(struct pool *pool, struct dw_work *w, uint64_t gen)
{
	struct worker *wk = pool_find_executing(pool, w);

	DW_ASSERT_LOCKED(&pool->lock);
	if (wk != NULL && wk->current_gen <= gen)
		return false;
	return w->list == NULL || w->queued_gen > gen;
}

void
pool_flushers_wake(struct pool *pool, struct dw_work *w)
{
	struct flush_waiter *fw;

	DW_ASSERT_LOCKED(&pool->lock);
	TAILQ_FOREACH(fw, &pool->flushers, entry) {
		if (fw->work == w && !fw->done && flush_done(pool, w, fw->gen)) {
			fw->done = true;
			pthread_cond_signal(&fw->cond);
		}
	}
}

void
pool_flush_wait(struct pool *pool, struct dw_work *w, uint64_t gen)
{
	struct flush_waiter fw = { .work = w, .gen = gen };

	DW_ASSERT_LOCKED(&pool->lock);
	if (flush_done(pool, w, gen))
		return;
	pthread_cond_init(&fw.cond, NULL);
	TAILQ_INSERT_TAIL(&pool->flushers, &fw, entry);
	while (!fw.done)
		pthread_cond_wait(&fw.cond, &pool->lock);
	TAILQ_REMOVE(&pool->flushers, &fw, entry);
	pthread_cond_destroy(&fw.cond);
}

/* Run one item; called and returns with the pool lock held. */
static void
process_one(struct worker *wk, struct dw_work *w)
{
	struct pool *pool = wk->pool;
	struct pwq *pwq = w->pwq;
	struct dw_wq *wq = pwq->wq;
	struct worker *woken;
	uint64_t gen = w->queued_gen, cpu_ns;
	uint32_t color = w->color;

	DW_ASSERT_LOCKED(&pool->lock);
	w->pwq = NULL;
	wk->current_work = w;
	wk->current_func = w->func;
	wk->current_pwq = pwq;
	wk->current_gen = gen;
	wk->current_color = color;
	wk->current_start_ns = dw_now_ns();
	__atomic_store_n(&wk->current_cpu_start_ns, UINT64_MAX, __ATOMIC_RELAXED);
	wk->wd_reported = false;
	TAILQ_INSERT_TAIL(&pool->busy_list, wk, busy_entry);
	/* Once current_work is visible a queuer redirects here; now let it queue. Pairs with
	 * the fetch_or in queue_prepare(). */
	__atomic_fetch_and(&w->state, ~WORK_PENDING, __ATOMIC_RELEASE);
	if (wq->flags & DW_WQ_CPU_INTENSIVE)
		worker_set_flags(wk, W_INTENSIVE);
	wk->cpu = this_cpu(); /* it occupies this CPU now: wake another elsewhere */
	woken = need_more_worker(pool) ? wake_idle_pick(pool, -1) : NULL;
	pool->st.started++;
	__atomic_fetch_sub(&wq->n_pending, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&wq->n_started, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&wq->n_running, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&pool->lock);
	wake_signal(woken);

	cpu_ns = dw_thread_cpu_ns();
	/* Read by the monitor under the pool lock; UINT64_MAX until this store. */
	__atomic_store_n(&wk->current_cpu_start_ns, cpu_ns, __ATOMIC_RELAXED);
	dw_trace_work_execute_start(w, (const void *)(uintptr_t)wk->current_func);
	pool_perf_item_begin(wk);
	wk->current_func(w);
	pool_perf_item_end(wk);
	dw_trace_work_execute_end(w, (const void *)(uintptr_t)wk->current_func);
	cpu_ns = dw_thread_cpu_ns() - cpu_ns;

	/* @w may be freed or reused from here on: touch only what we copied. */
	pthread_mutex_lock(&pool->lock);
	TAILQ_REMOVE(&pool->busy_list, wk, busy_entry);
	worker_clr_flags(wk, W_INTENSIVE | W_DETECTED);
	wk->current_work = NULL;
	wk->current_func = NULL;
	wk->current_pwq = NULL;
	pool->st.completed++;
	__atomic_fetch_add(&wq->n_cpu_ns, cpu_ns, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&wq->n_running, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&wq->n_completed, 1, __ATOMIC_RELAXED);
	if (wk->rescuer)
		__atomic_fetch_add(&wq->n_rescued, 1, __ATOMIC_RELAXED);
	pwq_activate_next(pool, pwq);
	/* @w is only compared, unless a flusher waits on it (then it is alive). */
	if (!TAILQ_EMPTY(&pool->flushers))
		pool_flushers_wake(pool, w);
	work_color_done(wq, color);
}

static void
run_item(struct worker *wk, struct dw_work *w)
{
	struct worker *other = pool_find_executing(wk->pool, w);

	if (other != NULL) {
		/* Running elsewhere: it goes after that run, on that worker. */
		work_list_append(&other->scheduled, w);
		return;
	}
	process_one(wk, w);
}

/* Pool lock held: a woken worker is running again; it no longer counts as on its way. */
static void
worker_woke(struct worker *wk)
{
	DW_ASSERT_LOCKED(&wk->pool->lock);
	if (wk->flags & W_WOKEN) {
		wk->flags &= ~W_WOKEN;
		wk->pool->nr_waking--;
	}
	if (wk->flags & W_PINNED) {
		/* Started where its waker wanted it: the scheduler may move it again. */
		wk->flags &= ~W_PINNED;
		sched_setaffinity(0, sizeof(wk->cpus), &wk->cpus);
	}
}

static void
worker_park(struct worker *wk)
{
	struct pool *pool = wk->pool;

	DW_ASSERT_LOCKED(&pool->lock);
	worker_set_flags(wk, W_IDLE);
	wk->flags &= ~W_WOKEN;
	wk->cpu = this_cpu(); /* where it will wake up */
	wk->idle_since_ns = dw_now_ns();
	TAILQ_INSERT_HEAD(&pool->idle_list, wk, idle_entry);
	pool->nr_idle++;
	while (!(wk->flags & (W_WOKEN | W_DIE)))
		pthread_cond_wait(&wk->cond, &pool->lock);
	worker_woke(wk);
}

static void
thread_exited(void)
{
	pthread_mutex_lock(&work_lib.threads_lock);
	work_lib.live_threads--;
	pthread_cond_broadcast(&work_lib.threads_cond);
	pthread_mutex_unlock(&work_lib.threads_lock);
}

static void *
worker_main(void *arg)
{
	struct worker *wk = arg;
	struct pool *pool = wk->pool;
	struct dw_work *w;
	char name[16];

	tls_worker = wk;
	snprintf(name, sizeof(name), "dwk%u%c/%u", pool->node, "NHU"[pool->kind], wk -> id % 1000);
	pthread_setname_np(pthread_self(), name);
	if (pool->kind == POOL_HIGHPRI && setpriority(PRIO_PROCESS, 0, -10) < 0)
		WORK_LOG(DEBUG, "cannot raise the priority of %s", name);

	pool_perf_worker_start(wk);
	pthread_mutex_lock(&pool->lock);
	wk->tid = (pid_t)syscall(SYS_gettid);
	wk->cpu = this_cpu();
	if (sched_getaffinity(0, sizeof(wk->cpus), &wk->cpus) < 0)
		CPU_ZERO(&wk->cpus); /* never pinned for a wake-up then */
	if (pthread_getcpuclockid(pthread_self(), &wk->cpu_clock) != 0)
		wk->cpu_clock = CLOCK_THREAD_CPUTIME_ID;
	/* Created parked (see worker_create): wait to be woken. */
	while (!(wk->flags & (W_WOKEN | W_DIE)))
		pthread_cond_wait(&wk->cond, &pool->lock);
	worker_woke(wk);
	for (;;) {
		if (wk->flags & W_DIE)
			break;
		if (!keep_working(pool)) {
			worker_park(wk);
			continue;
		}
		if (pool->nr_idle == 0)
			pool_kick_manager();
		w = work_list_pop(&pool->worklist);
		pool->nr_pending--;
		run_item(wk, w);
		while ((w = work_list_pop(&wk->scheduled)) != NULL)
			process_one(wk, w);
	}
	/* Dying: the reaper took us off the idle list and the counts. */
	TAILQ_REMOVE(&pool->workers, wk, all_entry);
	pthread_mutex_unlock(&pool->lock);
	pool_perf_worker_exit(wk);
	worker_free(wk);
	thread_exited();
	return NULL;
}

static int
thread_start(pthread_t *t, const rte_cpuset_t *cpus, void *(*fn)(void *), void *arg)
{
	int rc;

	if (__atomic_load_n(&work_lib.fail_create, __ATOMIC_RELAXED))
		return -EAGAIN;
	pthread_mutex_lock(&work_lib.threads_lock);
	work_lib.live_threads++;
	pthread_mutex_unlock(&work_lib.threads_lock);
	/* NULL cpus (rescuers): the control threads' CPUs, never the creator's lcore. */
	rc = dw_thread_create(t, NULL, cpus, true, fn, arg);
	if (rc != 0) {
		pthread_mutex_lock(&work_lib.threads_lock);
		work_lib.live_threads--;
		pthread_mutex_unlock(&work_lib.threads_lock);
		return rc;
	}
	return 0;
}

/* Create one parked worker; pool lock held (dropped around pthread_create). */
static int
worker_create(struct pool *pool)
{
	struct worker *wk;
	int rc;

	DW_ASSERT_LOCKED(&pool->lock);
	if (__atomic_add_fetch(&work_lib.nr_threads, 1, __ATOMIC_RELAXED) >
	    work_lib.conf.max_threads) {
		__atomic_fetch_sub(&work_lib.nr_threads, 1, __ATOMIC_RELAXED);
		rc = -EAGAIN;
		goto fail;
	}
	wk = calloc(1, sizeof(*wk));
	if (wk == NULL) {
		__atomic_fetch_sub(&work_lib.nr_threads, 1, __ATOMIC_RELAXED);
		rc = -ENOMEM;
		goto fail;
	}
	wk->pool = pool;
	pthread_cond_init(&wk->cond, NULL);
	/* Parked from birth so it counts as the spare before it runs. */
	wk->flags = W_IDLE;
	wk->cpu = -1; /* until its thread parks */
	wk->idle_since_ns = dw_now_ns();
	TAILQ_INSERT_HEAD(&pool->idle_list, wk, idle_entry);
	TAILQ_INSERT_TAIL(&pool->workers, wk, all_entry);
	pool->nr_idle++;
	pool->nr_workers++;
	pool->st.workers_created++;
	wk->id = (uint32_t)pool->st.workers_created;
	pthread_mutex_unlock(&pool->lock);
	rc = thread_start(&wk->thread, &pool->cpus, worker_main, wk);
	pthread_mutex_lock(&pool->lock);
	if (rc == 0) {
		if (pool->nr_workers > pool->peak_workers)
			pool->peak_workers = pool->nr_workers;
		return 0;
	}
	/* Nobody can have woken it for real: a waker would have counted it running. */
	if (wk->flags & W_IDLE) {
		TAILQ_REMOVE(&pool->idle_list, wk, idle_entry);
		pool->nr_idle--;
	} else {
		worker_set_flags(wk, W_IDLE); /* undo the waker's nr_running++ */
		worker_woke(wk);
	}
	TAILQ_REMOVE(&pool->workers, wk, all_entry);
	pool->nr_workers--;
	pool->st.workers_created--;
	worker_free(wk);
fail:
	pool->st.create_failures++;
	WORK_LOG(DEBUG, "pool %u: cannot create a worker: %s", pool->id, strerror(-rc));
	return rc;
}

/* --- blocking annotations --- */

void
dw_blocking_begin(void)
{
	struct worker *wk = tls_worker, *woken;
	struct pool *pool;
	int cpu;

	if (wk == NULL || wk->block_depth++ > 0 || wk->rescuer)
		return;
	pool = wk->pool;
	/* Before the wake-up: the woken worker may preempt this one on its CPU. */
	pool_perf_block_begin(wk);
	cpu = this_cpu();
	pthread_mutex_lock(&pool->lock);
	/* Leaving nr_running may free a slot that pending work waits for. */
	worker_set_flags(wk, W_BLOCKED);
	wk->cpu = cpu;
	/* Its CPU goes idle: the replacement that last ran there starts there. */
	woken = need_more_worker(pool) ? wake_idle_pick(pool, cpu) : NULL;
	if (woken != NULL)
		pool->st.cm_wakeups++;
	pthread_mutex_unlock(&pool->lock);
	DW_PAUSE_POINT("work.block.woken"); /* picked (and pinned), not signalled yet */
	wake_signal(woken);
}

void
dw_blocking_end(void)
{
	struct worker *wk = tls_worker;
	struct pool *pool;
	int cpu;

	if (wk == NULL || --wk->block_depth > 0 || wk->rescuer)
		return;
	pool = wk->pool;
	cpu = this_cpu();
	pthread_mutex_lock(&pool->lock);
	worker_clr_flags(wk, W_BLOCKED);
	wk->cpu = cpu;
	pthread_mutex_unlock(&pool->lock);
	pool_perf_block_end(wk);
}

/* --- rescuers --- */

static void *
rescuer_main(void *arg)
{
	struct dw_wq *wq = arg;
	struct rescuer *r = wq->rescuer;
	struct worker *wk = &r->worker;
	struct dw_work *w, *next;
	struct pool *pool;
	uint64_t mask;
	unsigned int id;
	char name[16];

	snprintf(name, sizeof(name), "dwr/%.11s", wq->name);
	pthread_setname_np(pthread_self(), name);
	tls_worker = wk;
	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (r->mayday_mask == 0 && !r->stop)
			pthread_cond_wait(&r->cond, &r->lock);
		if (r->mayday_mask == 0 && r->stop)
			break;
		mask = r->mayday_mask;
		r->mayday_mask = 0;
		pthread_mutex_unlock(&r->lock);
		for (id = 0; id < work_lib.nr_pools; id++) {
			if (!(mask & RTE_BIT64(id)))
				continue;
			pool = work_lib.pools[id];
			pthread_mutex_lock(&pool->lock);
			wk->pool = pool;
			/* Run this queue's items that wait on the pool, oldest first. */
			for (w = pool->worklist.head; w != NULL; w = next) {
				next = w->next;
				if (((struct pwq *)w->pwq)->wq != wq ||
				    pool_find_executing(pool, w))
					continue;
				work_list_remove(&pool->worklist, w);
				pool->nr_pending--;
				pool->st.rescued++;
				process_one(wk, w);
				next =
				    pool->worklist.head; /* the list may have changed meanwhile */
			}
			pthread_mutex_unlock(&pool->lock);
		}
		pthread_mutex_lock(&r->lock);
	}
	pthread_mutex_unlock(&r->lock);
	tls_worker = NULL;
	pthread_mutex_lock(&work_lib.threads_lock);
	r->exited = true;
	work_lib.live_threads--;
	pthread_cond_broadcast(&work_lib.threads_cond);
	pthread_mutex_unlock(&work_lib.threads_lock);
	return NULL;
}

int
rescuer_start(struct dw_wq *wq)
{
	struct rescuer *r = calloc(1, sizeof(*r));
	int rc;

	if (r == NULL)
		return -ENOMEM;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	r->worker.flags = W_RESCUER;
	r->worker.rescuer = true;
	r->worker.rescue_wq = wq;
	r->worker.block_depth = 0;
	wq->rescuer = r;
	/* The rescuer exists exactly so it does not depend on creating threads later. */
	rc = thread_start(&r->worker.thread, NULL, rescuer_main, wq);
	if (rc < 0) {
		WORK_LOG(ERR, "%s: cannot create the rescuer thread: %s", wq->name, strerror(-rc));
		wq->rescuer = NULL;
		pthread_mutex_destroy(&r->lock);
		pthread_cond_destroy(&r->cond);
		free(r);
		return -EAGAIN;
	}
	return 0;
}

void
rescuer_stop(struct dw_wq *wq)
{
	struct rescuer *r = wq->rescuer;

	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	/* Detached: wait until it is gone through the live-thread count. */
	pthread_mutex_lock(&work_lib.threads_lock);
	while (!r->exited)
		pthread_cond_wait(&work_lib.threads_cond, &work_lib.threads_lock);
	pthread_mutex_unlock(&work_lib.threads_lock);
	wq->rescuer = NULL;
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r);
}

/* Pool lock held: this pool needs a worker and none came: call rescuers. */
static void
pool_mayday(struct pool *pool)
{
	struct dw_work *w;
	struct dw_wq *wq;

	DW_ASSERT_LOCKED(&pool->lock);
	for (w = pool->worklist.head; w != NULL; w = w->next) {
		wq = ((struct pwq *)w->pwq)->wq;
		if (wq->rescuer == NULL)
			continue;
		pthread_mutex_lock(&wq->rescuer->lock);
		if (!(wq->rescuer->mayday_mask & RTE_BIT64(pool->id))) {
			wq->rescuer->mayday_mask |= RTE_BIT64(pool->id);
			pthread_cond_signal(&wq->rescuer->cond);
			pool->st.maydays++;
			__atomic_fetch_add(&wq->n_maydays, 1, __ATOMIC_RELAXED);
		}
		pthread_mutex_unlock(&wq->rescuer->lock);
	}
}

/* --- monitor: blocking and CPU hogs the annotations did not report --- */

/* Scheduler state letter of a thread of ours ('R', 'S', 'D', ...), 0 if unknown. */
static char
thread_state(pid_t tid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	n = (ssize_t)fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The name is in parentheses and may hold anything: the state follows the last ')'. */
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' ? p[2] : 0;
}

static uint64_t
worker_cpu_ns(const struct worker *wk)
{
	struct timespec ts;

	if (clock_gettime(wk->cpu_clock, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * DW_NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void
pool_monitor(struct pool *pool, uint64_t now)
{
	const struct dw_work_lib_conf *c = &work_lib.conf;
	struct worker *wk;
	uint64_t cpu0;
	char fn[64];
	char st;

	/* Workers we marked asleep come back into the count once they run again. */
	TAILQ_FOREACH(wk, &pool->busy_list, busy_entry) {
		if ((wk->flags & W_DETECTED) && thread_state(wk->tid) == 'R')
			worker_clr_flags(wk, W_DETECTED);
	}
	if (pool->nr_pending == 0 || pool->st.started != pool->mon_last_started) {
		pool->mon_last_started = pool->st.started;
		return;
	}
	/* Pending work and nothing started since the last tick: look at the runners. */
	TAILQ_FOREACH(wk, &pool->busy_list, busy_entry) {
		if (wk->flags & WORKER_NOT_RUNNING)
			continue;
		st = thread_state(wk->tid);
		if (st == 'S' || st == 'D') {
			worker_set_flags(wk, W_DETECTED);
			pool->st.blocked_detected++;
			continue;
		}
		if (st != 'R' || (c->flags & DW_WORK_LIB_F_NO_HOG_DETECT))
			continue; /* preempted or unknown: leave it */
		cpu0 = __atomic_load_n(&wk->current_cpu_start_ns, __ATOMIC_RELAXED);
		if (cpu0 == UINT64_MAX ||
		    worker_cpu_ns(wk) < cpu0 + (uint64_t)c->cpu_intensive_thresh_us * DW_NS_PER_US)
			continue;
		worker_set_flags(wk, W_INTENSIVE);
		pool->st.hogs_detected++;
		if (now - mgr.last_hog_warn_ns > DW_NS_PER_S) {
			mgr.last_hog_warn_ns = now;
			WORK_LOG(WARNING,
				 "%s on %s used over %u us of CPU: treated as CPU intensive "
				 "(use DW_WQ_CPU_INTENSIVE)",
				 work_func_name(wk->current_func, fn, sizeof(fn)),
				 wk->current_pwq->wq->name, c->cpu_intensive_thresh_us);
		}
	}
	while (need_more_worker(pool) && wake_idle(pool, -1))
		pool->st.cm_wakeups++;
	pool->mon_last_started = pool->st.started;
}

void
pool_perf_switched(struct worker *wk, bool asleep)
{
	struct pool *pool = wk->pool;
	struct worker *woken = NULL;

	pthread_mutex_lock(&pool->lock);
	if (asleep) {
		/* Asleep inside an item it runs, not annotated: as the kernel's sched hook. */
		if (wk->current_work != NULL && !(wk->flags & WORKER_NOT_RUNNING)) {
			worker_set_flags(wk, W_DETECTED);
			pool->st.blocked_perf++;
			/* Its CPU is the one going idle. */
			woken = need_more_worker(pool) ? wake_idle_pick(pool, wk->cpu) : NULL;
			if (woken != NULL)
				pool->st.cm_wakeups++;
		}
	} else if (wk->flags & W_DETECTED) {
		worker_clr_flags(wk, W_DETECTED); /* runnable again: counts again */
	}
	pthread_mutex_unlock(&pool->lock);
	wake_signal(woken);
}

static void
pool_watchdog(struct pool *pool, uint64_t now)
{
	uint64_t thresh = (uint64_t)work_lib.conf.watchdog_thresh_ms * DW_NS_PER_MS;
	struct dw_work *head = pool->worklist.head;
	struct worker *wk;
	char fn[64];

	TAILQ_FOREACH(wk, &pool->busy_list, busy_entry) {
		if (wk->wd_reported || now < wk->current_start_ns + thresh)
			continue;
		wk->wd_reported = true;
		pool->st.watchdog_hits++;
		WORK_LOG(WARNING, "watchdog: %s on %s running for %" PRIu64 " ms (pool %u)",
			 work_func_name(wk->current_func, fn, sizeof(fn)),
			 wk->current_pwq->wq->name, (now - wk->current_start_ns) / DW_NS_PER_MS,
			 pool->id);
	}
	if (head != NULL && now >= head->queued_at + thresh &&
	    (pool->wd_pending_work != head || pool->wd_pending_gen != head->queued_gen)) {
		pool->wd_pending_work = head;
		pool->wd_pending_gen = head->queued_gen;
		pool->st.watchdog_hits++;
		WORK_LOG(WARNING,
			 "watchdog: %s on %s pending for %" PRIu64 " ms (pool %u: %u workers, "
			 "%u idle, %u running of %u, %u pending)",
			 work_func_name(head->func, fn, sizeof(fn)),
			 ((struct pwq *)head->pwq)->wq->name,
			 (now - head->queued_at) / DW_NS_PER_MS, pool->id, pool->nr_workers,
			 pool->nr_idle, pool->nr_running, pool->concurrency, pool->nr_pending);
	}
}

/* --- manager thread --- */

static bool
pool_wants_worker(const struct pool *pool)
{
	/* A spare idle worker whenever anything runs or waits, one at least. */
	return pool->nr_idle == 0;
}

static void
pool_reap(struct pool *pool, uint64_t now)
{
	uint64_t timeout = (uint64_t)work_lib.conf.idle_timeout_ms * DW_NS_PER_MS;
	struct worker *wk;

	while (pool->nr_idle > DW_CFG_MIN_IDLE_WORKERS) {
		wk = TAILQ_LAST(&pool->idle_list, worker_list);
		/* Not "now - idle_since < timeout": a worker that parked (or was created)
		 * after the manager read @p now would look idle for ~2^64 ns. */
		if (wk->idle_since_ns + timeout > now)
			break;
		TAILQ_REMOVE(&pool->idle_list, wk, idle_entry);
		pool->nr_idle--;
		pool->nr_workers--;
		pool->st.workers_reaped++;
		wk->flags |= W_DIE;
		pthread_cond_signal(&wk->cond);
	}
}

/* One manager pass over @pool; returns true while the pool has work in flight. */
static bool
pool_manage(struct pool *pool, uint64_t now, bool watchdog)
{
	const struct dw_work_lib_conf *c = &work_lib.conf;
	bool busy;

	pthread_mutex_lock(&pool->lock);
	/* After a failure, retry at a slower pace: rescuers cover the gap. */
	while (pool_wants_worker(pool) && now >= pool->create_retry_ns) {
		if (worker_create(pool) < 0) {
			pool->create_retry_ns = now + CREATE_RETRY_NS;
			break;
		}
	}
	if (need_more_worker(pool) && pool->nr_idle == 0) {
		if (pool->starved_since_ns == 0)
			pool->starved_since_ns = now;
		/* starved_since_ns may be later than @now (set by a waker meanwhile). */
		if (now >= pool->starved_since_ns + DW_CFG_MAYDAY_TIMEOUT_MS * DW_NS_PER_MS)
			pool_mayday(pool);
	} else if (pool->nr_idle > 0) {
		pool->starved_since_ns = 0;
	}
	while (need_more_worker(pool) && wake_idle(pool, -1))
		;
	if (!(c->flags & DW_WORK_LIB_F_NO_MONITOR))
		pool_monitor(pool, now);
	if (watchdog)
		pool_watchdog(pool, now);
	pool_reap(pool, now);
	busy = pool->nr_pending > 0 || !TAILQ_EMPTY(&pool->busy_list);
	pthread_mutex_unlock(&pool->lock);
	return busy;
}

static void *
manager_main(void *arg)
{
	const struct dw_work_lib_conf *c = &work_lib.conf;
	uint64_t now, period_ns, idle_period_ns;
	struct timespec ts;
	bool busy, watchdog;
	unsigned int i;

	RTE_SET_USED(arg);
	pthread_setname_np(pthread_self(), "dw-mgr");
	idle_period_ns = RTE_MIN((uint64_t)c->idle_timeout_ms * DW_NS_PER_MS / 2, DW_NS_PER_S);
	pthread_mutex_lock(&mgr.lock);
	while (!mgr.stop) {
		mgr.kicked = false;
		pthread_mutex_unlock(&mgr.lock);
		now = dw_now_ns();
		DW_PAUSE_POINT("work.mgr.pass"); /* workers may park after @now */
		watchdog = now - mgr.last_watchdog_ns >= 100 * DW_NS_PER_MS;
		if (watchdog)
			mgr.last_watchdog_ns = now;
		busy = false;
		/* Before the scan: a queuer the scan misses sees it and kicks us. */
		__atomic_store_n(&mgr.slow, true, __ATOMIC_SEQ_CST);
		for (i = 0; i < work_lib.nr_pools; i++)
			busy |= pool_manage(work_lib.pools[i], now, watchdog);
		if (busy)
			__atomic_store_n(&mgr.slow, false, __ATOMIC_RELAXED);
		/* Tick fast only while work is in flight: quiet when idle. */
		period_ns = busy ? (uint64_t)c->monitor_interval_us * DW_NS_PER_US : idle_period_ns;
		if (busy)
			period_ns = RTE_MIN(period_ns, 100 * DW_NS_PER_MS);
		ts = dw_clock_abstime(now + period_ns); /* now may be a test's fake time */
		pthread_mutex_lock(&mgr.lock);
		if (!mgr.kicked && !mgr.stop)
			pthread_cond_timedwait(&mgr.cond, &mgr.lock, &ts);
	}
	pthread_mutex_unlock(&mgr.lock);
	return NULL;
}

/* --- init / fini --- */

static int
pool_create(unsigned int id, unsigned int node, enum pool_kind kind,
	    const struct dw_work_lib_conf *conf)
{
	struct pool *pool = calloc(1, sizeof(*pool));
	int ncpu;

	if (pool == NULL)
		return -ENOMEM;
	pthread_mutex_init(&pool->lock, NULL);
	TAILQ_INIT(&pool->idle_list);
	TAILQ_INIT(&pool->busy_list);
	TAILQ_INIT(&pool->workers);
	TAILQ_INIT(&pool->flushers);
	pool->id = id;
	pool->node = node;
	pool->kind = kind;
	ncpu = dw_topo_node_worker_cpus(node, &pool->cpus);
	if (kind == POOL_UNBOUND)
		pool->concurrency = UINT32_MAX;
	else if (conf->concurrency != 0)
		pool->concurrency = conf->concurrency;
	else if (dw_topo_is_fake())
		pool->concurrency = (uint32_t)CPU_COUNT(dw_topo_node_cpus(node));
	else
		pool->concurrency = (uint32_t)RTE_MAX(ncpu, 1);
	work_lib.pools[id] = pool;
	return 0;
}

int
pools_init(const struct dw_work_lib_conf *conf)
{
	unsigned int node, kind, id = 0;
	pthread_condattr_t ca;
	int rc;

	for (node = 0; node < dw_topo_nr_nodes(); node++)
		for (kind = 0; kind < POOL_NR_KINDS; kind++) {
			rc = pool_create(id++, node, kind, conf);
			if (rc < 0)
				goto free_pools;
		}
	work_lib.nr_pools = id;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&mgr.cond, &ca);
	pthread_condattr_destroy(&ca);
	mgr.stop = false;
	mgr.kicked = true;
	rc = dw_thread_create(&mgr.thread, NULL, NULL, false, manager_main, NULL);
	if (rc != 0) {
		rc = -EAGAIN;
		goto free_pools;
	}
	mgr.running = true;
	return 0;

free_pools:
	work_lib.nr_pools = id;
	pools_fini();
	return rc;
}

void
pools_fini(void)
{
	struct worker *wk;
	struct pool *pool;
	unsigned int i;

	if (mgr.running) {
		pthread_mutex_lock(&mgr.lock);
		mgr.stop = true;
		pthread_cond_signal(&mgr.cond);
		pthread_mutex_unlock(&mgr.lock);
		pthread_join(mgr.thread, NULL);
		mgr.running = false;
	}
	for (i = 0; i < work_lib.nr_pools; i++) {
		pool = work_lib.pools[i];
		pthread_mutex_lock(&pool->lock);
		TAILQ_FOREACH(wk, &pool->workers, all_entry) {
			if (wk->flags & W_DIE)
				continue; /* reaped already, on its way out */
			if (wk->flags & W_IDLE) {
				TAILQ_REMOVE(&pool->idle_list, wk, idle_entry);
				pool->nr_idle--;
			}
			pool->nr_workers--;
			wk->flags |= W_DIE;
			pthread_cond_signal(&wk->cond);
		}
		pthread_mutex_unlock(&pool->lock);
	}
	pthread_mutex_lock(&work_lib.threads_lock);
	while (work_lib.live_threads > 0)
		pthread_cond_wait(&work_lib.threads_cond, &work_lib.threads_lock);
	pthread_mutex_unlock(&work_lib.threads_lock);
	/*
	 * Telemetry may be reading a pool: dw_pool_stats_get() counts itself in
	 * and then checks 'initialised', which our caller cleared (seq-cst), so
	 * a reader either saw it cleared or is counted here.
	 */
	while (__atomic_load_n(&stats_readers, __ATOMIC_SEQ_CST) != 0) {
		DW_PAUSE_POINT("work.pools_fini.wait_readers");
		sched_yield();
	}
	pool_perf_fini();
	for (i = 0; i < work_lib.nr_pools; i++) {
		pthread_mutex_destroy(&work_lib.pools[i]->lock);
		free(work_lib.pools[i]);
		work_lib.pools[i] = NULL;
	}
	work_lib.nr_pools = 0;
}

unsigned int
dw_pool_count(void)
{
	return work_lib.nr_pools;
}

static int
pool_stats_fill(unsigned int id, struct dw_pool_stats *st)
{
	struct pool *pool;
	int rc = 0;

	/* Counted in before the check: pools_fini() waits for us (seq-cst pairs). */
	__atomic_fetch_add(&stats_readers, 1, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&work_lib.initialised, __ATOMIC_SEQ_CST)) {
		rc = -ESHUTDOWN;
		goto out;
	}
	if (st == NULL || id >= work_lib.nr_pools) {
		WORK_LOG(ERR, "bad pool id %u or NULL stats", id);
		rc = -EINVAL;
		goto out;
	}
	DW_PAUSE_POINT("work.pool_stats.entered");
	pool = work_lib.pools[id];
	pthread_mutex_lock(&pool->lock);
	*st = pool->st;
	st->node = (int)pool->node;
	st->highpri = pool->kind == POOL_HIGHPRI;
	st->unbound = pool->kind == POOL_UNBOUND;
	st->concurrency = pool->concurrency;
	st->nr_workers = pool->nr_workers;
	st->nr_idle = pool->nr_idle;
	st->nr_running = pool->nr_running;
	st->nr_pending = pool->nr_pending;
	st->peak_workers = pool->peak_workers;
	pthread_mutex_unlock(&pool->lock);
	st->perf_events = pool_perf_active();
out:
	__atomic_fetch_sub(&stats_readers, 1, __ATOMIC_RELEASE);
	return rc;
}

int
dw_pool_stats_get_sized(unsigned int id, struct dw_pool_stats *st, size_t size)
{
	struct dw_pool_stats full;
	int rc = dw_out_check(dw_work_logtype, __func__, st, size,
			      DW_CONF_END(struct dw_pool_stats, perf_events));

	if (rc < 0)
		return rc;
	memset(&full, 0, sizeof(full));
	rc = pool_stats_fill(id, &full);
	if (rc == 0)
		dw_out_put(st, size, &full, sizeof(full));
	return rc;
}
