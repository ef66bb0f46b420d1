/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_CLOCK_H
#define DW_CLOCK_H

/*
 * The fake clock behind dw_now_ns() in test builds. Private to libdwork and
 * its tests: never installed.
 *
 * Builds with pause points (-Dpause_points, on in every non-release build)
 * compile libdwork and its tests with DW_TEST_CLOCK=1: dw_now_ns() first
 * loads dw_clock_fake_ns and, while it is non-zero, returns it instead of
 * CLOCK_MONOTONIC (one load and one predictable branch). Release builds and
 * applications get the plain clock_gettime().
 *
 * A test starts the fake clock (it begins at the real time, so deadlines
 * taken before stay meaningful) and moves it with dw_clock_fake_advance().
 * Time then stands still between advances, and everything that sleeps until
 * a dw_now_ns() deadline must notice an advance:
 *   - hooks (dw_clock_hook_add()): run in the advancing thread, in order,
 *     after the new time is visible. The pool timer fires what is due from
 *     its hook, the BH lanes kick their lcores.
 *   - sleepers (dw_clock_sleep_begin()/check()/end()): a thread that waits
 *     for a deadline in slices of real time while the fake clock runs, and
 *     checks the fake time between slices (the napi loop's sleep ramp).
 * dw_clock_fake_advance() returns once every hook has run and every sleeper
 * has checked the new time, so a test may assert right after it: "advance
 * to the deadline minus 1 ns: nothing happened; advance 1 ns: it happened".
 */

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "dw_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef DW_TEST_CLOCK
#define DW_TEST_CLOCK 0
#endif

/* A sleeper's bookkeeping: which advance it has seen. */
struct dw_clock_sleeper {
	uint64_t gen;
};

typedef void (*dw_clock_hook_t)(void *arg);

#if DW_TEST_CLOCK

/* True while a test runs the fake clock. */
static inline bool
dw_clock_is_fake(void)
{
	return __atomic_load_n(&dw_clock_fake_ns, __ATOMIC_RELAXED) != 0;
}

/* Run @p fn(@p arg) at every advance (and at stop). Return: 0, -ENOSPC (8 at most). */
int dw_clock_hook_add(dw_clock_hook_t fn, void *arg);
/* Remove it; once this returns, the hook is not running and will not run. */
void dw_clock_hook_del(dw_clock_hook_t fn, void *arg);

/*
 * The CLOCK_MONOTONIC time to pass to a timed wait for dw_now_ns() deadline
 * @p deadline. On the fake clock: a real slice of at most 10 ms, after which
 * the waiter looks at the (fake) time again.
 */
struct timespec dw_clock_abstime(uint64_t deadline);

/*
 * A thread about to wait for @p deadline in real-time slices registers with
 * begin, calls check between slices (true: the deadline passed, or the fake
 * clock was stopped) and end when it stops waiting.
 */
void dw_clock_sleep_begin(struct dw_clock_sleeper *s);
bool dw_clock_sleep_check(struct dw_clock_sleeper *s, uint64_t deadline);
void dw_clock_sleep_end(struct dw_clock_sleeper *s);

#else /* !DW_TEST_CLOCK: the real clock only, and all of this costs nothing */

static inline bool
dw_clock_is_fake(void)
{
	return false;
}

static inline int
dw_clock_hook_add(dw_clock_hook_t fn, void *arg)
{
	(void)fn;
	(void)arg;
	return 0;
}

static inline void
dw_clock_hook_del(dw_clock_hook_t fn, void *arg)
{
	(void)fn;
	(void)arg;
}

static inline struct timespec
dw_clock_abstime(uint64_t deadline)
{
	return dw_ns_to_timespec(deadline);
}

static inline void
dw_clock_sleep_begin(struct dw_clock_sleeper *s)
{
	(void)s;
}

static inline bool
dw_clock_sleep_check(struct dw_clock_sleeper *s, uint64_t deadline)
{
	(void)s;
	return dw_now_ns() >= deadline;
}

static inline void
dw_clock_sleep_end(struct dw_clock_sleeper *s)
{
	(void)s;
}

#endif /* DW_TEST_CLOCK */

/* Test side (all return -ENOTSUP, or do nothing, in builds without the fake clock). */

/* Switch dw_now_ns() to the fake clock, starting at the real time. Return: 0, -EBUSY, -ENOTSUP. */
int dw_clock_fake_start(void);
/* Back to the real clock; hooks run and sleepers look again. */
void dw_clock_fake_stop(void);
/*
 * Move the fake clock forward by @p ns, run the hooks, and wait until every
 * sleeper has checked the new time. Return: 0, -EINVAL (fake clock not running),
 * -ETIMEDOUT (a sleeper did not check within 10 s of real time: it is stuck).
 */
int dw_clock_fake_advance(uint64_t ns);
/* How many threads wait on the fake clock right now (a test waits for its sleeper). */
unsigned int dw_clock_fake_sleepers(void);

#ifdef __cplusplus
}
#endif

#endif /* DW_CLOCK_H */
