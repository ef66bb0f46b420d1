/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_WORK_H
#define DW_WORK_H

/**
 * @file
 * Work items and workqueues, with the Linux kernel's semantics.
 *
 * A work item (struct dw_work) is embedded in the caller's structure and
 * queued on a workqueue. Pool workqueues run items on concurrency-managed
 * worker threads, one pool set per NUMA node, and the items may sleep.
 * BH workqueues (DW_WQ_BH) run items on the BH lane of an EAL lcore between
 * poll bursts, and the items must not sleep.
 *
 * Guarantees:
 * - Queueing is a test-and-set of the item's PENDING state: a queue call that
 *   returns false found the item pending, and that pending instance starts
 *   after the call.
 * - An item never runs concurrently with itself (non-reentrant).
 * - An ORDERED workqueue runs one item at a time in queueing order.
 * - dw_flush_work() waits for the last queued instance; dw_flush_wq() waits
 *   for every item queued before the call and not for items queued after.
 * - dw_cancel_work_sync() returns with the item neither pending nor running,
 *   even if it requeues itself.
 * - dw_wq_destroy() drains the queue first: queued work runs; a queueing that
 *   races with it is either drained or fails with ESHUTDOWN.
 * - A disabled item (dw_disable_work()) is never queued.
 *
 * Errors: calls returning int give 0 (or a documented count) on success and a
 * negative errno on failure; calls returning bool (test-and-set) return false
 * and set rte_errno for invalid input, leaving rte_errno at 0 when the item
 * was merely pending already. Every error is also logged on dw.work.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_bitops.h>
#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dw_work;
struct dw_wq;

/** Function run for a work item. Receives the item; use container_of(). */
typedef void (*dw_work_func_t)(struct dw_work *work);

/**
 * A work item. Treat every field as private; initialise with dw_work_init().
 * The structure must stay valid while the item is pending or running.
 */
struct dw_work {
	/* Written by dw_work_init() only. */
	uint32_t magic;
	dw_work_func_t func;
	/* Atomic state: PENDING and friends (see work_private.h). */
	uint32_t state;
	/* Protected by the lock of the queue the item is on (pool or lane). */
	struct dw_work *next;
	struct dw_work *prev;
	void *list;	     /**< List the item is linked on, NULL when none. */
	void *pwq;	     /**< Queue accounting it (pool or lane), while linked. */
	struct dw_wq *wq;    /**< Last workqueue the item was queued on. */
	void *last_pool;     /**< Pool (or lane) that ran or holds it last. */
	uint64_t queued_gen; /**< Incremented by every successful queueing. */
	uint64_t queued_at;  /**< dw_now_ns() of the last queueing (pool watchdog; not BH). */
	uint32_t color;	     /**< Flush color of the pending instance. */
	int32_t target;	     /**< Node or lcore requested by dw_queue_work_on(). */
};

/** A work item that is queued after a delay. */
struct dw_delayed_work {
	struct dw_work work;
	/* Protected by the timer's lock. */
	uint64_t expires;	/**< dw_now_ns() deadline while the timer is armed. */
	int32_t heap_idx;	/**< Position in the timer heap, -1 when not armed. */
	int32_t cpu;		/**< Target passed to dw_queue_delayed_work_on(). */
	struct dw_wq *timer_wq; /**< Workqueue to queue on at expiry. */
	void *timer;		/**< Timer structure holding it while armed. */
};

/** Let dw_queue_work() choose the node (or, for BH, the calling lcore). */
#define DW_WORK_ANY (-1)

/**
 * Initialise a work item before first use (also resets a used, idle item).
 *
 * @param work
 *   The item. Must not be pending or running.
 * @param func
 *   Function to run; must not be NULL (a NULL one makes later queueing fail with EINVAL).
 * Context: any thread; never sleeps. No other call may use @p work meanwhile.
 */
void dw_work_init(struct dw_work *work, dw_work_func_t func);

/**
 * Initialise a delayed work item; same rules as dw_work_init().
 * Context: any thread; never sleeps. No other call may use @p dwork meanwhile.
 */
