/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BH_PRIVATE_H
#define BH_PRIVATE_H

/*
 * BH lane internals shared by bh.c (lanes, queueing, running, offline, set-up)
 * and bh_wait.c (flush, cancel and mod of BH items, and the waits they do).
 * Never installed.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "dw_bh.h"
#include "dw_heap.h"
#include "work_private.h"

struct lane {
	/* Producers (any thread): atomic. */
	struct dw_work *inbound;
	uint64_t queued; /* counted when taken off inbound, a batch at a time */
	uint64_t kicks;
	dw_bh_kick_t kick; /* set by the run loop, read by producers (atomic) */
	void *kick_arg;
	unsigned int redirect; /* lane that takes our work once offline (atomic) */
	bool online;	       /* atomic */

	/* Owner lcore only, except where said. */
	struct work_list local __rte_cache_aligned;
	struct dw_work *run_end; /* last item of the running dw_bh_lane_run(); NULL once run */
	uint64_t queued_own;	 /* items the owner appended to local itself (lane_append_own()) */
	bool has_local;		 /* atomic copy of local.head != NULL, for other threads */
	bool owner_busy; /* atomic: in lane_append_own(); dw_bh_lane_offline() waits it out */
	/* Atomic: read by waiters, and by producers checking where an item still runs. */
	struct dw_work *current;
	uint64_t current_gen;
	struct lane *waiting_for; /* atomic: lane an item of ours waits on (bh_wait_deadlocks()) */
	uint64_t ran, dropped, timers, runs, budget_exhausted;

	/* Delayed BH work: a small heap under a mutex (not the fast path). */
	pthread_mutex_t tlock __rte_cache_aligned; /* a mutex: TSan cannot see rte_spinlock asm */
	struct dw_heap heap;			   /* of struct dw_delayed_work by expires */
	uint64_t next_timer; /* atomic copy of the heap's earliest expiry, UINT64_MAX if none */
	unsigned int lcore;
} __rte_cache_aligned;

extern struct lane *bh_lanes[RTE_MAX_LCORE];

/*
 * Thread-local: the lane whose item the calling thread is running.
 * Initial-exec: a load off the thread pointer instead of a __tls_get_addr()
 * call, twice per item run (libdwork is linked, not dlopen()ed, and one
 * pointer fits the static TLS reserve even then).
 */
extern __thread struct lane *bh_running_lane __attribute__((tls_model("initial-exec")));

/*
 * A BH queue's fast-path counters on one lcore (dw_wq.bh points at
 * RTE_MAX_LCORE of them, one line each). Each is written by that lcore only,
 * with a relaxed load and a release store, never a read-modify-write on a
 * line that other lcores write; readers sum them. Threads without an lcore id
 * and the rare paths (cancel, revive) use the atomics of struct dw_wq.
 *
 * in[c] - out[c], summed with dw_wq.in_flight[c], is the number of instances
 * of flush color c in flight (queued and not finished): what dw_flush_wq()
 * and dw_drain_wq() wait for. in[] goes up before a producer checks the
 * color and whether the queue refuses it (bh_color_in()), so it also counts
 * the producer in while it queues: drain and destroy wait for it there.
 */
struct bh_ctr {
	uint64_t queued;    /* counted queueings (dw_wq_stats.queued) */
	uint64_t linked;    /* instances put on a lane (pending up) */
	uint64_t started;   /* instances this lcore's lane started (pending down) */
	uint64_t completed; /* instances this lcore's lane finished */
	uint64_t in[2];	    /* instances counted in flight by this lcore, per flush color */
	uint64_t out[2];    /* instances this lcore finished, cancelled or counted out again */
} __rte_cache_aligned;

/* Lcore @id's counters of @wq; NULL for a thread without an lcore id. */
static inline struct bh_ctr *
ctr_of(const struct dw_wq *wq, unsigned int id)
{
	return id < RTE_MAX_LCORE ? &((struct bh_ctr *)wq->bh)[id] : NULL;
}

static inline struct lane *
lane_of(unsigned int lcore)
{
	struct lane *l;
	unsigned int hops = 0;

	if (lcore >= RTE_MAX_LCORE || (l = bh_lanes[lcore]) == NULL)
		return NULL;
	/* Follow offline lanes to their trustee (chains are short). */
	while (!__atomic_load_n(&l->online, __ATOMIC_ACQUIRE) && hops++ < RTE_MAX_LCORE)
		l = bh_lanes[__atomic_load_n(&l->redirect, __ATOMIC_ACQUIRE)];
	return l;
}

static inline struct lane *
lane_self(void)
{
	unsigned int id = rte_lcore_id();

	return id < RTE_MAX_LCORE ? bh_lanes[id] : NULL;
}

static inline uint32_t
st_color(uint32_t st)
{
	return (st & WORK_BH_COLOR) ? 1 : 0;
}

/* --- bh.c --- */
/* Owner (or offline): move the inbound stack, oldest first, to the local list. */
void bh_lane_take(struct lane *l);
/* The rare half of the fences' Dekker pairs (see bh.c). */
void bh_fence_slow(void);
/* @n instances of @color ended or were counted out again; @ctr: the caller's, or NULL. */
void bh_color_out(struct dw_wq *wq, struct bh_ctr *ctr, uint32_t color, uint64_t n);
/* Instances of @color in flight (sum of the counts; call bh_fence_slow() first). */
int64_t bh_in_flight(const struct dw_wq *wq, uint32_t color);
/* work_bh_ops.queue, .arm, .revive. */
bool bh_queue(struct dw_wq *wq, struct dw_work *w, int target, bool count);
void bh_arm(struct dw_wq *wq, struct dw_delayed_work *dw, int target, uint64_t delay_us);
bool bh_revive(struct dw_work *w, bool count);
/* Take @dw off whatever lane timer holds it; true if it was armed. */
bool bh_disarm(struct dw_delayed_work *dw);

/* --- bh_wait.c: work_bh_ops entries --- */
int bh_flush(struct dw_work *w);
int bh_flush_delayed(struct dw_delayed_work *dw);
int bh_cancel(struct dw_work *w, bool sync);
int bh_mod(struct dw_wq *wq, struct dw_delayed_work *dw, uint64_t delay_us);
bool bh_running(struct dw_work *w, uint64_t *gen);
void bh_wait_color(struct dw_wq *wq, uint32_t color);
uint64_t bh_wq_in_flight(struct dw_wq *wq);

#endif /* BH_PRIVATE_H */
