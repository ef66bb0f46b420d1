/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_DEBUG_H
#define DW_DEBUG_H

/*
 * Debug-build checks and test-only pause points. Private to libdwork and its
 * tests: never installed.
 *
 * DW_ASSERT(cond) and DW_ASSERT_LOCKED(mutex) compile to nothing unless the
 * build sets -Dasserts=true (devtools/test.sh does for every test build).
 * A failed assertion logs the expression and where it sits, then aborts.
 *
 * DW_PAUSE_POINT("name") marks a line where a race lives. With
 * -Dpause_points=true it costs one relaxed load while nothing is armed; in
 * any other build it is nothing at all. A test arms a point by name: the
 * next thread that reaches it (after @p skip passes) parks there until the
 * test releases it, so the test can drive the racing call on another thread
 * at exactly that moment. A test may instead install a hook that runs at
 * every point (dw_pause_hook_set()).
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef DW_ASSERTS
#define DW_ASSERTS 0
#endif
#ifndef DW_PAUSE_POINTS
#define DW_PAUSE_POINTS 0
#endif

void dw_assert_fail(const char *expr, const char *file, int line, const char *func)
    __attribute__((noreturn));
/* True when the calling thread owns @p m (glibc: the mutex records its owner's tid). */
bool dw_mutex_held(pthread_mutex_t *m);

#if DW_ASSERTS
#define DW_ASSERT(cond)                                                                            \
	do {                                                                                       \
		if (unlikely(!(cond)))                                                             \
			dw_assert_fail(#cond, __FILE__, __LINE__, __func__);                       \
	} while (0)
#define DW_ASSERT_LOCKED(m) DW_ASSERT(dw_mutex_held(m))
#else
#define DW_ASSERT(cond)                                                                            \
	do {                                                                                       \
		(void)sizeof(cond);                                                                \
	} while (0)
#define DW_ASSERT_LOCKED(m)                                                                        \
	do {                                                                                       \
		(void)sizeof(m);                                                                   \
	} while (0)
#endif

/* Called at every pause point while anything is armed or hooked. */
typedef void (*dw_pause_hook_t)(const char *name, void *arg);

#if DW_PAUSE_POINTS
extern int dw_pause_active; /* number of armed points + installed hook; relaxed */
void dw_pause_hit(const char *name);
#define DW_PAUSE_POINT(name)                                                                       \
	do {                                                                                       \
		if (unlikely(__atomic_load_n(&dw_pause_active, __ATOMIC_RELAXED) != 0))            \
			dw_pause_hit(name);                                                        \
	} while (0)
#else
#define DW_PAUSE_POINT(name)                                                                       \
	do {                                                                                       \
	} while (0)
#endif

/* Test side (all return -ENOTSUP when the build has no pause points). */

/**
 * Arm point @p name: the (@p skip + 1)-th thread to reach it parks there.
 * One-shot: after that thread is released the point passes everyone again.
 * At most 8 points are armed at once. Return: 0, -EBUSY (already armed),
 * -ENOSPC, -EINVAL, -ENOTSUP.
 */
int dw_pause_arm(const char *name, unsigned int skip);
/** Wait until a thread is parked at @p name. Return: 0, -ETIMEDOUT, -ENOENT (not armed). */
int dw_pause_wait(const char *name, unsigned int timeout_ms);
/** True when a thread is parked at @p name right now. */
bool dw_pause_parked(const char *name);
/** Let the parked thread (if any) go and disarm @p name. Return: 0, -ENOENT. */
int dw_pause_release(const char *name);
/** Disarm everything and release every parked thread (test teardown). */
void dw_pause_reset(void);
/** Install (or with NULL remove) a hook run at every point, outside any dwork lock. */
int dw_pause_hook_set(dw_pause_hook_t hook, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* DW_DEBUG_H */