void dw_delayed_work_init(struct dw_delayed_work *dwork, dw_work_func_t func);

/**
 * The delayed work containing @p work (for use in a work function).
 * Context: any thread; pure pointer arithmetic.
 */
static inline struct dw_delayed_work *
dw_to_delayed_work(struct dw_work *work)
{
	return container_of(work, struct dw_delayed_work, work);
}

/**
 * True while @p work is pending (queued, or its timer armed). Racy by nature.
 * Context: any thread; lock-free, never sleeps.
 */
bool dw_work_pending(const struct dw_work *work);

/**
 * True while @p work is pending or running. Racy by nature. False for NULL or
 * an uninitialised item.
 * Context: any thread; does not sleep except briefly on the lock of the pool
 * that ran the item last (lock-free for BH items).
 */
bool dw_work_busy(const struct dw_work *work);

/**
 * @name Workqueue flags
 * @{
 */
/** Run items on lcore BH lanes (must not sleep); see dw_bh.h. */
#define DW_WQ_BH RTE_BIT32(0)
/** Use the high-priority pools (workers run at a lower nice value). */
#define DW_WQ_HIGHPRI RTE_BIT32(1)
/** Items burn CPU: they do not count against the pool's concurrency. */
#define DW_WQ_CPU_INTENSIVE RTE_BIT32(2)
/** Use the unbound pools: no concurrency management, a worker per item up to max_active. */
#define DW_WQ_UNBOUND RTE_BIT32(3)
/** One item at a time, in queueing order (implies UNBOUND and max_active 1). */
#define DW_WQ_ORDERED RTE_BIT32(4)
/** Keep a rescuer thread: items make progress even when no worker can be created. */
#define DW_WQ_RESCUER RTE_BIT32(5)
/** @} */

/** Every flag dw_wq_create() accepts. */
#define DW_WQ_FLAGS_ALL                                                                            \
	(DW_WQ_BH | DW_WQ_HIGHPRI | DW_WQ_CPU_INTENSIVE | DW_WQ_UNBOUND | DW_WQ_ORDERED |          \
	 DW_WQ_RESCUER)

/** Workqueue configuration. */
struct dw_wq_conf {
	size_t size;	     /**< sizeof(struct dw_wq_conf); rules in dw_common.h. */
	uint32_t flags;	     /**< DW_WQ_* flags. */
	uint32_t max_active; /**< Items running at once per node; 0 = default (256). */
};

/**
 * Create a workqueue.
 *
 * @param name
 *   Unique name, shorter than 32 bytes (shown in stats and telemetry).
 * @param conf
 *   Configuration; NULL means no flags and default max_active.
 * @return
 *   The workqueue, or NULL with rte_errno set: EINVAL (NULL or long name,
 *   unknown flags, max_active over 512, conf size below 0.1.0's, BH with a
 *   flag other than HIGHPRI), E2BIG (conf bigger than this library's with a
 *   non-zero byte beyond it), EEXIST (name in use), ENOMEM, EAGAIN (the rescuer thread
 *   could not be created), ENOTSUP (DW_WQ_BH before the BH lanes are set
 *   up), ESHUTDOWN (the library is not initialised).
 * Context: any thread; may sleep.
 */
struct dw_wq *dw_wq_create(const char *name, const struct dw_wq_conf *conf);

/**
 * Drain and destroy a workqueue. Items queued on it (and items they queue on
 * it while draining) run before it goes. Queueing from elsewhere during the
 * drain fails. A destroyed queue is recognised later: calls on it fail with
 * ESHUTDOWN instead of touching freed memory.
 *
 * @return
 *   0; -EINVAL for NULL or something that is not a workqueue; -ESHUTDOWN if
 *   already destroyed; -EPERM for a system workqueue; -EDEADLK when called
 *   from an item of this queue.
 * Context: any thread except the queue's own items; sleeps.
 */
int dw_wq_destroy(struct dw_wq *wq);

/**
 * Name of @p wq (also of a destroyed one), or NULL for NULL or something that
 * is not a workqueue.
 * Context: any thread; lock-free, never sleeps.
 */
