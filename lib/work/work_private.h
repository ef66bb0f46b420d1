/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WORK_PRIVATE_H
#define WORK_PRIVATE_H

/*
 * lib/work internals, shared by work.c (items and workqueues), pool.c
 * (concurrency-managed worker pools, manager, monitor, rescuers), timer.c
 * (delayed work) and work_telemetry.c. Never installed.
 *
 * Lock order: wq->flush_mutex -> pool->lock (by pool id) -> timer lock,
 * flush bucket locks, wq->lock, mgr.lock. Work functions never run under
 * any of them.
 *
 * Field tags (struct dw_wq, struct work_lib): the legend in
 * lib/common/common_private.h.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include <rte_bitops.h>
#include <rte_branch_prediction.h>
#include <rte_common.h>

#include "dw_config.h"
#include "dw_log.h"
#include "dw_topo.h"
#include "dw_work.h"

extern int dw_work_logtype;
#define WORK_LOG(level, ...) DW_LOG(dw_work_logtype, level, __VA_ARGS__)

#define WORK_MAGIC 0x64774b31u /* initialised work item */
#define WQ_MAGIC 0x64775131u   /* live workqueue */
#define WQ_DEAD 0x64775144u    /* destroyed workqueue (husk kept until fini) */

/* dw_work.state bits (atomic). */
#define WORK_PENDING RTE_BIT32(0)   /* queued, timer armed, or held by a canceller */
#define WORK_CANCELING RTE_BIT32(1) /* a cancel_sync holds PENDING: queueing fails */
#define WORK_TIMER RTE_BIT32(2)	    /* delayed work: its timer is armed */
#define WORK_BH_LINKED RTE_BIT32(3) /* BH: physically on a lane (stack or local list) */
#define WORK_BH_COLOR RTE_BIT32(5)  /* BH: flush color of the linked instance */
#define WORK_BH_DEAD RTE_BIT32(4)   /* BH: cancelled where it sits; the lane drops it */
/* Disable count (dw_disable_work()): while non-zero, queueing fails. */
#define WORK_DISABLE_SHIFT 16
#define WORK_DISABLE_ONE (1u << WORK_DISABLE_SHIFT)
#define WORK_DISABLE_MASK (0xffffu << WORK_DISABLE_SHIFT)

/* Relaxed accessors for dw_work fields read outside the lock that writes them. */
#define WORK_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define WORK_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

/* A doubly linked list of work items through dw_work.next/prev. */
struct work_list {
	struct dw_work *head, *tail;
};

enum pool_kind { POOL_NORMAL, POOL_HIGHPRI, POOL_UNBOUND, POOL_NR_KINDS };

#define MAX_POOLS (DW_TOPO_MAX_NODES * POOL_NR_KINDS)

/* Worker flags; those in WORKER_NOT_RUNNING take the worker out of nr_running. */
#define W_IDLE RTE_BIT32(0)	 /* parked on the idle list */
#define W_BLOCKED RTE_BIT32(1)	 /* inside dw_blocking_begin/end */
#define W_DETECTED RTE_BIT32(2)	 /* monitor saw it asleep (unannotated) */
#define W_INTENSIVE RTE_BIT32(3) /* CPU_INTENSIVE queue or detected hog */
#define W_RESCUER RTE_BIT32(4)	 /* a rescuer, never counted */
#define W_WOKEN RTE_BIT32(8)	 /* taken off the idle list by a waker */
#define W_DIE RTE_BIT32(9)	 /* told to exit */
#define W_PINNED RTE_BIT32(10)	 /* a waker pinned it to one CPU: restore cpus once awake */
#define WORKER_NOT_RUNNING (W_IDLE | W_BLOCKED | W_DETECTED | W_INTENSIVE | W_RESCUER)

struct pool;
struct pwq;

/* A dw_flush_work()/cancel_sync caller waiting for an instance to end. */
struct flush_waiter {
	struct dw_work *work;
	uint64_t gen;
	bool done;
	pthread_cond_t cond; /* waits use pool->lock */
	TAILQ_ENTRY(flush_waiter) entry;
};

