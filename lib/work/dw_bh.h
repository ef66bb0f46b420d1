/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_BH_H
#define DW_BH_H

/**
 * @file
 * BH lanes: short, non-sleeping work run on EAL lcores between poll bursts.
 *
 * Every EAL lcore has a lane. Work queued on a DW_WQ_BH workqueue goes to a
 * lane (the calling lcore's, or the one named with dw_queue_work_on()) and
 * runs on that lcore when its run loop calls dw_bh_lane_run(), under a budget
 * of items and time. Producers on any thread push without locks; FIFO order
 * holds per producer. A producer whose lane owner is parked rings it through
 * the kick hook the run loop installs (dw_bh_set_kick()).
 *
 * Semantics are the pool queues' (dw_work.h), with these differences:
 * - items must not sleep; dw_blocking_begin() in a BH item is a bug;
 * - dw_cancel_work_sync() and dw_flush_work() (and the delayed variants)
 *   spin (yielding) until the lane has dropped or run the item; an lcore
 *   that waits outside a BH item runs its own lane meanwhile, so waiting for
 *   an item queued on its own lane makes progress;
 * - from inside a BH item they return -EDEADLK when the wait could never
 *   end: the item waits for itself; dw_flush_work() of an item pending on
 *   the caller's own lane (it can only run after the caller returns); the
 *   lane holding or running the item waits, directly or through other
 *   lanes, for the caller's lane (of lanes whose items wait on each other,
 *   at least one gets -EDEADLK). dw_flush_wq(), dw_drain_wq() and
 *   dw_wq_destroy() of a BH workqueue from a BH item always return -EDEADLK.
 *   dw_cancel_work_sync() of an item pending on the caller's own lane does
 *   not fail: the caller takes it off its lane and returns 1. After -EDEADLK
 *   from dw_cancel_work_sync() the item will not run again, but it may
 *   still sit on or run on its lane: do not free it yet;
 * - dw_cancel_work() of a queued BH item marks it cancelled where it sits;
 *   the lane drops it when it gets there. Queueing it again before that
 *   revives it in place (it is then counted queued again).
 * Delayed BH work is kept in a per-lane timer heap serviced by
 * dw_bh_lane_run() itself: it fires only while the lcore runs its loop, and
 * the loop should not sleep past dw_bh_lane_next_timer().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include "dw_work.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Create a lane for every EAL lcore and dw_system_bh_wq ("events_bh").
 * @return 0; -EALREADY; -ESHUTDOWN (dw_work_lib_init() not called, or EAL
 *   not initialised); -ENOMEM.
 * Context: main thread, after rte_eal_init() and dw_work_lib_init().
 * dw_work_lib_fini() tears the lanes down after draining BH queues.
 */
int dw_bh_init(void);

/**
 * Run the calling lcore's lane: expired BH timers first, then queued items
 * in FIFO order, until what was queued when the call began has run (items
 * queued meanwhile, by its own items too, wait for the next call), @p
 * max_items ran, or @p max_ns nanoseconds passed (checked between items; 0
 * means no time limit).
 * @return number of items run (dropped cancelled items not counted).
 * Context: the lane's own lcore only (returns 0 elsewhere); never sleeps.
 */
unsigned int dw_bh_lane_run(unsigned int max_items, uint64_t max_ns);

/**
 * True if lane @p lcore has items queued (cancelled ones included) or an
 * expired timer. A relaxed check meant for the run loop's re-check before it
 * parks; pair it with the kick hook for producers that come after.
 * @return false also for an lcore without a lane.
 * Context: any thread (exact on the lane's own lcore); lock-free, never sleeps.
 */
bool dw_bh_lane_pending(unsigned int lcore);

/**
 * Deadline (dw_now_ns() clock) of lane @p lcore's next BH timer.
 * @return The deadline; UINT64_MAX if none is armed or there is no such lane.
 * Context: any thread; lock-free, never sleeps.
 */
uint64_t dw_bh_lane_next_timer(unsigned int lcore);

/**
 * Hook called by producers after they queue on lane @p lcore: the run loop
 * uses it to ring the lcore's doorbell when it is parked. Called from any
 * thread, without locks held; must be cheap when the lcore is busy. Only a
 * producer that finds no item waiting on the lane calls it (the others' items
 * are taken with that one), and every timer armed on the lane calls it.
 */
typedef void (*dw_bh_kick_t)(unsigned int lcore, void *arg);

/**
 * Install (or clear with NULL) the kick hook of lane @p lcore.
 * @return 0; -EINVAL (no lane on @p lcore).
 * Context: any thread, normally the run loop before it starts; lock-free. The
 *   hook may still be called once by a producer that loaded the old one.
 */
int dw_bh_set_kick(unsigned int lcore, dw_bh_kick_t kick, void *arg);

/**
 * Take lane @p lcore offline for good and hand its queued items and armed
 * timers to lane @p trustee (the kernel's trustee on CPU hot-unplug). Later
 * queueing on @p lcore goes to @p trustee too. Nothing queued is lost.
 * @return number of items and timers moved; -EINVAL (bad lcore, same lcore,
 *   trustee offline); -EBUSY (called on @p lcore itself while it runs items).
 * Context: any thread; the owner must have left its run loop.
 */
int dw_bh_lane_offline(unsigned int lcore, unsigned int trustee);

/** Counters of one lane (single writer: its lcore, except queued). */
struct dw_bh_lane_stats {
	uint64_t queued;	   /**< Items queued on this lane (counted when taken). */
	uint64_t ran;		   /**< Items run. */
	uint64_t dropped;	   /**< Cancelled items dropped. */
	uint64_t timers;	   /**< BH timers fired. */
	uint64_t runs;		   /**< dw_bh_lane_run() calls that ran something. */
	uint64_t budget_exhausted; /**< Runs that stopped with work left. */
	uint64_t kicks;		   /**< Kick hook calls made by producers. */
	bool online;
};

/**
 * Read lane @p lcore's counters (relaxed reads: not one snapshot).
 * @return 0; -EINVAL (no lane on @p lcore, NULL @p st); -ESHUTDOWN (no lanes).
 * @p size: sizeof the caller's struct as its header had it (dw_bh_lane_stats_get() passes
 *   it): a smaller, older struct gets the fields it has, a bigger, newer one
 *   zeros beyond this library's; below 0.1.0's size (or NULL): -EINVAL.
 * Context: any thread; lock-free, never sleeps.
 */
int dw_bh_lane_stats_get_sized(unsigned int lcore, struct dw_bh_lane_stats *st, size_t size);

/**
 * dw_bh_lane_stats_get_sized() with this header's struct size: the call to use.
 * Context: as dw_bh_lane_stats_get_sized().
 */
static inline int
dw_bh_lane_stats_get(unsigned int lcore, struct dw_bh_lane_stats *st)
{
	return dw_bh_lane_stats_get_sized(lcore, st, sizeof(*st));
}

#ifdef __cplusplus
}
#endif

#endif /* DW_BH_H */