const char *dw_wq_name(const struct dw_wq *wq);

/**
 * Look a workqueue up by name.
 * @return The workqueue; NULL and rte_errno = ENOENT if none (or @p name is NULL).
 * Context: any thread; does not sleep except briefly on the library lock. The
 *   caller keeps the queue from being destroyed while it uses it.
 */
struct dw_wq *dw_wq_lookup(const char *name);

/**
 * @name System workqueues (valid between dw_work_lib_init() and _fini())
 * @{
 */
extern struct dw_wq *dw_system_wq;	   /**< Bound, concurrency-managed. */
extern struct dw_wq *dw_system_highpri_wq; /**< Bound, high priority. */
extern struct dw_wq *dw_system_unbound_wq; /**< Unbound: long-running items. */
extern struct dw_wq *dw_system_bh_wq;	   /**< BH lanes; NULL until the lanes exist. */
/** @} */

/**
 * Queue @p work on @p wq.
 *
 * Pool queues use the pool of the caller's NUMA node, or the node where the
 * item is still running (so it stays non-reentrant). BH queues use the
 * calling lcore's lane (from a non-EAL thread: the main lcore's lane).
 *
 * @return
 *   true if queued; false if it was already pending (rte_errno = 0), or on
 *   error with rte_errno set: EINVAL (NULL or uninitialised item or queue),
 *   EBUSY (pending or running on another workqueue), ESHUTDOWN (queue
 *   destroyed or draining), ECANCELED (a cancel_sync is in progress, or the
 *   item is disabled: dw_disable_work()).
 * Context: any thread, including work functions and lcores; does not sleep
 *   except briefly on the pool lock (pool queues; BH queues push lock-free).
 *   An item still running on another node's pool takes that pool's lock.
 */
bool dw_queue_work(struct dw_wq *wq, struct dw_work *work);

/**
 * Queue @p work on @p wq for node (pool queues) or lcore (BH queues) @p target.
 * DW_WORK_ANY behaves as dw_queue_work(). Errors as dw_queue_work(), plus
 * EINVAL for a target out of range (no such node, or no BH lane on that lcore).
 * Context: as dw_queue_work().
 */
bool dw_queue_work_on(int target, struct dw_wq *wq, struct dw_work *work);

/**
 * Queue @p dwork on @p wq after @p delay_us microseconds (0: now).
 * @return As dw_queue_work().
 * Context: any thread, including work functions and lcores. With a delay it
 *   takes the timer lock (for BH queues the target lane's timer lock) instead
 *   of the pool lock; the rare growth of the timer heap allocates and, while
 *   memory is short, retries every millisecond rather than fail (sleeps).
 */
bool dw_queue_delayed_work(struct dw_wq *wq, struct dw_delayed_work *dwork, uint64_t delay_us);

/**
 * dw_queue_delayed_work() for a node or lcore; errors as dw_queue_work_on().
 * Context: as dw_queue_delayed_work().
 */
bool dw_queue_delayed_work_on(int target, struct dw_wq *wq, struct dw_delayed_work *dwork,
			      uint64_t delay_us);

/**
 * Queue @p dwork after @p delay_us, or move its timer if it is pending.
 * @return
 *   1 if it was pending (its timer moved, or it was taken back from the queue
 *   and re-armed), 0 if it was idle and is now queued; -EINVAL (NULL or
 *   uninitialised item or queue), -ESHUTDOWN (queue destroyed or draining),
 *   -EBUSY (pending or running on another workqueue), -ECANCELED (a
 *   cancel_sync is in progress).
 * Context: any thread, including work functions and lcores; does not sleep,
 *   but takes the pool and timer locks briefly and spins with sched_yield()
 *   while the item is between states (being queued, or its timer firing;
 *   for BH items while the lane is taking it), so it may wait as long as that
 *   transition takes.
 */
int dw_mod_delayed_work(struct dw_wq *wq, struct dw_delayed_work *dwork, uint64_t delay_us);