struct worker {
	/* Set at creation; pool changes only for rescuers (under the new pool's lock). */
	struct pool *pool;
	pthread_t thread;
	pid_t tid;	     /* written by the thread before it first parks */
	rte_cpuset_t cpus;   /* its affinity, read by the thread before it first parks */
	uint32_t id;	     /* creation number in its pool (thread name) */
	bool rescuer;	     /* a wq's rescuer (also W_RESCUER in flags); read unlocked */
	clockid_t cpu_clock; /* per-thread CPU clock, for the monitor */
	pthread_cond_t cond; /* wakes this worker; waits use pool->lock */
	uint32_t wake_refs;  /* atomic: wake-ups signalling it after the pool lock (pool.c) */
	/* Protected by pool->lock. */
	uint32_t flags;
	/* The CPU it last ran on, -1 unknown: set when it parks, starts an item and
	 * enters or leaves a blocking section (idle_choose() in pool.c). */
	int cpu;
	TAILQ_ENTRY(worker) idle_entry; /* on pool->idle_list while W_IDLE */
	TAILQ_ENTRY(worker) busy_entry; /* on pool->busy_list while running an item */
	TAILQ_ENTRY(worker) all_entry;	/* on pool->workers */
	struct dw_work *current_work;
	dw_work_func_t current_func;
	struct pwq *current_pwq;
	uint64_t current_gen;
	uint32_t current_color;
	uint64_t current_start_ns;
	uint64_t current_cpu_start_ns;
	bool wd_reported; /* watchdog logged this run already */
	uint64_t idle_since_ns;
	struct work_list scheduled; /* collisions: items to run after the current one */
	/* Owned by the worker thread. */
	int block_depth;
	/* Its context-switch event (pool_perf.c); set by the thread, read by it. */
	bool perf_on;
	int perf_fd;
	int perf_slot;
	/* Rescuers only: the queue they serve. */
	struct dw_wq *rescue_wq;
};

TAILQ_HEAD(worker_list, worker);

struct pool {
	pthread_mutex_t lock;
	/* Set at init, read-only after. */
	unsigned int id;
	unsigned int node;
	enum pool_kind kind;
	uint32_t concurrency; /* target nr_running; UINT32_MAX for unbound pools */
	rte_cpuset_t cpus;    /* real CPUs its workers are pinned to */
	/* Protected by lock. */
	struct work_list worklist; /* active items ready to run, FIFO */
	uint32_t nr_pending;	   /* items on worklist */
	uint32_t nr_workers, nr_idle, nr_running, peak_workers;
	uint32_t nr_waking;	      /* woken, not yet running again (unbound pools size by it) */
	struct worker_list idle_list; /* most recently parked first */
	struct worker_list busy_list; /* workers running an item (rescuers included) */
	struct worker_list workers;   /* every worker but rescuers */
	TAILQ_HEAD(, flush_waiter) flushers;
	uint64_t starved_since_ns; /* needs a worker and has none (mayday clock) */
	uint64_t create_retry_ns;  /* no creation attempt before this (after a failure) */
	uint64_t mon_last_started; /* monitor: started count at the last tick */
	uint64_t wd_pending_gen;   /* watchdog: last pending head reported */
	struct dw_work *wd_pending_work;
	struct dw_pool_stats st; /* counters (only the uint64 ones are used) */
};

/* One per (workqueue, pool) in use: max_active accounting and the inactive list. */
struct pwq {
	struct dw_wq *wq;
	struct pool *pool;
	/* Protected by pool->lock. */
	uint32_t nr_active;
	uint32_t max_active;
	struct work_list inactive;
};

struct rescuer {
	struct worker worker;
	pthread_mutex_t lock; /* protects mayday_mask and stop */
	pthread_cond_t cond;
	uint64_t mayday_mask; /* pools that called for help */
	bool stop;
	bool exited; /* under work_lib.threads_lock */
};

struct dw_wq {
	uint32_t magic; /* A: WQ_MAGIC once created, WQ_DEAD for the husk (seq_cst, wq_magic()) */
	char name[DW_CFG_WQ_NAME_LEN]; /* I */
	uint32_t flags;		       /* I */
	uint32_t max_active;	       /* I */
	bool system;		       /* I */
	/* I: pool queue per node (ORDERED: every slot points at the same pwq). */
	struct pwq *pwqs[DW_TOPO_MAX_NODES];
	unsigned int nr_pwqs;			 /* I */
	struct pwq *pwq_list[DW_TOPO_MAX_NODES]; /* I: distinct pwqs, by pool id */
	struct rescuer *rescuer;		 /* I: started at create, stopped at destroy */
	/* Flushing: flush_mutex serialises flushers. */
	pthread_mutex_t flush_mutex; /* I */
	/*
	 * S: flush_mutex plus every pwq's pool->lock to change it, one pool
	 * lock to read it (pool queues); A for BH queues (seq_cst flip, pairs
	 * with bh_color_in() through bh_wait_color()).
	 */
	uint32_t work_color;
	/*
	 * A: items of each color not finished. BH queues count lcores' items
	 * per lcore in @bh; this one (which may then go below zero) takes
	 * threads without an lcore id and adds to their sum (bh.c).
	 */
	uint64_t in_flight[2];
	pthread_mutex_t lock; /* I: pairs with cond for in_flight waits */
	pthread_cond_t cond;  /* I */
	bool draining;	      /* A (seq_cst): only the queue's own items may queue */
	/* A: queue calls (and timers firing into the queue) between their
	 * checks and the link; drain and destroy wait for it to drop to 0.
	 * dw_queue_work_on() of a BH queue counts itself in flight instead. */
	uint32_t nr_queuers;
	/* A (relaxed): counters. BH queues count their fast path per lcore
	 * in @bh instead; work_bh->stats() adds those in on read. */
	uint64_t n_queued, n_started, n_completed, n_cancelled, n_cpu_ns, n_rescued, n_maydays;
	uint32_t n_pending, n_running;
	void *bh; /* I: BH queues' per-lcore counters, owned by bh.c (set at create, freed with the
		     husk) */
	TAILQ_ENTRY(dw_wq) entry; /* S: work_lib.lock; on work_lib.wqs or the graveyard */
};

