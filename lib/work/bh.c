/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BH lanes: per-lcore queues of short non-sleeping work (dw_bh.h).
 *
 * A lane has two halves. Producers on other threads push on `inbound`, a
 * lock-free stack (compare-and-swap on its head through dw_work.next). The
 * owner lcore takes the whole stack at once (exchange with NULL), reverses it
 * so every producer's items keep their order, and appends it to `local`, a
 * list only the owner touches, which it runs under a budget. The owner
 * queueing on its own lane appends to `local` directly, with plain stores.
 *
 * An item cannot be taken out of the lock-free stack, so cancelling a queued
 * BH item marks it DEAD where it sits (a tombstone); the owner drops it when
 * it reaches it. PENDING stays set until then, so the item is never linked
 * twice; queueing a DEAD item clears DEAD again (revives it). Waiters
 * (cancel_sync, flush) spin until the owner has dropped or run the item,
 * running their own lane meanwhile if they are lcores, so waiting on one's
 * own lane cannot deadlock; they live in bh_wait.c (shared internals:
 * bh_private.h).
 *
 * Queueing from an lcore takes no lock and touches no line another lcore
 * writes, except the item and (towards another lcore) the lane's stack: its
 * flush-color count, which is also what drain and destroy wait for, is a
 * single-writer counter of the lcore, ordered against the rare readers by an
 * asymmetric Dekker pair (bh_fence_fast() / bh_fence_slow()).
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <stddef.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_atomic.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pause.h>

#include "common_private.h"
#include "bh_private.h"
#include "dw_bh.h"
#include "dw_common.h"
#include "dw_debug.h"
#include "dw_heap.h"
#include "dw_trace.h"

struct lane *bh_lanes[RTE_MAX_LCORE];
static bool bh_up;

static void
ctr_add(uint64_t *c, uint64_t n)
{
	/* Single writer: release so that a reader that sees the sum sees what came before. */
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELEASE);
}

/*
 * --- fences ---
 *
 * Three Dekker pairs have a frequent side (every queueing) and a rare one:
 *   producer: in[c] += 1, then reads work_color, draining, magic
 *     vs dw_flush_wq(): flips work_color, then sums in[] (bh_wait_color()),
 *     vs dw_drain_wq()/dw_wq_destroy(): set draining, then sum in[] (bh_wq_in_flight());
 *   owner: owner_busy = 1, then reads online (lane_append_own())
 *     vs dw_bh_lane_offline() from another thread: clears online, then reads owner_busy.
 * Each side needs a full barrier between its store and its load. With
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) the rare side makes every
 * running thread of the process execute one (a thread that is not running
 * passed one when it was switched out), so the frequent side needs only a
 * compiler barrier: a producer whose load came before that barrier had its
 * store visible by the time membarrier() returns, a producer whose load comes
 * after it sees the rare side's store. Without it (the syscall refused, or
 * DW_BH_NO_MEMBARRIER set) both sides take a seq-cst fence, and the owner
 * pushes on its own stack instead of appending to `local`.
 */
static bool bh_asym; /* set by dw_bh_init() before any lane exists; ro after */

static inline void
bh_fence_fast(void)
{
	if (likely(bh_asym))
		rte_compiler_barrier();
	else
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void
bh_fence_slow(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* Registered by dw_bh_init(): the call cannot fail then. */
	if (bh_asym && syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
		rte_panic("membarrier(PRIVATE_EXPEDITED) failed after registration: %s\n",
			  strerror(errno));
}

static void
bh_fences_init(void)
{
	const char *off = getenv("DW_BH_NO_MEMBARRIER");
	long cmds;

	bh_asym = false;
	if (off != NULL && off[0] != '\0' && strcmp(off, "0") != 0) {
		WORK_LOG(DEBUG, "BH lanes: seq-cst fences (DW_BH_NO_MEMBARRIER set)");
		return;
	}
	cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) ||
	    syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) != 0) {
		WORK_LOG(INFO, "BH lanes: membarrier() unavailable (%s): seq-cst fences",
			 cmds < 0 ? strerror(errno) : "no PRIVATE_EXPEDITED");
		return;
	}
	bh_asym = true;
	WORK_LOG(DEBUG, "BH lanes: asymmetric fences (membarrier)");
}

const char *
bh_fences_name(void)
{
	return bh_asym ? "membarrier" : "seq-cst";
}

/* See bh_private.h. */
__thread struct lane *bh_running_lane __attribute__((tls_model("initial-exec")));

static void
lane_kick(struct lane *l)
{
	dw_bh_kick_t kick = __atomic_load_n(&l->kick, __ATOMIC_ACQUIRE);

	if (kick != NULL && lane_self() != l) {
		__atomic_fetch_add(&l->kicks, 1, __ATOMIC_RELAXED);
		kick(l->lcore, __atomic_load_n(&l->kick_arg, __ATOMIC_RELAXED));
	}
}

static unsigned int lane_forward(struct lane *l);

/*
 * Push on lane @l. The compare-and-swap is seq-cst for two Dekker pairs:
 * - dw_bh_lane_offline() clears `online` and then empties the stack; we
 *   push and then read `online` (seq-cst). One of us sees the other: an item
 *   pushed on a lane going offline is moved on by offline or by us.
 * - the run loop stores its parked flag and then re-checks the stack
 *   (dw_bh_lane_pending()); the kick hook reads the flag after our push.
 * Its release half also lets the owner's exchange in lane_grab() see the
 * item's fields.
 *
 * Only the producer that finds the stack empty kicks: whoever takes the
 * stack takes our item along with the one under it, and that one's
 * producer kicks after its own push (or the owner pushed it and re-checks
 * the stack before it parks). That spares the hook's fence per item while
 * the owner is busy.
 */
static void
lane_push(struct lane *l, struct dw_work *w)
{
	struct dw_work *head = __atomic_load_n(&l->inbound, __ATOMIC_RELAXED);

	do {
		w->next = head;
	} while (!__atomic_compare_exchange_n(&l->inbound, &head, w, true, __ATOMIC_SEQ_CST,
					      __ATOMIC_RELAXED));
	if (!__atomic_load_n(&l->online, __ATOMIC_SEQ_CST)) {
		lane_forward(l);
		return;
	}
	if (head == NULL)
		lane_kick(l);
}