/**
 * Wait until the last queued instance of @p work has finished.
 * @return
 *   1 if it waited, 0 if the item was idle, -EINVAL (bad item), -EDEADLK
 *   (called from the item itself, or from an ORDERED queue's item for an
 *   item of the same queue).
 * Context: any thread but the item itself; may sleep (annotated as blocking
 *   for the pools). For a BH item it spins instead (see dw_bh.h).
 */
int dw_flush_work(struct dw_work *work);

/**
 * Fire a pending timer now, then dw_flush_work(). Same returns; 1 also when
 * the item ran from a timer fired here before the flush looked.
 * Context: as dw_flush_work().
 */
int dw_flush_delayed_work(struct dw_delayed_work *dwork);

/**
 * Wait until every item queued on @p wq before the call has finished.
 * Items queued after the call do not hold it up.
 * @return 0, -EINVAL, -ESHUTDOWN, -EDEADLK (called from an item of @p wq).
 * Context: any thread but @p wq's own items; may sleep (annotated as blocking
 *   for the pools; a BH queue is waited for by spinning).
 */
int dw_flush_wq(struct dw_wq *wq);

/**
 * Flush @p wq repeatedly until it is empty, even of items that queue
 * themselves again; queueing from outside the queue's own items fails with
 * ESHUTDOWN meanwhile. Returns as dw_flush_wq().
 * Context: as dw_flush_wq().
 */
int dw_drain_wq(struct dw_wq *wq);

/**
 * Take @p work off its queue if pending. Does not wait for a running instance.
 * @return true if it was pending (it is then counted cancelled); false if not,
 *   or on error with rte_errno = EINVAL.
 * Context: any thread, including work functions and lcores; does not sleep,
 *   but takes the pool (or timer) lock briefly and spins with sched_yield()
 *   while the item is between states (being queued, or its timer firing).
 */
bool dw_cancel_work(struct dw_work *work);

/**
 * Cancel @p work and wait for a running instance to finish. Queueing the item
 * fails with ECANCELED meanwhile, so self-requeueing items stop.
 * @return 1 if it was pending, 0 if not, -EINVAL, -EDEADLK (from the item itself).
 * Context: may sleep (spins for a BH item, see dw_bh.h).
 */
int dw_cancel_work_sync(struct dw_work *work);

/**
 * dw_cancel_work() for delayed work: also disarms the timer.
 * Context: as dw_cancel_work().
 */
bool dw_cancel_delayed_work(struct dw_delayed_work *dwork);

/**
 * dw_cancel_work_sync() for delayed work: also disarms the timer.
 * Context: as dw_cancel_work_sync().
 */
int dw_cancel_delayed_work_sync(struct dw_delayed_work *dwork);

/**
 * @name Disabling work items
 * The kernel's disable_work()/enable_work(): a disable count per item that
 * nests. While it is above 0, queueing the item (dw_queue_work*(),
 * dw_queue_delayed_work*(), dw_mod_delayed_work()) fails: false with
 * rte_errno = ECANCELED (-ECANCELED from dw_mod_delayed_work()), not logged
 * and not counted anywhere, since the caller disabled it. Works for pool and
 * BH workqueues alike; dw_work_init() resets the count to 0.
 * @{
 */

/**
 * Add one to the disable count of @p work and cancel a pending instance, as
 * dw_cancel_work() does. Does not wait for a running instance.
 * @return true if an instance was pending (it is counted cancelled); false
 *   if not (rte_errno = 0), or on error with rte_errno set: EINVAL (bad
 *   item), ERANGE (disabled 65535 times already; the count is unchanged).
 * Context: any thread, including work functions and BH items; does not sleep.
 */
bool dw_disable_work(struct dw_work *work);

/**
 * dw_disable_work(), then wait for a running instance to finish, as
 * dw_cancel_work_sync() does. On return the item is neither pending nor
 * running and stays idle until enabled.
 * @return 1 if an instance was pending, 0 if not; -EINVAL, -ERANGE (count
 *   full), or dw_cancel_work_sync()'s -EDEADLK cases (from the item itself;
 *   BH cases in dw_bh.h). On error the count is left as it was.
 * Context: may sleep (spins for a BH item); not from the item itself.
 */