TAILQ_HEAD(wq_list, dw_wq);

/* Library-wide state; L is work_lib.lock. */
struct work_lib {
	bool initialised;	  /* A: release by init/fini, acquire by the calls */
	pthread_mutex_t lock;	  /* I */
	struct wq_list wqs;	  /* L */
	struct wq_list graveyard; /* L: destroyed queues' husks, freed by fini */
	/* I: set by dw_work_lib_init() before any thread starts, read-only until fini. */
	struct dw_work_lib_conf conf;
	unsigned int nr_pools;	       /* I (pools_init) */
	struct pool *pools[MAX_POOLS]; /* I (pools_init) */
	uint32_t nr_threads;	       /* A: live worker threads (cap) */
	pthread_mutex_t threads_lock;  /* I: with threads_cond: wait for exits */
	pthread_cond_t threads_cond;   /* I */
	uint32_t live_threads;	       /* S: threads_lock; every thread we started */
	bool fail_create;	       /* A (relaxed): test hook, worker creation fails */
	int (*cpu_hook)(void);	       /* A (relaxed): test hook, the caller's CPU for pool.c */
};

extern struct work_lib work_lib;

/* pool_perf.c: blocking detected from context-switch records (worker thread calls). */
void pool_perf_worker_start(struct worker *wk); /* pool lock not held */
void pool_perf_worker_exit(struct worker *wk);	/* pool lock not held */
void pool_perf_item_begin(struct worker *wk);
void pool_perf_item_end(struct worker *wk);
/* Inside an item, around an annotated wait (dw_blocking_begin/end). */
void pool_perf_block_begin(struct worker *wk);
void pool_perf_block_end(struct worker *wk);
bool pool_perf_active(void);
void pool_perf_fini(void); /* after every worker exited */
/* pool.c, called by the perf watcher (perf lock held, pool lock not). */
void pool_perf_switched(struct worker *wk, bool asleep);

/* BH lanes plug in here (bh.c); NULL until dw_bh_init(). Same contracts as the
 * public calls they stand in for, for items of DW_WQ_BH queues. */
struct work_bh_ops {
	/* PENDING held by the caller (counted in nr_queuers or covered by a timer). */
	bool (*queue)(struct dw_wq *wq, struct dw_work *work, int target, bool count);
	/*
	 * dw_queue_work_on() after its argument checks, PENDING's test-and-set
	 * included and without nr_queuers: 1 queued, 0 not (rte_errno set),
	 * -EAGAIN: take the general path (queue_claim(), then queue()).
	 */
	int (*queue_new)(struct dw_wq *wq, struct dw_work *work, int target);
	void (*arm)(struct dw_wq *wq, struct dw_delayed_work *dw, int target, uint64_t delay_us);
	bool (*revive)(struct dw_work *work, bool count); /* take back a tombstone */
	int (*cancel)(struct dw_work *work, bool sync);
	int (*mod)(struct dw_wq *wq, struct dw_delayed_work *dw, uint64_t delay_us);
	int (*flush)(struct dw_work *work);
	int (*flush_delayed)(struct dw_delayed_work *dw);
	bool (*running)(struct dw_work *work, uint64_t *gen);
	void (*wait_color)(struct dw_wq *wq, uint32_t color); /* after the flip */
	uint64_t (*in_flight)(struct dw_wq *wq); /* both colors, after draining is set */
	unsigned int (*fire_wq)(struct dw_wq *wq);
	bool (*lane_exists)(int lcore);
	int (*wq_init)(struct dw_wq *wq);
	void (*wq_fini)(struct dw_wq *wq);
	void (*stats)(const struct dw_wq *wq, struct dw_wq_stats *st); /* add per-lcore counts */
};
extern const struct work_bh_ops *work_bh;

/* --- lists (work.c) --- */
void work_list_append(struct work_list *l, struct dw_work *w);
void work_list_remove(struct work_list *l, struct dw_work *w);
struct dw_work *work_list_pop(struct work_list *l);