/*
 * Hand an item taken off a lane to lane @t. Waiters (bh_busy(), bh_running())
 * watch the lane in last_pool, so it moves before the push publishes the item.
 */
static void
lane_hand_over(struct lane *t, struct dw_work *w)
{
	WORK_STORE(&w->last_pool, (void *)t);
	lane_push(t, w);
}

/* Detach lane @l's whole inbound stack (newest first). */
static struct dw_work *
lane_detach(struct lane *l)
{
	/* Seq-cst: pairs with lane_push() (see there). */
	return __atomic_exchange_n(&l->inbound, NULL, __ATOMIC_SEQ_CST);
}

/* @n items were taken off lane @l's stack. */
static void
lane_count_taken(struct lane *l, uint64_t n)
{
	/* The owner, offline or a forwarding producer may take: one add per batch. */
	if (n != 0)
		__atomic_fetch_add(&l->queued, n, __ATOMIC_RELAXED);
}

/* Take lane @l's whole inbound stack; returns it oldest first, linked through next. */
static struct dw_work *
lane_grab(struct lane *l)
{
	struct dw_work *w = lane_detach(l), *rev = NULL, *next;
	uint64_t n = 0;

	for (; w != NULL; w = next, n++) {
		next = w->next;
		w->next = rev;
		rev = w;
	}
	lane_count_taken(l, n);
	return rev;
}

/*
 * Owner (or offline): move the inbound stack, oldest first, to the tail of
 * the local list. One pass over the stack, newest first: each item is
 * linked in front of the one pushed after it (the run's drain is a chain of
 * cache misses here, so no second pass).
 */
void
bh_lane_take(struct lane *l)
{
	struct dw_work *w = lane_detach(l), *newest = w, *newer = NULL, *next;
	uint64_t n = 0;

	if (w == NULL)
		return;
	for (; w != NULL; newer = w, w = next, n++) {
		next = w->next;
		w->next = newer;
		if (newer != NULL)
			newer->prev = w;
		/* As work_list_append() does: the list pointer is what bh_drop_own() checks. */
		__atomic_store_n(&w->list, &l->local, __ATOMIC_RELEASE);
	}
	/* @newer is the oldest item now: splice oldest..newest after the tail. */
	newer->prev = l->local.tail;
	if (l->local.tail != NULL)
		l->local.tail->next = newer;
	else
		l->local.head = newer;
	l->local.tail = newest;
	lane_count_taken(l, n);
}

/*
 * The owner queues on its own lane: append to `local` with plain stores.
 * false if the lane is going offline (then push: lane_push() forwards).
 * owner_busy and `online` are the owner's half of a Dekker pair with a
 * dw_bh_lane_offline() called from another thread (see the fences above):
 * either offline sees us busy and waits before it moves `local`, or we see
 * the lane offline. Whatever other producers pushed is taken first, so items
 * of different producers stay in push order.
 */
static __rte_always_inline bool
lane_append_own(struct lane *l, struct dw_work *w)
{
	__atomic_store_n(&l->owner_busy, true, __ATOMIC_RELAXED);
	bh_fence_fast();
	if (!__atomic_load_n(&l->online, __ATOMIC_RELAXED)) {
		__atomic_store_n(&l->owner_busy, false, __ATOMIC_RELEASE);
		return false;
	}
	DW_PAUSE_POINT("bh.own.append");
	if (__atomic_load_n(&l->inbound, __ATOMIC_RELAXED) != NULL)
		bh_lane_take(l);
	w->next = NULL;
	w->prev = l->local.tail;
	if (l->local.tail != NULL) {
		l->local.tail->next = w;
	} else {
		l->local.head = w;
		__atomic_store_n(&l->has_local, true, __ATOMIC_RELEASE);
	}
	l->local.tail = w;
	__atomic_store_n(&w->list, &l->local, __ATOMIC_RELAXED);
	__atomic_store_n(&l->queued_own, l->queued_own + 1, __ATOMIC_RELAXED);
	/* Release: offline, once it reads false, sees the item on `local`. */
	__atomic_store_n(&l->owner_busy, false, __ATOMIC_RELEASE);
	return true;
}

/* Lane @l is offline: move what was pushed on it to the lane it redirects to. */
static unsigned int
lane_forward(struct lane *l)
{
	struct dw_work *w, *next;
	unsigned int n = 0;

	for (w = lane_grab(l); w != NULL; w = next, n++) {
		next = w->next;
		lane_hand_over(lane_of(l->lcore), w);
	}
	return n;
}

/*
 * Link @w, whose PENDING and LINKED the caller holds, on lane @l: its own
 * list if the caller owns @l, the stack otherwise.
 */
static __rte_always_inline void
lane_link(struct lane *l, struct dw_work *w, unsigned int self)
{
	if (l->lcore == self && bh_asym && lane_append_own(l, w))
		return;
	lane_push(l, w);
}

/*
 * The lane to link an instance of @w on: @target's (or the caller's, or the
 * main lcore's), unless the previous instance still runs on another lane:
 * then that one, so that the item never runs on two lanes at once (the new
 * instance runs there after the one running now). The caller holds PENDING,
 * taken with an acquire read-modify-write of the state that the lane's start
 * of the previous instance released, so it sees current == @w if that lane
 * started it and has not finished it. @last_is_lane: the item's previous
 * queue was a BH one (last_pool is a lane, not a pool).
 */
static __rte_always_inline struct lane *
lane_pick(struct dw_work *w, int target, unsigned int self, bool last_is_lane)
{
	unsigned int lcore = target >= 0 ? (unsigned int)target : self;
	struct lane *l, *last;

	if (lcore >= RTE_MAX_LCORE || bh_lanes[lcore] == NULL)
		lcore = rte_get_main_lcore();
	l = lane_of(lcore);
	last = last_is_lane ? WORK_LOAD((struct lane **)&w->last_pool) : NULL;
	if (last != NULL && last != l && __atomic_load_n(&last->current, __ATOMIC_ACQUIRE) == w)
		return last;
	return l;
}