int dw_disable_work_sync(struct dw_work *work);

/**
 * Take one off the disable count of @p work.
 * @return true if the count is now 0 (the item may be queued again); false
 *   if it is still disabled (rte_errno = 0), or with rte_errno = EINVAL for a
 *   bad item or an item that was not disabled (logged; nothing changes).
 * Context: any thread, including work functions and BH items; does not sleep.
 */
bool dw_enable_work(struct dw_work *work);

/**
 * dw_disable_work() for delayed work: also disarms the timer. Same returns.
 * Context: as dw_disable_work().
 */
bool dw_disable_delayed_work(struct dw_delayed_work *dwork);

/**
 * dw_disable_work_sync() for delayed work: also disarms the timer. Same returns.
 * Context: as dw_disable_work_sync().
 */
int dw_disable_delayed_work_sync(struct dw_delayed_work *dwork);

/**
 * dw_enable_work() for delayed work. Same returns.
 * Context: as dw_enable_work().
 */
bool dw_enable_delayed_work(struct dw_delayed_work *dwork);
/** @} */

/**
 * @name Blocking annotations
 * Tell the pool that the calling worker is about to block (sleep, wait on a
 * lock, read a socket): it stops counting against the pool's concurrency and
 * another worker is woken if work is pending. Nestable; cheap no-ops outside
 * pool workers. dwork's own waits (flush, cancel_sync) use them.
 * Context: any thread; in a pool worker each takes the pool lock briefly,
 * elsewhere lock-free. Pair them on the same thread; never in a BH item.
 * @{
 */
void dw_blocking_begin(void);
void dw_blocking_end(void);
/** @} */

/**
 * The work item the calling thread is running (pool worker, rescuer or BH
 * lane), or NULL.
 * Context: any thread; lock-free (thread-local), never sleeps.
 */
struct dw_work *dw_current_work(void);

/** Library configuration for dw_work_lib_init(); zero fields take dw_config.h defaults. */
struct dw_work_lib_conf {
	size_t size;		  /**< sizeof(struct dw_work_lib_conf); rules in dw_common.h. */
	const void *reserved;	  /**< NULL (0.1.0's fake_topology: now DW_FAKE_TOPO, for tests). */
	uint32_t concurrency;	  /**< Override running workers per pool (0 = CPUs of the node). */
	uint32_t max_threads;	  /**< Cap on worker threads over all pools. */
	uint32_t idle_timeout_ms; /**< Reap idle surplus workers after this. */
	uint32_t cpu_intensive_thresh_us; /**< CPU-hog detection threshold. */
	uint32_t monitor_interval_us;	  /**< Safety-net monitor period. */
	uint32_t watchdog_thresh_ms;	  /**< Watchdog threshold. */
	uint32_t flags;			  /**< DW_WORK_LIB_F_* */
};

/** Disable the safety-net monitor (/proc state and CPU clock: blocking and CPU-hog detection). */
#define DW_WORK_LIB_F_NO_MONITOR RTE_BIT32(0)
/** Disable CPU-hog detection only. */
#define DW_WORK_LIB_F_NO_HOG_DETECT RTE_BIT32(1)
/**
 * Do not detect blocking from per-worker perf_event_open() context-switch
 * records (used when the kernel allows them; the monitor remains).
 */
#define DW_WORK_LIB_F_NO_PERF RTE_BIT32(2)
#define DW_WORK_LIB_F_ALL                                                                          \
	(DW_WORK_LIB_F_NO_MONITOR | DW_WORK_LIB_F_NO_HOG_DETECT | DW_WORK_LIB_F_NO_PERF)

/**
 * Start the work library: topology, pools, manager and timer threads, system
 * workqueues, telemetry commands. Does not need rte_eal_init(); when EAL is
 * up (start it first), no dwork thread runs on a worker lcore's CPU (see
 * doc/guides/workqueue.md, "Thread placement").
 * @return 0; -EALREADY; -EINVAL (bad conf); -E2BIG (conf bigger than this
 *   library's with a non-zero byte beyond it); -ENOMEM; -EAGAIN (threads).
 * Context: one thread, not concurrently with any other dwork call; sleeps
 *   (creates threads).
 */