/* --- items (work.c) --- */
/* work_valid() and wq_valid() (below) when the quick look fails: log, or find it valid. */
bool work_valid_slow(const struct dw_work *w, const char *caller);
bool wq_valid_slow(const struct dw_wq *wq, const char *caller);
/* Queue an item whose PENDING bit the caller holds. count: add to n_queued. */
bool work_queue_held(struct dw_wq *wq, struct dw_work *w, int target, bool count);
/*
 * Bracket a queueing that may race with dw_wq_destroy(): enter counts it in
 * nr_queuers (seq-cst, then the caller checks magic/draining), exit counts it
 * out. Drain and destroy set their flag, then wait for the count to be 0.
 */
void wq_queuer_enter(struct dw_wq *wq);
void wq_queuer_exit(struct dw_wq *wq);
bool wq_refuses_slow(struct dw_wq *wq, const char *caller);

/* dw_wq_destroy() turns a live queue into a husk while others may look. */
static inline uint32_t
wq_magic(const struct dw_wq *wq)
{
	return __atomic_load_n(&wq->magic, __ATOMIC_SEQ_CST);
}

/* An initialised work item? Logs (naming @caller) if not. Inline: every queueing checks. */
static inline bool
work_valid(const struct dw_work *w, const char *caller)
{
	if (likely(w != NULL && w->magic == WORK_MAGIC && w->func != NULL))
		return true;
	return work_valid_slow(w, caller);
}

/* A live workqueue? Logs (naming @caller) if not. */
static inline bool
wq_valid(const struct dw_wq *wq, const char *caller)
{
	if (likely(wq != NULL && wq_magic(wq) == WQ_MAGIC))
		return true;
	return wq_valid_slow(wq, caller);
}

/*
 * Counted in as a queuer (or in flight): is @wq closed to us, destroyed or
 * draining (and the caller not one of its own items)? Logs. Checked after
 * the caller's count (seq-cst loads), so drain and destroy either see the
 * count or we see their flag.
 */
static inline bool
wq_refuses(struct dw_wq *wq, const char *caller)
{
	if (likely(wq_magic(wq) == WQ_MAGIC && !__atomic_load_n(&wq->draining, __ATOMIC_SEQ_CST)))
		return false;
	return wq_refuses_slow(wq, caller);
}
/* @n instances of @color ended (or were taken off): wake flushers at zero. */
void work_color_done_n(struct dw_wq *wq, uint32_t color, uint64_t n);
static inline void
work_color_done(struct dw_wq *wq, uint32_t color)
{
	work_color_done_n(wq, color, 1);
}

/* --- pools (pool.c) --- */
int pools_init(const struct dw_work_lib_conf *conf);
void pools_fini(void);
struct pool *pool_for(const struct dw_wq *wq, unsigned int node);
struct worker *pool_find_executing(struct pool *pool, const struct dw_work *w);
/* Put an item on its pwq (pool lock held): active or inactive. */
void pool_insert_work(struct pool *pool, struct pwq *pwq, struct dw_work *w);
/* Take a linked item off its list (pool lock held), keeping max_active accounting. */
void pool_unlink_work(struct pool *pool, struct dw_work *w);
void pool_kick_manager(void);
/* Pool lock held: wait until no instance of @w up to @gen is pending or running. */
void pool_flush_wait(struct pool *pool, struct dw_work *w, uint64_t gen);
/* Pool lock held: an instance of @w ended or was taken off; wake its flushers. */
void pool_flushers_wake(struct pool *pool, struct dw_work *w);
struct worker *current_worker(void);
int rescuer_start(struct dw_wq *wq);
void rescuer_stop(struct dw_wq *wq);

/* --- BH lanes (bh.c) --- */
struct dw_work *bh_current_work(void);
void bh_prepare_drain(void);
/* Wait a moment: run the caller's own lane if it has one, else yield. */
void bh_help(void);
void bh_fini(void);
/* "membarrier" or "seq-cst": the fences the BH fast path uses (telemetry). */
const char *bh_fences_name(void);

/* --- timers (timer.c) --- */
int timer_init(void);
void timer_fini(void);
void timer_arm(struct dw_delayed_work *dw, struct dw_wq *wq, int target, uint64_t delay_us);
/* Disarm if armed (PENDING stays held by the caller); true if it was armed. */
bool timer_disarm(struct dw_delayed_work *dw);
/* Fire now every armed timer of @wq; returns how many. */
unsigned int timer_fire_wq(struct dw_wq *wq);

/* --- telemetry (work_telemetry.c) --- */
void work_telemetry_register(void);

/* Symbol name of a work function, for logs ("?" if unknown). */
const char *work_func_name(dw_work_func_t fn, char *buf, size_t len);

#endif /* WORK_PRIVATE_H */