/* --- flush colors, counted in flight (see struct bh_ctr) --- */

/*
 * @n instances of @color ended, or were counted in and out again. @ctr: the
 * caller's counters, NULL without an lcore id. The queue's own counter may go
 * below zero (an instance counted on an lcore and cancelled by a thread
 * without one): only the sum in bh_in_flight() means anything.
 */
void
bh_color_out(struct dw_wq *wq, struct bh_ctr *ctr, uint32_t color, uint64_t n)
{
	if (ctr != NULL)
		ctr_add(&ctr->out[color], n);
	else
		__atomic_sub_fetch(&wq->in_flight[color], n, __ATOMIC_SEQ_CST);
}

/*
 * Instances of @color in flight. The ends are read before the starts: an
 * instance's end (on whatever lcore, or in the queue's counter) happens after
 * its start, so a reader that sees the end also sees the start, and the sum
 * never counts an instance below zero. After bh_fence_slow(), every start
 * that a producer kept under @color is seen (the producer read the color
 * before the barrier), so 0 means none of them is left.
 */
int64_t
bh_in_flight(const struct dw_wq *wq, uint32_t color)
{
	const struct bh_ctr *c = wq->bh;
	uint64_t in = 0, out = 0, shared;
	unsigned int i;

	for (i = 0; i < RTE_MAX_LCORE; i++)
		out += __atomic_load_n(&c[i].out[color], __ATOMIC_ACQUIRE);
	shared = __atomic_load_n(&wq->in_flight[color], __ATOMIC_SEQ_CST);
	for (i = 0; i < RTE_MAX_LCORE; i++)
		in += __atomic_load_n(&c[i].in[color], __ATOMIC_ACQUIRE);
	return (int64_t)(shared + in - out);
}

/*
 * Count an instance of the current flush color in flight and return that
 * color. The color is re-read after the count went up: if a flush flipped it
 * in between, the count moves to the new color. Whatever we return was the
 * current color after our count, so every flush that flips it later (every
 * flush called after this queueing returned) waits for the item. The count
 * and the re-read are the frequent half of the Dekker pairs with
 * bh_wait_color() and bh_wq_in_flight(); the caller checks draining and
 * magic after it too (wq_refuses()). @ctr: the caller's counters, NULL
 * without an lcore id (then the queue's seq-cst atomics).
 */
static __rte_always_inline uint32_t
bh_color_in(struct dw_wq *wq, struct bh_ctr *ctr)
{
	/* A guess, checked below: relaxed. */
	uint32_t color = __atomic_load_n(&wq->work_color, __ATOMIC_RELAXED), now;

	for (;;) {
		DW_PAUSE_POINT("bh.take_color.loaded");
		if (ctr != NULL) {
			ctr_add(&ctr->in[color], 1);
			bh_fence_fast();
		} else {
			__atomic_fetch_add(&wq->in_flight[color], 1, __ATOMIC_SEQ_CST);
		}
		now = __atomic_load_n(&wq->work_color, __ATOMIC_SEQ_CST);
		if (now == color)
			return color;
		bh_color_out(wq, ctr, color, 1); /* flipped under us: count it under the new one */
		color = now;
	}
}

static uint32_t
color_bit(uint32_t color)
{
	return color ? WORK_BH_COLOR : 0;
}

/* A queueing of @wq was counted: on the lcore's counters, or the queue's. */
static void
bh_count_queued(struct dw_wq *wq, struct bh_ctr *ctr, bool count)
{
	if (ctr != NULL) {
		ctr_add(&ctr->linked, 1);
		if (count)
			ctr_add(&ctr->queued, 1);
	} else {
		__atomic_fetch_add(&wq->n_pending, 1, __ATOMIC_RELAXED);
		if (count)
			__atomic_fetch_add(&wq->n_queued, 1, __ATOMIC_RELAXED);
	}
}

/*
 * The PENDING holder of @w, bound to @wq, records its new instance: the lane
 * it goes to (waiters watch it, so before LINKED or the push publishes the
 * item), the target and the generation. Only the PENDING holder writes them
 * (no read-modify-write needed); the release pairs with the waiters'
 * acquire. queued_at is left alone: only the pool watchdog reads it, and a
 * clock read per item is a third of the queueing cost.
 */