int dw_work_lib_init(const struct dw_work_lib_conf *conf);

/**
 * Drain and destroy every workqueue, stop all threads, free everything.
 * @return 0, -ESHUTDOWN if not initialised, -EDEADLK from a work item.
 * Context: a thread that is not a dwork worker, after every user of the
 *   library has stopped queueing; sleeps (drains queues, joins threads).
 */
int dw_work_lib_fini(void);

/** Counters of one workqueue (summed over its pools). */
struct dw_wq_stats {
	uint64_t queued, started, completed, cancelled;
	uint64_t cpu_ns;  /**< CPU time its items used. */
	uint64_t rescued; /**< Items run by its rescuer. */
	uint64_t maydays; /**< Times a pool called its rescuer. */
	uint32_t pending; /**< Pending now (queued, not started). */
	uint32_t running; /**< Running now. */
};

/**
 * Read the counters of @p wq (relaxed reads: not one snapshot).
 * @return 0; -EINVAL (NULL or not a workqueue); -ESHUTDOWN (destroyed).
 * @p size: sizeof the caller's struct as its header had it (dw_wq_stats_get() passes
 *   it): a smaller, older struct gets the fields it has, a bigger, newer one
 *   zeros beyond this library's; below 0.1.0's size (or NULL): -EINVAL.
 * Context: any thread; lock-free, never sleeps.
 */
int dw_wq_stats_get_sized(const struct dw_wq *wq, struct dw_wq_stats *st, size_t size);

/**
 * dw_wq_stats_get_sized() with this header's struct size: the call to use.
 * Context: as dw_wq_stats_get_sized().
 */
static inline int
dw_wq_stats_get(const struct dw_wq *wq, struct dw_wq_stats *st)
{
	return dw_wq_stats_get_sized(wq, st, sizeof(*st));
}

/** Counters and state of one worker pool. */
struct dw_pool_stats {
	int node;
	bool highpri, unbound;
	uint32_t concurrency; /**< Target running workers. */
	uint32_t nr_workers, nr_idle, nr_running, nr_pending;
	uint32_t peak_workers;
	uint64_t started, completed;
	uint64_t workers_created, workers_reaped, create_failures;
	uint64_t cm_wakeups;	   /**< Idle workers woken because a worker blocked. */
	uint64_t blocked_detected; /**< Unannotated blocking caught by the monitor. */
	uint64_t blocked_perf;	   /**< Unannotated blocking seen in context-switch records. */
	uint64_t hogs_detected;	   /**< Items marked CPU intensive at run time. */
	uint64_t maydays, rescued;
	uint64_t watchdog_hits;
	bool perf_events; /**< Context-switch records are in use (else the monitor only). */
	/** Idle workers pinned, for their wake-up, to the CPU a blocking worker frees. */
	uint64_t wake_pinned;
};

/**
 * Number of pools (3 per node: normal, highpri, unbound); 0 while the library is down.
 * Context: any thread; lock-free.
 */
unsigned int dw_pool_count(void);

/**
 * Read pool @p id (0 .. dw_pool_count()-1).
 * @return 0; -EINVAL (id out of range, NULL @p st); -ESHUTDOWN (library down).
 * @p size: sizeof the caller's struct as its header had it (dw_pool_stats_get() passes
 *   it): a smaller, older struct gets the fields it has, a bigger, newer one
 *   zeros beyond this library's; below 0.1.0's size (or NULL): -EINVAL.
 * Context: any thread; does not sleep except briefly on the pool lock.
 */
int dw_pool_stats_get_sized(unsigned int id, struct dw_pool_stats *st, size_t size);

/**
 * dw_pool_stats_get_sized() with this header's struct size: the call to use.
 * Context: as dw_pool_stats_get_sized().
 */
static inline int
dw_pool_stats_get(unsigned int id, struct dw_pool_stats *st)
{
	return dw_pool_stats_get_sized(id, st, sizeof(*st));
}

#ifdef __cplusplus
}
#endif

#endif /* DW_WORK_H */
