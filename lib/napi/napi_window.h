/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NAPI_WINDOW_H
#define NAPI_WINDOW_H

/*
 * The busy-poll window of adaptive mode (private to lib/napi). After an rx
 * wake, the first work found (a request, say) opens a window; the lcore keeps
 * polling while it is open instead of arming and sleeping, so that what
 * follows (the response coming back) is caught at poll-mode latency. Work
 * found in the window (a hit) opens the next one, so a stream whose gaps
 * fit keeps the lcore polling. The window's length is learned from the
 * traffic: the gap from the opening work to the next work, whether polling
 * caught it (a hit) or the window had closed and the lcore was woken for it
 * (a miss, learned from the next rx wake). Gaps longer than the budget are
 * not followed: they make the estimate decay, so that traffic with nothing
 * to wait for soon costs next to no polling.
 *
 * Pure: every call takes the time (ns, any monotonic clock) from the caller,
 * so tests feed it timestamps (test_napi_window.c). Owner lcore only; the
 * fields stats readers load (est_ns, hits, misses) are stored relaxed.
 */

#include <stdbool.h>
#include <stdint.h>

/* Margin added to the estimate: a response a little late is still caught. */
#define NAPI_WIN_MARGIN_NS 2000
/* The estimate moves down by 1/NAPI_WIN_DECAY of the distance per sample or miss. */
#define NAPI_WIN_DECAY 8

struct napi_win {
	uint64_t budget_ns; /* most a window may last (conf.busy_poll_budget_us) */
	uint64_t est_ns;    /* learned gap: up at once, down slowly */
	uint64_t open_ns;   /* work that opened the window, 0: closed */
	uint64_t missed_ns; /* opening time of a window that closed unanswered, 0: none */
	bool wake_rx;	    /* rx wake seen, its first work not yet */
	uint64_t hits;	    /* windows answered while polling */
	uint64_t misses;    /* windows that closed unanswered */
};

/* Forget any window in progress (the lcore left adaptive mode or woke for something else). */
static inline void
napi_win_reset(struct napi_win *w)
{
	w->open_ns = 0;
	w->missed_ns = 0;
	w->wake_rx = false;
}

/* Whether napi_win_work() has anything to do (keeps it off the busy path otherwise). */
static inline bool
napi_win_watching(const struct napi_win *w)
{
	return w->wake_rx || w->open_ns != 0 || w->missed_ns != 0;
}

/*
 * Start with @p seed_ns as the estimate (bounded by @p budget_ns), no window
 * in progress. The hit and miss counters carry on (statistics).
 */
static inline void
napi_win_init(struct napi_win *w, uint64_t seed_ns, uint64_t budget_ns)
{
	napi_win_reset(w);
	w->budget_ns = budget_ns;
	__atomic_store_n(&w->est_ns, seed_ns < budget_ns ? seed_ns : budget_ns, __ATOMIC_RELAXED);
}

/* Length of the window opened now: the estimate plus a quarter and the margin, up to the budget. */
static inline uint64_t
napi_win_len(const struct napi_win *w)
{
	uint64_t len = w->est_ns + w->est_ns / 4 + NAPI_WIN_MARGIN_NS;

	return len < w->budget_ns ? len : w->budget_ns;
}

/* One observed gap within the budget: a longer one is taken at once, a shorter one slowly. */
static inline void
napi_win_learn(struct napi_win *w, uint64_t gap_ns)
{
	uint64_t est = w->est_ns;

	/* A hit found late (the lcore preempted past the window's end) says no more than that. */
	if (gap_ns > w->budget_ns)
		gap_ns = w->budget_ns;
	est = gap_ns >= est ? gap_ns : est - (est - gap_ns) / NAPI_WIN_DECAY;
	__atomic_store_n(&w->est_ns, est, __ATOMIC_RELAXED);
}

/*
 * The lcore woke at @p now, by an rx interrupt if @p rx. A window that
 * closed unanswered learns from an rx wake within the budget (it was too
 * short); otherwise the estimate decays.
 */
static inline void
napi_win_wake(struct napi_win *w, uint64_t now, bool rx)
{
	if (w->missed_ns != 0) {
		if (rx && now - w->missed_ns <= w->budget_ns)
			napi_win_learn(w, now - w->missed_ns);
		else
			__atomic_store_n(&w->est_ns, w->est_ns - w->est_ns / NAPI_WIN_DECAY,
					 __ATOMIC_RELAXED);
		w->missed_ns = 0;
	}
	w->open_ns = 0;
	w->wake_rx = rx;
}

/*
 * An iteration found work at @p now: the first after an rx wake opens a
 * window; work in an open window is a hit, learned, and opens the next.
 */
static inline void
napi_win_work(struct napi_win *w, uint64_t now)
{
	if (w->wake_rx) {
		w->wake_rx = false;
		w->open_ns = now != 0 ? now : 1;
		return;
	}
	if (w->open_ns != 0) {
		napi_win_learn(w, now - w->open_ns);
		w->open_ns = now != 0 ? now : 1;
		__atomic_store_n(&w->hits, w->hits + 1, __ATOMIC_RELAXED);
	} else if (w->missed_ns != 0) {
		/* Found by polling after all (the park was aborted): as an rx wake and its work. */
		napi_win_wake(w, now, true);
		napi_win_work(w, now);
	}
}

/*
 * An iteration found nothing at @p now. Returns true to keep polling (a
 * window is open); false to park, closing an expired window as a miss.
 */
static inline bool
napi_win_idle(struct napi_win *w, uint64_t now)
{
	if (w->open_ns == 0)
		return false;
	if (now - w->open_ns < napi_win_len(w))
		return true;
	w->missed_ns = w->open_ns;
	w->open_ns = 0;
	__atomic_store_n(&w->misses, w->misses + 1, __ATOMIC_RELAXED);
	return false;
}

#endif /* NAPI_WINDOW_H */