static void
bh_instance(struct dw_work *w, struct lane *l, int target)
{
	__atomic_store_n(&w->last_pool, (void *)l, __ATOMIC_RELEASE);
	w->target = target;
	__atomic_store_n(&w->queued_gen, __atomic_load_n(&w->queued_gen, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELEASE);
}

/* Set LINKED and the instance's @color: one CAS, a canceller or a disable may change other bits. */
static void
bh_set_linked(struct dw_work *w, uint32_t color)
{
	uint32_t st = __atomic_load_n(&w->state, __ATOMIC_RELAXED), nst;

	do {
		nst = (st & ~WORK_BH_COLOR) | WORK_BH_LINKED | color_bit(color);
	} while (!__atomic_compare_exchange_n(&w->state, &st, nst, true, __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
}

/*
 * Queue @w, whose PENDING the caller holds, on @wq (the general path: timers
 * firing, dw_mod_delayed_work(), a first queueing or a move between queues).
 * The color lives in the state word: the lane reads it in the same
 * compare-and-swap that starts the instance, before a producer can queue
 * the next one and change it.
 */
bool
bh_queue(struct dw_wq *wq, struct dw_work *w, int target, bool count)
{
	unsigned int self = rte_lcore_id(); /* a TLS read through a call: once */
	struct bh_ctr *ctr = ctr_of(wq, self);
	struct dw_wq *prev = WORK_LOAD(&w->wq);
	uint32_t color;
	struct lane *l;

	dw_trace_work_queue_work(w, (const void *)(uintptr_t)w->func, wq->name, target);
	l = lane_pick(w, target, self, prev != NULL && (prev->flags & DW_WQ_BH));
	WORK_STORE(&w->wq, wq);
	bh_instance(w, l, target);
	color = bh_color_in(wq, ctr);
	bh_count_queued(wq, ctr, count);
	bh_set_linked(w, color);
	DW_PAUSE_POINT("bh.queue.picked");
	dw_trace_work_activate_work(w);
	lane_link(l, w, self);
	return true;
}

/*
 * dw_queue_work_on() of a BH queue, in one pass and without the queuer
 * count: the in-flight count taken first (bh_color_in()) is what drain and
 * destroy wait for, and the queue is checked after it. Then one
 * compare-and-swap takes PENDING; for an item queued on this queue before
 * it also sets LINKED and the color (a first queueing binds the item to the
 * queue first, as bh_queue() does). Returns 1 (queued or revived), 0 (not
 * queued: rte_errno set, 0 if the item was pending already) or -EAGAIN: the
 * item is or was just queued on another queue; the caller takes the general
 * path (queue_claim(), then bh_queue()), which checks that case.
 */
static int
bh_queue_new(struct dw_wq *wq, struct dw_work *w, int target)
{
	unsigned int self = rte_lcore_id(); /* a TLS read through a call: once */
	struct bh_ctr *ctr = ctr_of(wq, self);
	uint32_t color, st, nst;
	struct dw_wq *cur;
	struct lane *l;

	/*
	 * The state, then the queue: a state that a PENDING holder released
	 * (directly, or through the lane's start or drop) shows the queue that
	 * holder bound the item to. Only for one bound to @wq already do the
	 * claim and LINKED go together: a canceller that sees LINKED accounts
	 * the instance on the item's queue.
	 */
	st = __atomic_load_n(&w->state, __ATOMIC_ACQUIRE);
	cur = WORK_LOAD(&w->wq);
	if (cur != NULL && cur != wq)
		return -EAGAIN;
	color = bh_color_in(wq, ctr);
	if (wq_refuses(wq, "dw_queue_work_on")) {
		bh_color_out(wq, ctr, color, 1);
		rte_errno = ESHUTDOWN;
		return 0;
	}
	DW_PAUSE_POINT("bh.queue.counted");
	for (;;) {
		if (st & (WORK_DISABLE_MASK | WORK_CANCELING)) {
			/* Disabled (the caller did it: no log), or a cancel_sync owns the item. */
			bh_color_out(wq, ctr, color, 1);
			rte_errno = ECANCELED;
			return 0;
		}
		if (!(st & WORK_PENDING)) {
			nst = cur == NULL ? st | WORK_PENDING
					  : (st & ~WORK_BH_COLOR) | WORK_PENDING | WORK_BH_LINKED |
						color_bit(color);
		} else if (!(st & WORK_BH_DEAD)) {
			nst = st; /* pending: the test-and-set fails, a release all the same */
		} else if (cur != NULL) {
			nst =
			    (st & ~(WORK_BH_DEAD | WORK_BH_COLOR)) | color_bit(color); /* revive */
		} else {
			bh_color_out(wq, ctr, color, 1);
			return -EAGAIN; /* a tombstone is bound: we read the queue too early */
		}
		if (__atomic_compare_exchange_n(&w->state, &st, nst, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			break;
		if (WORK_LOAD(&w->wq) != cur) {
			bh_color_out(wq, ctr, color, 1);
			return -EAGAIN; /* bound meanwhile (by a first queueing) */
		}
	}
	if (st & WORK_PENDING) {
		if (!(st & WORK_BH_DEAD)) {
			bh_color_out(wq, ctr, color, 1);
			rte_errno = 0;
			return 0;
		}
		/* Revived where it sits, counted as a new queueing; it runs at its old position. */
		bh_count_queued(wq, ctr, true);
		return 1;
	}
	if (cur == NULL) {
		/* A first queueing holds PENDING only: bind, then LINKED, as bh_queue(). */
		if (WORK_LOAD(&w->wq) != NULL) {
			/* Bound by a queueing that ran meanwhile: the general path decides. */
			__atomic_fetch_and(&w->state, ~WORK_PENDING, __ATOMIC_RELEASE);
			bh_color_out(wq, ctr, color, 1);
			return -EAGAIN;
		}
		l = lane_pick(w, target, self, false);
		WORK_STORE(&w->wq, wq);
		bh_instance(w, l, target);
		bh_count_queued(wq, ctr, true);
		bh_set_linked(w, color);
	} else {
		l = lane_pick(w, target, self, true);
		bh_instance(w, l, target);
		bh_count_queued(wq, ctr, true);
	}
	dw_trace_work_queue_work(w, (const void *)(uintptr_t)w->func, wq->name, target);
	DW_PAUSE_POINT("bh.queue.picked");
	dw_trace_work_activate_work(w);
	lane_link(l, w, self);
	return 1;
}

/* PENDING is set and DEAD may be: try to take the tombstone back. */
bool
bh_revive(struct dw_work *w, bool count)
{
	uint32_t st = __atomic_load_n(&w->state, __ATOMIC_ACQUIRE);
	struct dw_wq *wq = WORK_LOAD(&w->wq);
	struct bh_ctr *ctr;
	uint32_t color, nst;

	if (!(st & WORK_BH_DEAD))
		return false;
	ctr = ctr_of(wq, rte_lcore_id());
	/* In flight before it can run: a flusher must never see the count dip. */
	color = bh_color_in(wq, ctr);
	__atomic_fetch_add(&wq->n_pending, 1, __ATOMIC_RELAXED);
	while (st & WORK_BH_DEAD) {
		nst = (st & ~(WORK_BH_DEAD | WORK_BH_COLOR)) | color_bit(color);
		if (__atomic_compare_exchange_n(&w->state, &st, nst, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			if (count)
				__atomic_fetch_add(&wq->n_queued, 1, __ATOMIC_RELAXED);
			return true;
		}
	}
	/* The lane dropped it first: undo. */
	__atomic_fetch_sub(&wq->n_pending, 1, __ATOMIC_RELAXED);
	bh_color_out(wq, ctr, color, 1);
	return false;
}

/* --- timers --- */

static void
theap_update_next(struct lane *l)
{
	__atomic_store_n(&l->next_timer, dw_heap_top_key(&l->heap), __ATOMIC_RELEASE);
}

/* Lane timer lock held. */
static void
theap_remove(struct lane *l, struct dw_delayed_work *dw)
{
	DW_ASSERT_LOCKED(&l->tlock);
	dw_heap_remove(&l->heap, dw);
	__atomic_store_n(&dw->timer, NULL, __ATOMIC_RELAXED); /* read by bh_disarm() */
	__atomic_fetch_and(&dw->work.state, ~WORK_TIMER, __ATOMIC_RELEASE);
	theap_update_next(l);
}

/* Lane timer lock held. Return: 0, -ENOMEM (the heap could not grow; @dw is not armed). */
static int
theap_insert(struct lane *l, struct dw_delayed_work *dw)
{
	DW_ASSERT_LOCKED(&l->tlock);
	if (dw_heap_insert(&l->heap, dw) != 0)
		return -ENOMEM;
	__atomic_store_n(&dw->timer, (void *)l, __ATOMIC_RELAXED);
	__atomic_fetch_or(&dw->work.state, WORK_TIMER, __ATOMIC_RELEASE);
	theap_update_next(l);
	return 0;
}

void
bh_arm(struct dw_wq *wq, struct dw_delayed_work *dw, int target, uint64_t delay_us)
{
	unsigned int lcore = target >= 0 ? (unsigned int)target : rte_lcore_id();
	struct lane *l;

	if (lcore >= RTE_MAX_LCORE || bh_lanes[lcore] == NULL)
		lcore = rte_get_main_lcore();
	WORK_STORE(&dw->work.wq, wq);
	dw->cpu = target;
	dw->timer_wq = wq;
	dw->expires = dw_now_ns() + delay_us * DW_NS_PER_US;
	for (;;) {
		l = lane_of(lcore);
		DW_PAUSE_POINT("bh.arm.picked");
		pthread_mutex_lock(&l->tlock);
		/* dw_bh_lane_offline() clears online before it moves the heap under tlock. */
		if (__atomic_load_n(&l->online, __ATOMIC_ACQUIRE)) {
			if (theap_insert(l, dw) == 0)
				break;
			/* Arming must not fail: wait for memory, then pick the lane again. */
			pthread_mutex_unlock(&l->tlock);
			WORK_LOG(ERR, "out of memory growing lane %u timers, retrying", l->lcore);
			rte_delay_us_sleep(1000);
			continue;
		}
		pthread_mutex_unlock(&l->tlock);
	}
	pthread_mutex_unlock(&l->tlock);
	lane_kick(l); /* the sleeping loop must shorten its timeout */
}

/* Take @dw off whatever lane timer holds it; true if it was armed. */
bool
bh_disarm(struct dw_delayed_work *dw)
{
	struct lane *l;
	bool armed = false;

	if (!(__atomic_load_n(&dw->work.state, __ATOMIC_ACQUIRE) & WORK_TIMER))
		return false;
	l = WORK_LOAD((struct lane **)&dw->timer);
	if (l == NULL)
		return false;
	pthread_mutex_lock(&l->tlock);
	if (WORK_LOAD((struct lane **)&dw->timer) == l && dw->heap_idx >= 0) {
		theap_remove(l, dw);
		armed = true;
	}
	pthread_mutex_unlock(&l->tlock);
	return armed;
}

/* Owner: queue every expired timer of its lane. */
static unsigned int
lane_fire_timers(struct lane *l)
{
	struct dw_delayed_work *dw;
	unsigned int n = 0;
	struct dw_wq *wq;
	uint64_t next, now;

	/*
	 * No timer armed (the usual case on a forwarding lcore): skip the
	 * clock, one clock_gettime() per loop iteration otherwise.
	 */
	next = __atomic_load_n(&l->next_timer, __ATOMIC_ACQUIRE);
	if (next == UINT64_MAX || next > (now = dw_now_ns()))
		return 0;
	for (;;) {
		pthread_mutex_lock(&l->tlock);
		if (dw_heap_top_key(&l->heap) > now) {
			pthread_mutex_unlock(&l->tlock);
			break;
		}
		dw = dw_heap_top(&l->heap);
		theap_remove(l, dw);
		wq = dw->timer_wq;   /* once queued, the item may be re-armed */
		wq_queuer_enter(wq); /* a drain waits until it is queued */
		pthread_mutex_unlock(&l->tlock);
		bh_queue(wq, &dw->work, dw->cpu, false);
		wq_queuer_exit(wq);
		n++;
	}
	__atomic_store_n(&l->timers, l->timers + n, __ATOMIC_RELAXED);
	return n;
}

/* --- running --- */

/*
 * Instances a lane run finished, per flush color, for one queue: the run
 * ends them in flight once per queue change and at its end rather than per
 * item. A flusher waits for them until then, which is at most one budget.
 */
struct lane_batch {
	struct dw_wq *wq;
	struct bh_ctr *ctr; /* wq's counters of the running lcore */
	uint64_t done[2];
};

static void
batch_settle(struct lane_batch *b)
{
	unsigned int c;

	for (c = 0; c < 2; c++)
		if (b->done[c] != 0) {
			bh_color_out(b->wq, b->ctr, c, b->done[c]);
			b->done[c] = 0;
		}
}

/* Items of @wq follow: settle the previous queue's batch first. */
static void
batch_switch(struct lane_batch *b, struct dw_wq *wq, unsigned int lcore)
{
	if (b->wq == wq)
		return;
	if (b->wq != NULL)
		batch_settle(b);
	b->wq = wq;
	b->ctr = &((struct bh_ctr *)wq->bh)[lcore];
}

/*
 * Owner: take the head of the local list off (it is not empty); inline
 * work_list_pop(). Storing to the next item's line here, before the run's
 * compare-and-swap on this one, measured faster than leaving it for the
 * next compare-and-swap (it fetches that line for writing early).
 */
static struct dw_work *
lane_pop(struct lane *l)
{
	struct dw_work *w = l->local.head;

	l->local.head = w->next;
	if (w->next != NULL)
		w->next->prev = NULL;
	else
		l->local.tail = NULL;
	/* bh_drop_own() reads it: an item off the list must not look on it. */
	__atomic_store_n(&w->list, NULL, __ATOMIC_RELAXED);
	return w;
}

/* TSC deadline @max_ns from now (0: none); computed once, not per item. */
static uint64_t
run_deadline(uint64_t max_ns)
{
	uint64_t hz = rte_get_tsc_hz();

	if (max_ns == 0)
		return UINT64_MAX;
	return rte_get_tsc_cycles() + max_ns / DW_NS_PER_S * hz +
	       max_ns % DW_NS_PER_S * hz / DW_NS_PER_S;
}

unsigned int
dw_bh_lane_run(unsigned int max_items, uint64_t max_ns)
{
	struct lane *l = lane_self();
	struct lane_batch b = { 0 };
	uint64_t deadline, gen;
	unsigned int ran = 0;
	struct dw_work *w;
	struct dw_wq *wq;
	uint32_t st, color;

	if (l == NULL || bh_running_lane != NULL)
		return 0; /* not an lcore with a lane, or nested in a BH item */
	lane_fire_timers(l);
	if (__atomic_load_n(&l->inbound, __ATOMIC_RELAXED) != NULL)
		bh_lane_take(l);
	if (l->local.head == NULL)
		return 0;
	__atomic_store_n(&l->has_local, true, __ATOMIC_RELAXED);
	/*
	 * What is queued now: items the owner's own items append meanwhile
	 * wait for the next run, as those other producers push do.
	 */
	l->run_end = l->local.tail;
	deadline = run_deadline(max_ns);
	while (ran < max_items && l->run_end != NULL) {
		w = lane_pop(l);
		if (w == l->run_end)
			l->run_end = NULL;
		wq = WORK_LOAD(&w->wq);
		gen = __atomic_load_n(&w->queued_gen, __ATOMIC_ACQUIRE);
		__atomic_store_n(&l->current_gen, gen, __ATOMIC_RELAXED);
		/*
		 * Waiters see current before PENDING goes: the release half of
		 * the compare-and-swap below publishes it to whoever reads the
		 * cleared state (bh_busy() reads state, then current; a
		 * producer's claim, then lane_pick()). Message passing, not a
		 * Dekker pair: no seq-cst store needed.
		 */
		__atomic_store_n(&l->current, w, __ATOMIC_RELAXED);
		/*
		 * One compare-and-swap decides between a canceller's tombstone
		 * and our run: whoever changes the state first wins the instance.
		 */
		st = __atomic_load_n(&w->state, __ATOMIC_ACQUIRE);
		while (!__atomic_compare_exchange_n(
		    &w->state, &st, st & ~(WORK_PENDING | WORK_BH_LINKED | WORK_BH_DEAD), false,
		    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			;
		/* On a lane means PENDING and LINKED; only the lane clears them. */
		DW_ASSERT((st & (WORK_PENDING | WORK_BH_LINKED)) ==
			  (WORK_PENDING | WORK_BH_LINKED));
		if (st & WORK_BH_DEAD) {
			/* Tombstone: its canceller did the accounting; the item is free now. */
			__atomic_store_n(&l->current, NULL, __ATOMIC_RELEASE);
			__atomic_store_n(&l->dropped, l->dropped + 1, __ATOMIC_RELAXED);
			continue;
		}
		color = st_color(st);
		batch_switch(&b, wq, l->lcore);
		ctr_add(&b.ctr->started, 1);
		bh_running_lane = l;
		dw_work_func_t fn = w->func; /* execute_end must not read @w */
		dw_trace_work_execute_start(w, (const void *)(uintptr_t)fn);
		fn(w);
		dw_trace_work_execute_end(w, (const void *)(uintptr_t)fn);
		bh_running_lane = NULL;
		/* @w may be gone: only its copies are used from here. */
		__atomic_store_n(&l->current, NULL, __ATOMIC_RELEASE);
		ctr_add(&b.ctr->completed, 1);
		b.done[color]++;
		ran++;
		if (deadline != UINT64_MAX && rte_get_tsc_cycles() > deadline)
			break;
	}
	/* Single writer; relaxed stores so readers on other threads see whole values. */
	__atomic_store_n(&l->ran, l->ran + ran, __ATOMIC_RELAXED);
	__atomic_store_n(&l->runs, l->runs + (ran > 0), __ATOMIC_RELAXED);
	dw_trace_bh_lane_run(l->lcore, ran, l->local.head != NULL);
	if (l->run_end != NULL)
		__atomic_store_n(&l->budget_exhausted, l->budget_exhausted + 1, __ATOMIC_RELAXED);
	l->run_end = NULL;
	__atomic_store_n(&l->has_local, l->local.head != NULL, __ATOMIC_RELEASE);
	/*
	 * Last: a flusher returns once the batch is settled and must then read
	 * the lane's counters (and the items' effects) whole; the settle's
	 * release store publishes them.
	 */
	if (b.wq != NULL)
		batch_settle(&b);
	return ran;
}

bool
dw_bh_lane_pending(unsigned int lcore)
{
	struct lane *l = lcore < RTE_MAX_LCORE ? bh_lanes[lcore] : NULL;

	if (l == NULL)
		return false;
	if (lane_self() == l ? l->local.head != NULL
			     : __atomic_load_n(&l->has_local, __ATOMIC_ACQUIRE))
		return true;
	/* Seq-cst: pairs with the kick hook's parked flag in the run loop. */
	return __atomic_load_n(&l->inbound, __ATOMIC_SEQ_CST) != NULL ||
	       __atomic_load_n(&l->next_timer, __ATOMIC_ACQUIRE) <= dw_now_ns();
}

uint64_t
dw_bh_lane_next_timer(unsigned int lcore)
{
	struct lane *l = lcore < RTE_MAX_LCORE ? bh_lanes[lcore] : NULL;

	return l != NULL ? __atomic_load_n(&l->next_timer, __ATOMIC_ACQUIRE) : UINT64_MAX;
}

int
dw_bh_set_kick(unsigned int lcore, dw_bh_kick_t kick, void *arg)
{
	struct lane *l = lcore < RTE_MAX_LCORE ? bh_lanes[lcore] : NULL;

	if (l == NULL) {
		WORK_LOG(ERR, "no BH lane on lcore %u", lcore);
		return -EINVAL;
	}
	__atomic_store_n(&l->kick_arg, arg, __ATOMIC_RELAXED);
	/* Release: a producer that sees the hook sees its argument. */
	__atomic_store_n(&l->kick, kick, __ATOMIC_RELEASE);
	return 0;
}

/* --- lanes offline, drain support --- */

int
dw_bh_lane_offline(unsigned int lcore, unsigned int trustee)
{
	struct lane *l, *t;
	struct dw_delayed_work *dw;
	int moved = 0;

	if (lcore >= RTE_MAX_LCORE || trustee >= RTE_MAX_LCORE || lcore == trustee ||
	    (l = bh_lanes[lcore]) == NULL || (t = bh_lanes[trustee]) == NULL ||
	    !__atomic_load_n(&t->online, __ATOMIC_ACQUIRE)) {
		WORK_LOG(ERR, "cannot hand lane %u to lane %u", lcore, trustee);
		return -EINVAL;
	}
	if (lane_self() == l && bh_running_lane == l) {
		WORK_LOG(ERR, "lane %u taken offline from one of its own items", lcore);
		return -EBUSY;
	}
	if (!__atomic_load_n(&l->online, __ATOMIC_ACQUIRE))
		return 0;
	/* New producers go to the trustee from now on... */
	__atomic_store_n(&l->redirect, trustee, __ATOMIC_RELEASE);
	/* Seq-cst: pairs with lane_push()'s re-check, and bh_arm() reads it under tlock. */
	__atomic_store_n(&l->online, false, __ATOMIC_SEQ_CST);
	/*
	 * The owner may be appending to its own list (lane_append_own()): the
	 * rare half of that Dekker pair. After the fence it either sees the
	 * lane offline or we see it busy, and wait until its item is on `local`.
	 */
	if (lane_self() != l) {
		bh_fence_slow();
		while (__atomic_load_n(&l->owner_busy, __ATOMIC_ACQUIRE)) {
			DW_PAUSE_POINT("bh.offline.owner_busy");
			rte_pause();
		}
	}
	/* ...and what is already here follows, tombstones included, in order. */
	bh_lane_take(l);
	while (l->local.head != NULL) {
		lane_hand_over(t, lane_pop(l));
		moved++;
	}
	__atomic_store_n(&l->has_local, false, __ATOMIC_RELEASE);
	pthread_mutex_lock(&l->tlock);
	while ((dw = dw_heap_top(&l->heap)) != NULL) {
		pthread_mutex_lock(&t->tlock);
		theap_remove(l, dw);
		if (theap_insert(t, dw) != 0) {
			/* Back where it was (the slot it left is free); wait for memory. */
			theap_insert(l, dw);
			pthread_mutex_unlock(&t->tlock);
			pthread_mutex_unlock(&l->tlock);
			WORK_LOG(ERR, "out of memory moving lane %u timers, retrying", lcore);
			rte_delay_us_sleep(1000);
			pthread_mutex_lock(&l->tlock);
			continue;
		}
		pthread_mutex_unlock(&t->tlock);
		moved++;
	}
	pthread_mutex_unlock(&l->tlock);
	/*
	 * A producer that raced with the switch may have pushed here after
	 * bh_lane_take(): it forwards that item itself once it sees us offline,
	 * or we find it here (lane_push() explains why one of us does).
	 */
	moved += (int)lane_forward(l);
	lane_kick(t);
	return moved;
}

static unsigned int
bh_fire_wq(struct dw_wq *wq)
{
	struct dw_delayed_work *dw;
	unsigned int i, n = 0, lc;
	struct lane *l;

	for (lc = 0; lc < RTE_MAX_LCORE; lc++) {
		if ((l = bh_lanes[lc]) == NULL)
			continue;
		for (;;) {
			pthread_mutex_lock(&l->tlock);
			dw = NULL;
			for (i = 0; i < l->heap.len; i++)
				if (((struct dw_delayed_work *)l->heap.v[i])->timer_wq == wq) {
					dw = l->heap.v[i];
					theap_remove(l, dw);
					wq_queuer_enter(wq);
					break;
				}
			pthread_mutex_unlock(&l->tlock);
			if (dw == NULL)
				break;
			bh_queue(wq, &dw->work, dw->cpu, false);
			wq_queuer_exit(wq);
			n++;
		}
	}
	return n;
}

static int
bh_wq_init(struct dw_wq *wq)
{
	size_t sz = sizeof(struct bh_ctr) * RTE_MAX_LCORE;

	wq->bh = aligned_alloc(RTE_CACHE_LINE_SIZE, sz);
	if (wq->bh == NULL)
		return -ENOMEM;
	memset(wq->bh, 0, sz);
	return 0;
}

/*
 * After the queue drained. Its counters stay with the husk (wq_free() frees
 * them): a producer that checked the queue alive before the destroy counts
 * itself in there before it sees the queue refuse it.
 */
static void
bh_wq_fini(struct dw_wq *wq)
{
	if (wq == dw_system_bh_wq)
		dw_system_bh_wq = NULL;
}

static uint64_t
ctr_sum(const struct bh_ctr *c, size_t off)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < RTE_MAX_LCORE; i++)
		sum += __atomic_load_n((const uint64_t *)((const char *)&c[i] + off),
				       __ATOMIC_ACQUIRE);
	return sum;
}

/*
 * dw_wq_stats_get() of a BH queue: add the per-lcore counts to those of
 * struct dw_wq (threads without an lcore id, cancel, revive). Read in the
 * order an instance moves (completed, started, then linked) so that the
 * differences are rarely negative; they are not one snapshot, so clamp.
 */
static void
bh_wq_stats(const struct dw_wq *wq, struct dw_wq_stats *st)
{
	const struct bh_ctr *c = wq->bh;
	uint64_t completed, started, linked;
	int64_t pending;

	completed = ctr_sum(c, offsetof(struct bh_ctr, completed));
	started = ctr_sum(c, offsetof(struct bh_ctr, started));
	linked = ctr_sum(c, offsetof(struct bh_ctr, linked));
	st->queued += ctr_sum(c, offsetof(struct bh_ctr, queued));
	st->started += started;
	st->completed += completed;
	/* n_pending of struct dw_wq may be below zero: cancels of lcore-counted items. */
	pending = (int64_t)(int32_t)st->pending + (int64_t)(linked - started);
	st->pending = pending > 0 ? (uint32_t)pending : 0;
	st->running = started > completed ? (uint32_t)(started - completed) : 0;
}

static bool
bh_lane_exists(int lcore)
{
	return lcore >= 0 && lcore < RTE_MAX_LCORE && bh_lanes[lcore] != NULL;
}

static const struct work_bh_ops bh_ops = {
	.queue = bh_queue,
	.queue_new = bh_queue_new,
	.arm = bh_arm,
	.revive = bh_revive,
	.cancel = bh_cancel,
	.mod = bh_mod,
	.flush = bh_flush,
	.flush_delayed = bh_flush_delayed,
	.running = bh_running,
	.wait_color = bh_wait_color,
	.in_flight = bh_wq_in_flight,
	.fire_wq = bh_fire_wq,
	.lane_exists = bh_lane_exists,
	.wq_init = bh_wq_init,
	.wq_fini = bh_wq_fini,
	.stats = bh_wq_stats,
};

struct dw_work *
bh_current_work(void)
{
	struct lane *l = bh_running_lane;

	return l != NULL ? l->current : NULL;
}

int
dw_bh_init(void)
{
	struct dw_wq_conf c = { .size = sizeof(c), .flags = DW_WQ_BH };
	unsigned int lcore;
	struct lane *l;

	if (!__atomic_load_n(&work_lib.initialised, __ATOMIC_ACQUIRE) || rte_lcore_count() == 0) {
		WORK_LOG(ERR, "needs rte_eal_init() and dw_work_lib_init() first");
		return -ESHUTDOWN;
	}
	if (bh_up)
		return -EALREADY;
	bh_fences_init();
	RTE_LCORE_FOREACH(lcore) {
		l = rte_zmalloc_socket("dw_bh_lane", sizeof(*l), RTE_CACHE_LINE_SIZE,
				       (int)rte_lcore_to_socket_id(lcore));
		if (l == NULL)
			goto nomem;
		l->lcore = lcore;
		l->online = true;
		l->next_timer = UINT64_MAX;
		pthread_mutex_init(&l->tlock, NULL);
		DW_HEAP_INIT(&l->heap, struct dw_delayed_work, expires, heap_idx);
		bh_lanes[lcore] = l;
	}
	work_bh = &bh_ops;
	bh_up = true;
	dw_system_bh_wq = dw_wq_create("events_bh", &c);
	if (dw_system_bh_wq == NULL)
		goto nomem;
	dw_system_bh_wq->system = true;
	return 0;
nomem:
	bh_fini();
	return -ENOMEM;
}

void
bh_fini(void)
{
	unsigned int i;

	for (i = 0; i < RTE_MAX_LCORE; i++) {
		if (bh_lanes[i] == NULL)
			continue;
		dw_heap_fini(&bh_lanes[i]->heap);
		rte_free(bh_lanes[i]);
		bh_lanes[i] = NULL;
	}
	work_bh = NULL;
	bh_up = false;
}

/*
 * Before the BH queues drain at dw_work_lib_fini(): lanes whose lcore is not
 * running anything are handed to the caller's lane (or the main lcore's), so
 * that the caller, helping its own lane, runs what they held.
 */
void
bh_prepare_drain(void)
{
	unsigned int self = rte_lcore_id(), lcore;

	if (self >= RTE_MAX_LCORE || bh_lanes[self] == NULL)
		self = rte_get_main_lcore();
	/* Our own lane may be offline already (a run loop ended here): use its trustee. */
	self = lane_of(self)->lcore;
	RTE_LCORE_FOREACH(lcore) {
		if (lcore == self || bh_lanes[lcore] == NULL ||
		    !__atomic_load_n(&bh_lanes[lcore]->online, __ATOMIC_ACQUIRE))
			continue;
		if (rte_eal_get_lcore_state(lcore) != RUNNING)
			dw_bh_lane_offline(lcore, self);
	}
}

static int
bh_lane_stats_fill(unsigned int lcore, struct dw_bh_lane_stats *st)
{
	struct lane *l;

	if (!bh_up)
		return -ESHUTDOWN;
	if (lcore >= RTE_MAX_LCORE || (l = bh_lanes[lcore]) == NULL || st == NULL)
		return -EINVAL;
	st->queued = __atomic_load_n(&l->queued, __ATOMIC_RELAXED) +
		     __atomic_load_n(&l->queued_own, __ATOMIC_RELAXED);
	st->ran = __atomic_load_n(&l->ran, __ATOMIC_RELAXED);
	st->dropped = __atomic_load_n(&l->dropped, __ATOMIC_RELAXED);
	st->timers = __atomic_load_n(&l->timers, __ATOMIC_RELAXED);
	st->runs = __atomic_load_n(&l->runs, __ATOMIC_RELAXED);
	st->budget_exhausted = __atomic_load_n(&l->budget_exhausted, __ATOMIC_RELAXED);
	st->kicks = __atomic_load_n(&l->kicks, __ATOMIC_RELAXED);
	st->online = __atomic_load_n(&l->online, __ATOMIC_RELAXED);
	return 0;
}

int
dw_bh_lane_stats_get_sized(unsigned int lcore, struct dw_bh_lane_stats *st, size_t size)
{
	struct dw_bh_lane_stats full;
	int rc = dw_out_check(dw_work_logtype, __func__, st, size,
			      DW_CONF_END(struct dw_bh_lane_stats, online));

	if (rc < 0)
		return rc;
	memset(&full, 0, sizeof(full));
	rc = bh_lane_stats_fill(lcore, &full);
	if (rc == 0)
		dw_out_put(st, size, &full, sizeof(full));
	return rc;
}
